// `conntrack -L | -F | -D` (conntrack-tools 1.4.7) over a Conntrack table.
import { tryParseIpv4 } from '../ip/address.ts';
import type { Conntrack } from './conntrack.ts';
import type { CliResult } from './iptables-cli.ts';

export const CONNTRACK_VERSION = 'conntrack v1.4.7 (conntrack-tools)';
const PROTOS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

export function conntrack(ct: Conntrack, argv: string[], now: number): CliResult {
  let cmd = '';
  let proto = -1, src = -1, dst = -1, sport = -1, dport = -1;
  const bad = (m: string): CliResult => ({ status: 2, stdout: '', stderr: `${CONNTRACK_VERSION}: ${m}\nTry \`conntrack -h' or 'conntrack --help' for more information.\n` });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    switch (a) {
      case '-L': case '--dump': case '-F': case '--flush': case '-D': case '--delete':
        cmd = a.length === 2 ? a : a === '--dump' ? '-L' : a === '--flush' ? '-F' : '-D';
        if (v === 'conntrack') i++;
        break;
      case '-p': case '--proto':
        if (v === undefined || PROTOS[v] === undefined) return bad(`unknown protocol \`${v ?? ''}'`);
        proto = PROTOS[v]!; i++; break;
      case '-s': case '--src': case '--orig-src': src = tryParseIpv4(v ?? ''); i++; if (src < 0) return bad(`can't parse address \`${v}'`); break;
      case '-d': case '--dst': case '--orig-dst': dst = tryParseIpv4(v ?? ''); i++; if (dst < 0) return bad(`can't parse address \`${v}'`); break;
      case '--sport': case '--orig-port-src': sport = Number(v); i++; break;
      case '--dport': case '--orig-port-dst': dport = Number(v); i++; break;
      case '-n': case '-o': if (a === '-o') i++; break;
      default: return bad(`Bad parameter \`${a}'`);
    }
  }
  const match = (e: number): boolean => {
    const o = e * 2;
    return (proto < 0 || ct.proto[e] === proto) && (src < 0 || ct.tSrc[o] === src) && (dst < 0 || ct.tDst[o] === dst)
      && (sport < 0 || ct.tSport[o] === sport) && (dport < 0 || ct.tDport[o] === dport);
  };
  const list = ct.entries(now).filter(match);
  if (cmd === '-L' || cmd === '') {
    const lines = list.map((e) => ct.format(e, now) + '\n').join('');
    return { status: 0, stdout: lines, stderr: `${CONNTRACK_VERSION}: ${list.length} flow entries have been shown.\n` };
  }
  if (cmd === '-F') {
    ct.flush();
    return { status: 0, stdout: '', stderr: `${CONNTRACK_VERSION}: connection tracking table has been emptied.\n` };
  }
  for (const e of list) ct.delete(e);
  if (list.length === 0) return { status: 1, stdout: '', stderr: `${CONNTRACK_VERSION}: 0 flow entries have been deleted.\n` };
  return { status: 0, stdout: '', stderr: `${CONNTRACK_VERSION}: ${list.length} flow entries have been deleted.\n` };
}
