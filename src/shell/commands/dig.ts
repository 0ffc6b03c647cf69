// `dig [@server] [-p port] [-t type] [name] [type] [+short] [+search] [+[no]recurse] [+noedns]
// [+time=N] [+tries=N]` on a lab namespace: queries go out on a lab UDP socket to @server or the
// namespace's resolv.conf nameservers; output is BIND 9.18's layout (src/dns/dig-format.ts) with
// query time and WHEN from the lab clock (WHEN counts from the Unix epoch). dig never reads
// /etc/hosts. +tcp is refused: the lab has no TCP yet.
import type { Ctx, ShellCommand } from '../command.ts';
import { outLines } from '../command.ts';
import { tryParseIpv4 } from '../../ip/address.ts';
import { dnsMessage, type DnsMessage } from '../../dns/message.ts';
import { exchange, type ExchangeResult } from '../../dns/stub-resolver.ts';
import { labClock, labTransport } from '../../dns/lab-server.ts';
import { labAwait } from './dns-resolve.ts';
import { parseResolvConf } from '../../dns/resolv-conf.ts';
import { searchCandidates } from '../../dns/search-list.ts';
import { DnsClass, DnsRcode, DnsType, parseDnsType } from '../../dns/types.ts';
import { formatDig } from '../../dns/dig-format.ts';

export interface LabQuery {
  servers: string[];
  port: number;
  name: string;
  type: number;
  rd: boolean;
  edns: boolean;
  timeout: number;
  tries: number;
}

/** One dig-style exchange on the lab (no failover on bad rcodes, no cache); awaited in real time on a wall clock. */
export async function labDnsQuery(ctx: Ctx, q: LabQuery): Promise<ExchangeResult> {
  const lab = ctx.session.lab;
  const m: DnsMessage = dnsMessage({
    id: lab.rng.int(0x10000), rd: q.rd, questions: [{ name: q.name, type: q.type, class: DnsClass.IN }],
    edns: q.edns ? { udpSize: 1232, version: 0, dnssecOk: false, options: [] } : null,
  });
  return (await labAwait<ExchangeResult>(lab, (done) =>
    exchange(labTransport(ctx.ns), labClock(lab), m, { servers: q.servers, port: q.port, timeout: q.timeout, attempts: q.tries }, done),
  ))!;
}

async function run(ctx: Ctx, argv: string[]): Promise<number> {
  let server: string | null = null;
  let port = 53;
  let name: string | null = null;
  let type: number | null = null;
  let short = false, search = false, rd = true, edns = true;
  let timeout = 5, tries = 3;
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('@')) server = a.slice(1);
    else if (a === '-p' || a === '-t') {
      const v = args[++i];
      if (v === undefined) { ctx.err(`dig: option requires an argument -- '${a[1]}'\n`); return 1; }
      if (a === '-p') port = Number(v);
      else {
        const t = parseDnsType(v);
        if (t === undefined) { ctx.err(`dig: invalid type: ${v}\n`); return 1; }
        type = t;
      }
    } else if (a.startsWith('+')) {
      const [k, v] = a.slice(1).split('=') as [string, string | undefined];
      if (k === 'tcp' || k === 'vc') {
        ctx.err(`dig: +${k} is not supported in the wirestack lab yet (no TCP stack); queries use UDP only\n`);
        return 1;
      }
      if (k === 'short') short = true;
      else if (k === 'search') search = true;
      else if (k === 'nosearch') search = false;
      else if (k === 'norecurse' || k === 'norec') rd = false;
      else if (k === 'recurse' || k === 'rec') rd = true;
      else if (k === 'noedns') edns = false;
      else if (k === 'edns') edns = true;
      else if ((k === 'time' || k === 'timeout') && v) timeout = Math.max(1, Number(v));
      else if (k === 'tries' && v) tries = Math.max(1, Number(v));
      else if (k === 'retry' && v) tries = Math.max(1, Number(v) + 1);
      // other +options (+nocmd, +nocookie, +noall…) are accepted and ignored
    } else if (name !== null && type === null && parseDnsType(a) !== undefined) type = parseDnsType(a)!;
    else if (name === null) name = a;
    else if (type === null && parseDnsType(a) !== undefined) type = parseDnsType(a)!;
  }
  const rc = parseResolvConf(ctx.session.readFile(ctx.ns, '/etc/resolv.conf') ?? '', { hostname: ctx.session.hostname(ctx.ns) });
  if (server !== null && tryParseIpv4(server) < 0) {
    ctx.err(`dig: couldn't get address for '${server}': not found\n`);
    return 10;
  }
  const servers = server !== null ? [server] : rc.nameservers;
  // without a name dig asks for the root NS records
  const qname = name ?? '.';
  const qtype = type ?? (name === null ? DnsType.NS : DnsType.A);
  const names = search && name !== null ? searchCandidates(qname, rc).map((c) => c.name) : [qname.endsWith('.') ? qname : `${qname}.`];
  let res: ExchangeResult | null = null;
  let timeouts = 0;
  for (const n of names) {
    res = await labDnsQuery(ctx, { servers, port, name: n, type: qtype, rd, edns, timeout, tries });
    timeouts += res.status === 'answer' ? res.sent - 1 : res.sent;
    // +search moves on while the name does not exist
    if (res.status !== 'answer' || res.message!.rcode !== DnsRcode.NXDOMAIN) break;
  }
  const r = res!;
  const lines = formatDig({
    args, serverGiven: server !== null, server: r.server ?? servers[0]!, port, queryRd: rd, message: r.message,
    queryTimeMs: r.rttNs / 1e6, whenMs: Math.floor(ctx.session.lab.now / 1e6), bytes: r.bytes, timeouts,
  }, short);
  outLines(ctx, lines);
  return r.status === 'answer' ? 0 : 9;
}

export const digCommand: ShellCommand = { name: 'dig', summary: 'DNS lookup utility (BIND 9.18 layout)', run };
