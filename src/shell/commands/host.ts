// `host [-t TYPE] [-p PORT] NAME [SERVER]`: A, AAAA and MX by default (as BIND's host), search
// list applied, /etc/hosts not read.
import type { Ctx, ShellCommand } from '../command.ts';
import { outLines } from '../command.ts';
import { parseResolvConf } from '../../dns/resolv-conf.ts';
import { searchCandidates } from '../../dns/search-list.ts';
import { DnsRcode, DnsType, parseDnsType } from '../../dns/types.ts';
import { hostAnswer, hostNotFound, hostServerHeader } from '../../dns/dig-format.ts';
import { labDnsQuery } from './dig.ts';

async function run(ctx: Ctx, argv: string[]): Promise<number> {
  let types: number[] = [DnsType.A, DnsType.AAAA, DnsType.MX];
  let port = 53;
  const pos: string[] = [];
  const a = argv.slice(1);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '-t') {
      const t = parseDnsType(a[++i] ?? '');
      if (t === undefined) { ctx.err(`host: invalid type: ${a[i]}\n`); return 1; }
      types = [t];
    } else if (a[i] === '-p') port = Number(a[++i]);
    else if (!a[i]!.startsWith('-')) pos.push(a[i]!);
  }
  if (!pos.length) {
    ctx.err('Usage: host [-t type] [-p port] hostname [server]\n');
    return 1;
  }
  const rc = parseResolvConf(ctx.session.readFile(ctx.ns, '/etc/resolv.conf') ?? '', { hostname: ctx.session.hostname(ctx.ns) });
  const servers = pos[1] ? [pos[1]] : rc.nameservers;
  const lines: string[] = pos[1] ? hostServerHeader(pos[1], port) : [];
  // find the name that exists (first type decides, as host does), then ask the other types
  let qname: string | null = null;
  let status = 0;
  const aliases = new Set<string>();
  for (const c of searchCandidates(pos[0]!, rc)) {
    const r = await labDnsQuery(ctx, { servers, port, name: c.name, type: types[0]!, rd: true, edns: false, timeout: 2, tries: 2 });
    if (r.status !== 'answer') {
      outLines(ctx, [...lines, ';; connection timed out; no servers could be reached']);
      return 1;
    }
    const m = r.message!;
    if (m.rcode === DnsRcode.NXDOMAIN) { status = m.rcode; continue; }
    if (m.rcode !== DnsRcode.NOERROR) { status = m.rcode; break; }
    qname = c.name;
    lines.push(...hostAnswer(m, aliases));
    break;
  }
  if (qname === null) {
    outLines(ctx, [...lines, hostNotFound(pos[0]!, status || DnsRcode.NXDOMAIN)]);
    return 1;
  }
  for (const t of types.slice(1)) {
    const r = await labDnsQuery(ctx, { servers, port, name: qname, type: t, rd: true, edns: false, timeout: 2, tries: 2 });
    if (r.status === 'answer' && r.message!.rcode === DnsRcode.NOERROR) lines.push(...hostAnswer(r.message!, aliases));
  }
  outLines(ctx, lines);
  return 0;
}

export const hostCommand: ShellCommand = { name: 'host', summary: 'DNS lookup utility', run };
