// `wirestack dns serve`: the authoritative DNS server on a real UDP socket.
import type { Command, Io } from '../command.ts';
import { optionValue, untilSignal, UsageError } from '../command.ts';
import { loadServer, startUdpDnsServer } from '../../dns/udp-server.ts';

const help = `usage: wirestack dns serve --zone FILE [--zone FILE…] [--hosts FILE] [--listen ADDR:PORT]

Serves RFC 1035 zone files (and /etc/hosts-format files) authoritatively over UDP.
  --zone FILE        a master file ($ORIGIN, $TTL, @, relative names, multi-line SOA); repeatable
  --hosts FILE       a hosts(5) file: A/AAAA for every name, PTR for the canonical name
  --listen ADDR:PORT address to bind (default 127.0.0.1:5354; [::1]:5354 for IPv6)
  --max-udp N        largest EDNS0 response and advertised size (default 1232)
Names outside the loaded data are REFUSED. Stops cleanly on SIGINT / SIGTERM.
Try: dig @127.0.0.1 -p 5354 www.example.com A +norecurse`;

function parseListen(s: string): { host: string; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`--listen: expected ADDR:PORT, got "${s}"`);
  return { host: m[1]!, port: Number(m[2]) };
}

async function serve(args: string[], io: Io): Promise<number> {
  const zones: string[] = [];
  let hosts: string | undefined;
  let listen = '127.0.0.1:5354';
  let maxUdp = 1232;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const val = () => optionValue(a, args[++i]);
    if (a === '--zone') zones.push(val());
    else if (a === '--hosts') hosts = val();
    else if (a === '--listen') listen = val();
    else if (a === '--max-udp') {
      maxUdp = Number(val());
      if (!Number.isInteger(maxUdp) || maxUdp < 512 || maxUdp > 65535) throw new UsageError('--max-udp: 512..65535');
    } else throw new UsageError(`unknown option "${a}"`);
  }
  if (zones.length === 0 && !hosts) throw new UsageError('give at least one --zone or --hosts');
  const { host, port } = parseListen(listen);
  const server = loadServer(zones, hosts, { maxUdpSize: maxUdp });
  const s = await startUdpDnsServer(server, host, port);
  io.out(`listening on ${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port} (udp)`);
  await untilSignal().done;
  await s.close();
  const st = server.stats;
  io.err(`served ${st.responses} responses to ${st.queries} queries (${st.truncated} truncated, ${st.dropped} dropped)`);
  return 0;
}

export const dnsCommand: Command = {
  name: 'dns',
  summary: 'DNS tools: serve zone files over UDP',
  help,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'serve') return serve(rest, io);
    throw new UsageError(sub ? `unknown subcommand "${sub}"; try "wirestack dns --help"` : 'missing subcommand (serve)');
  },
};
