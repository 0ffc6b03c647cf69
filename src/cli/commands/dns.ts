// `wirestack dns serve`: the authoritative DNS server on real UDP and TCP sockets (same address and port).
import type { Command, Io } from '../command.ts';
import { optionValue, untilSignal, UsageError } from '../command.ts';
import { loadServer } from '../../dns/udp-server.ts';
import { startDnsListeners } from '../../dns/tcp-server.ts';

const help = `usage: wirestack dns serve --zone FILE [--zone FILE…] [--hosts FILE] [--listen ADDR:PORT]

Serves RFC 1035 zone files (and /etc/hosts-format files) authoritatively over UDP and TCP.
  --zone FILE        a master file ($ORIGIN, $TTL, @, relative names, multi-line SOA); repeatable
  --hosts FILE       a hosts(5) file: A/AAAA for every name, PTR for the canonical name
  --listen ADDR:PORT address to bind, UDP and TCP (default 127.0.0.1:5354; [::1]:5354 for IPv6)
  --max-udp N        largest EDNS0 response and advertised size (default 1232)
  --tcp-idle SECONDS close a TCP connection idle this long (default 30)
Names outside the loaded data are REFUSED. A UDP answer larger than 512 bytes (or the client's
EDNS0 size) is truncated with TC set; clients such as dig then retry over TCP, which carries up
to 65535 bytes, several queries per connection (RFC 7766), never truncated. A malformed TCP frame
closes that connection only. ANY returns every RRset of the name (over UDP, truncated like any
large answer), not RFC 8482's minimal answer: the data is our own, there is nothing to protect.
Stops cleanly on SIGINT / SIGTERM.
Try: dig @127.0.0.1 -p 5354 www.example.com A +norecurse     (+tcp for TCP)`;

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
  let idleS = 30;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const val = () => optionValue(a, args[++i]);
    if (a === '--zone') zones.push(val());
    else if (a === '--hosts') hosts = val();
    else if (a === '--listen') listen = val();
    else if (a === '--max-udp') {
      maxUdp = Number(val());
      if (!Number.isInteger(maxUdp) || maxUdp < 512 || maxUdp > 65535) throw new UsageError('--max-udp: 512..65535');
    } else if (a === '--tcp-idle') {
      idleS = Number(val());
      if (!Number.isFinite(idleS) || idleS <= 0 || idleS > 86400) throw new UsageError('--tcp-idle: seconds, 0 < N <= 86400');
    } else throw new UsageError(`unknown option "${a}"`);
  }
  if (zones.length === 0 && !hosts) throw new UsageError('give at least one --zone or --hosts');
  const { host, port } = parseListen(listen);
  const server = loadServer(zones, hosts, { maxUdpSize: maxUdp });
  const s = await startDnsListeners(server, host, port, { idleTimeoutMs: idleS * 1000 });
  const at = `${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port}`;
  io.out(`listening on ${at} (udp)`);
  io.out(`listening on ${at} (tcp)`);
  await untilSignal().done;
  await s.close();
  const st = server.stats, ts = s.tcp.stats;
  io.err(`served ${st.responses} responses to ${st.queries} queries (${st.truncated} truncated, ${st.dropped} dropped)`);
  io.err(`tcp: ${ts.accepted} connections (${ts.badFrames} closed on a malformed frame, ${ts.idleClosed} idle)`);
  return 0;
}

export const dnsCommand: Command = {
  name: 'dns',
  summary: 'DNS tools: serve zone files over UDP and TCP',
  help,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'serve') return serve(rest, io);
    throw new UsageError(sub ? `unknown subcommand "${sub}"; try "wirestack dns --help"` : 'missing subcommand (serve)');
  },
};
