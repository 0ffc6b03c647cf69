// `nslookup [-type=T] [-port=N] NAME [SERVER]`: asks the DNS server directly — it never reads
// /etc/hosts (the primer's point) — applying the resolv.conf search list as BIND's nslookup does.
import type { Ctx, ShellCommand } from '../command.ts';
import { outLines } from '../command.ts';
import { parseResolvConf } from '../../dns/resolv-conf.ts';
import { searchCandidates } from '../../dns/search-list.ts';
import { DnsRcode, DnsType, parseDnsType } from '../../dns/types.ts';
import { nslookupAnswer, nslookupHeader } from '../../dns/dig-format.ts';
import { labDnsQuery } from './dig.ts';

async function run(ctx: Ctx, argv: string[]): Promise<number> {
  let type: number = DnsType.A;
  let port = 53;
  const pos: string[] = [];
  for (const a of argv.slice(1)) {
    const m = /^-(type|querytype|q|port)=(.*)$/.exec(a);
    if (m) {
      if (m[1] === 'port') port = Number(m[2]);
      else type = parseDnsType(m[2]!) ?? type;
    } else if (!a.startsWith('-')) pos.push(a);
  }
  if (pos.length === 0) {
    ctx.err('nslookup: interactive mode is not supported in the lab; give a name\n');
    return 1;
  }
  const rc = parseResolvConf(ctx.session.readFile(ctx.ns, '/etc/resolv.conf') ?? '', { hostname: ctx.session.hostname(ctx.ns) });
  const servers = pos[1] ? [pos[1]] : rc.nameservers;
  const name = pos[0]!;
  let last = null;
  for (const c of searchCandidates(name, rc)) {
    const r = await labDnsQuery(ctx, { servers, port, name: c.name, type, rd: true, edns: false, timeout: 2, tries: 2 });
    if (r.status !== 'answer') {
      outLines(ctx, [`;; connection timed out; no servers could be reached`, '']);
      return 1;
    }
    last = { r, name: c.name };
    const rcode = r.message!.rcode;
    if (rcode !== DnsRcode.NXDOMAIN && !(rcode === DnsRcode.NOERROR && r.message!.answers.length === 0)) break;
  }
  const { r } = last!;
  const a = nslookupAnswer(r.message!, name, true);
  outLines(ctx, [...nslookupHeader(r.server!, port), ...a.lines]);
  return a.failed ? 1 : 0;
}

export const nslookupCommand: ShellCommand = { name: 'nslookup', summary: 'query DNS servers (skips /etc/hosts)', run };
