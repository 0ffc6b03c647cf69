// `wirestack-dns --zone FILE [--zone FILE…] [--hosts FILE] [--listen ADDR[:PORT]]`: starts the
// lab's authoritative DNS server (src/dns/server.ts with the hosts and zone plugins) on a lab UDP
// socket in the current namespace, so `dig`, `nslookup`, `host` and `ping NAME` in other
// namespaces get answers. Files come from the session's per-namespace files first (a script can
// `cat > /etc/zones/x <<EOF` before), then from the real file system. The server keeps serving
// in the background until the run ends (like `named &`); it prints one line saying where.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Ctx, ShellCommand } from '../command.ts';
import { DnsServer, type DnsPlugin } from '../../dns/server.ts';
import { parseZoneFile, ZoneFileError } from '../../dns/zone-file.ts';
import { parseHostsFile, hostsToRecords } from '../../dns/hosts-file.ts';
import { RecordStore, Zone } from '../../dns/zone.ts';
import { HostsPlugin, ZonePlugin } from '../../dns/plugins.ts';
import { serveDns } from '../../dns/lab-server.ts';
import { tryParseIpv4 } from '../../ip/address.ts';

const NAME = 'wirestack-dns';
const USAGE = `Usage: ${NAME} --zone FILE [--zone FILE...] [--hosts FILE] [--listen ADDR[:PORT]]
  --zone FILE     RFC 1035 master file; without $ORIGIN the origin is the file's name
                  (/etc/zones/mycompany.com -> mycompany.com.)
  --hosts FILE    hosts(5) file answered first (A and PTR)
  --listen A[:P]  address and port in this namespace (default 0.0.0.0:53)
`;

function readText(ctx: Ctx, path: string): string | null {
  const s = ctx.session.readFile(ctx.ns, path);
  if (s !== null) return s;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The zone's default origin: the file name when it looks like a domain (BIND takes it from named.conf). */
function defaultOrigin(path: string): string {
  const b = basename(path).replace(/\.(zone|db)$/, '');
  return b.includes('.') ? `${b.replace(/\.$/, '')}.` : '.';
}

function run(ctx: Ctx, argv: string[]): number {
  const zones: string[] = [];
  let hosts: string | null = null;
  let listen = '0.0.0.0:53';
  const a = argv.slice(1);
  for (let i = 0; i < a.length; i++) {
    const o = a[i]!;
    if (o === '-h' || o === '--help') {
      ctx.out(USAGE);
      return 0;
    }
    const v = a[i + 1];
    if ((o === '--zone' || o === '--hosts' || o === '--listen') && v === undefined) {
      ctx.err(`${NAME}: option ${o} needs a value\n${USAGE}`);
      return 2;
    }
    if (o === '--zone') zones.push(v!);
    else if (o === '--hosts') hosts = v!;
    else if (o === '--listen') listen = v!;
    else {
      ctx.err(`${NAME}: unknown option "${o}"\n${USAGE}`);
      return 2;
    }
    i++;
  }
  if (zones.length === 0 && hosts === null) {
    ctx.err(`${NAME}: give at least one --zone or --hosts\n${USAGE}`);
    return 2;
  }
  const m = /^([0-9.]+)(?::(\d+))?$/.exec(listen);
  const port = m?.[2] !== undefined ? Number(m[2]) : 53;
  if (!m || tryParseIpv4(m[1]!) < 0 || port < 1 || port > 65535) {
    ctx.err(`${NAME}: --listen: "${listen}" is not ADDR[:PORT]\n`);
    return 2;
  }
  const plugins: DnsPlugin[] = [];
  if (hosts !== null) {
    const text = readText(ctx, hosts);
    if (text === null) {
      ctx.err(`${NAME}: ${hosts}: No such file or directory\n`);
      return 1;
    }
    const store = new RecordStore();
    for (const rr of hostsToRecords(parseHostsFile(text).entries)) store.add(rr);
    plugins.push(new HostsPlugin(store));
  }
  const zs: Zone[] = [];
  for (const f of zones) {
    const text = readText(ctx, f);
    if (text === null) {
      ctx.err(`${NAME}: ${f}: No such file or directory\n`);
      return 1;
    }
    try {
      const z = parseZoneFile(text, { file: f, origin: defaultOrigin(f) });
      zs.push(new Zone(z.origin, z.records));
    } catch (e) {
      ctx.err(`${NAME}: ${e instanceof ZoneFileError ? e.message : `${f}: ${(e as Error).message}`}\n`);
      return 1;
    }
  }
  if (zs.length) plugins.push(new ZonePlugin(zs));
  try {
    serveDns(ctx.ns, m[1]!, port, new DnsServer(plugins));
  } catch (e) {
    ctx.err(`${NAME}: ${(e as Error).message}\n`);
    return 1;
  }
  const names = zs.map((z) => z.origin).join(', ');
  ctx.out(`${NAME}: serving ${names || 'hosts'}${hosts !== null && zs.length ? ' and hosts' : ''} on ${m[1]}:${port} (udp)\n`);
  return 0;
}

export const dnsServerCommand: ShellCommand = {
  name: NAME,
  summary: 'start the lab DNS server (zone / hosts files) on UDP in this namespace',
  run,
};
