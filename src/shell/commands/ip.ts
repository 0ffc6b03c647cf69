// `ip [OPTIONS] OBJECT [COMMAND …]`: options and object abbreviations resolved as iproute2's
// ip.c does (the first object in its table that the word is a prefix of: `ip a`, `ip r`, `ip l`,
// `ip n`), then the object's own file.
import type { ShellCommand, Ctx } from '../command.ts';
import { matches } from '../command.ts';
import { IpExit, type IpCtx } from './ip-common.ts';
import { ipLink } from './ip-link.ts';
import { ipAddr } from './ip-addr.ts';
import { ipRoute } from './ip-route.ts';
import { ipNeigh } from './ip-neigh.ts';
import { ipNetns } from './ip-netns.ts';

type Handler = (ctx: IpCtx, args: string[]) => number | Promise<number>;

// ip.c's table order decides abbreviations; objects wirestack does not model are listed so that
// their abbreviations resolve as they do on Linux (and then say they are not modelled).
const OBJECTS: [string, Handler | null][] = [
  ['address', ipAddr], ['addrlabel', null], ['maddress', null], ['route', ipRoute], ['rule', null], ['neighbor', ipNeigh],
  ['neighbour', ipNeigh], ['ntable', null], ['ntbl', null], ['link', ipLink], ['l2tp', null], ['fou', null], ['ila', null],
  ['macsec', null], ['tunnel', null], ['tuntap', null], ['tap', null], ['token', null], ['tcpmetrics', null], ['tcp_metrics', null],
  ['monitor', null], ['xfrm', null], ['mroute', null], ['mrule', null], ['netns', ipNetns], ['netconf', null], ['vrf', null],
  ['sr', null], ['nexthop', null], ['mptcp', null], ['ioam', null], ['stats', null], ['help', null],
];

export const IP_USAGE = `Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
`;

/** Object names (for completion). */
export const IP_OBJECTS = ['address', 'link', 'neighbour', 'netns', 'route'];

export function resolveObject(word: string): [string, Handler | null] | undefined {
  return OBJECTS.find(([name]) => matches(word, name));
}

async function run(ctx: Ctx, argv: string[]): Promise<number> {
  const a = argv.slice(1);
  let stats = 0;
  let details = 0;
  let ns = ctx.ns;
  try {
    while (a.length && a[0]!.startsWith('-') && a[0]!.length > 1) {
      let opt = a.shift()!;
      if (opt.startsWith('--')) opt = opt.slice(1);
      if (opt === '-') break;
      if (matches(opt, '-stats') || matches(opt, '-statistics')) stats++;
      else if (matches(opt, '-netns')) {
        const name = a.shift();
        if (name === undefined) throw new IpExit(IP_USAGE, 255);
        const target = ctx.session.lab.netnsOrNull(name);
        if (!target || (target === ctx.session.lab.root && name !== '1')) throw new IpExit(`Cannot open network namespace "${name}": No such file or directory`, 255);
        ns = target;
      } else if (matches(opt, '-details')) details++;
      else if (opt === '-4' || matches(opt, '-color') || matches(opt, '-Numeric') || matches(opt, '-resolve')) {
        // accepted and without effect here: IPv4 is the only family, no colours, no resolver
      } else if (opt === '-6') throw new IpExit('wirestack: IPv6 is not modelled', 1);
      else if (matches(opt, '-Version')) {
        ctx.out('ip utility, iproute2-6.1.0 (wirestack)\n');
        return 0;
      } else if (matches(opt, '-help')) throw new IpExit(IP_USAGE, 255);
      else throw new IpExit(`Option "${opt}" is unknown, try "ip -help".`, 255);
    }
    const word = a.shift();
    if (word === undefined) throw new IpExit(IP_USAGE, 255);
    const obj = resolveObject(word);
    if (!obj) throw new IpExit(`Object "${word}" is unknown, try "ip help".`, 1);
    if (obj[0] === 'help') throw new IpExit(IP_USAGE, 255);
    if (!obj[1]) throw new IpExit(`wirestack: "ip ${obj[0]}" is not modelled by the lab`, 1);
    const ictx: IpCtx = { ...ctx, ns, stats, details };
    return await obj[1](ictx, a);
  } catch (e) {
    if (e instanceof IpExit) {
      ctx.err(e.message.endsWith('\n') ? e.message : e.message + '\n');
      return e.code;
    }
    throw e;
  }
}

export const ipCommand: ShellCommand = { name: 'ip', summary: 'show / manipulate routing, network devices, interfaces and namespaces', run };
