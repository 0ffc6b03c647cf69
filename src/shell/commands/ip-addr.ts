// `ip addr add|del|show|flush`, parsed as iproute2's ipaddr_modify(): the first bare word is the
// local address (`local` optional), a second one is `either "local" is duplicate, or "x" is a
// garbage`; `dev` is required; an address without /N is a /32 (no connected route).
import { parseCidr } from '../../ip/address.ts';
import { matches } from '../command.ts';
import { Args, IpExit, duparg2, nl, unknownCmd, type IpCtx } from './ip-common.ts';
import { noDevice, showLinks } from './ip-link.ts';

const USAGE = `Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]
                                                      [ CONFFLAG-LIST ]
       ip address del IFADDR dev IFNAME [mngtmpaddr]
       ip address {save|flush} [ dev IFNAME ] [ scope SCOPE-ID ]
                            [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]
       ip address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]
                         [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]
                         [ label LABEL ] [up] [ vrf NAME ] ]
`;

function modify(ctx: IpCtx, args: string[], op: 'add' | 'del' | 'replace'): number {
  const a = new Args(args);
  let local: string | undefined;
  let dev: string | undefined;
  let brd: string | undefined;
  while (a.more) {
    const w = a.peek()!;
    if (w === 'dev') dev = a.next();
    else if (matches(w, 'broadcast') || w === 'brd') brd = a.next();
    else if (w === 'peer' || w === 'remote' || matches(w, 'anycast')) throw new IpExit(`wirestack: "${w}" addresses are not modelled`, 1);
    else if (w === 'label' || w === 'scope' || w === 'metric' || w === 'valid_lft' || w === 'preferred_lft' || w === 'proto') a.next();
    else if (w === 'noprefixroute' || w === 'home' || w === 'nodad' || w === 'mngtmpaddr') a.take();
    else {
      if (w === 'local') a.take();
      if (matches(a.peek(), 'help')) throw new IpExit(USAGE, 255);
      const v = a.more ? a.take() : undefined;
      if (v === undefined) throw new IpExit('Command line is not complete. Try option "help"', 255);
      if (local !== undefined) throw duparg2('local', v);
      try {
        parseCidr(v, 32);
      } catch {
        throw new IpExit(`Error: any valid prefix is expected rather than "${v}".`, 1);
      }
      local = v;
    }
  }
  if (dev === undefined) throw new IpExit('Not enough information: "dev" argument is required.', 1);
  if (local === undefined) {
    if (op === 'del') {
      // `ip addr del dev X` without an address deletes the first one (iproute2 sends no IFA_LOCAL)
      const d = ctx.ns.dev(dev);
      if (d && d.addrs.length) local = `${d.addrs[0]!.addr >>> 24}.${(d.addrs[0]!.addr >>> 16) & 255}.${(d.addrs[0]!.addr >>> 8) & 255}.${d.addrs[0]!.addr & 255}/${d.addrs[0]!.len}`;
    }
    if (local === undefined) throw new IpExit('Not enough information: "local" argument is required.', 1);
  }
  if (!ctx.ns.dev(dev)) {
    ctx.err(`Cannot find device "${dev}"\n`);
    ctx.explain(noDevice(ctx, dev));
    return 1;
  }
  const d = dev;
  const l = local;
  return nl(ctx, () => {
    if (op === 'del') ctx.ns.addrDel(d, l);
    else if (op === 'replace') {
      try {
        ctx.ns.addrDel(d, l.includes('/') ? l : l + '/32');
      } catch {
        /* replace adds when absent */
      }
      ctx.ns.addrAdd(d, l, brd !== undefined ? { broadcast: brd } : {});
    } else ctx.ns.addrAdd(d, l, brd !== undefined ? { broadcast: brd } : {});
  });
}

function flush(ctx: IpCtx, args: string[]): number {
  if (args.length === 0) throw new IpExit('Flush requires arguments.', 1);
  const a = new Args(args);
  let dev: string | undefined;
  while (a.more) {
    const w = a.take();
    dev = w === 'dev' ? a.a[a.i++] : w;
  }
  if (dev === undefined || !ctx.ns.dev(dev)) {
    ctx.err(`Device "${dev}" does not exist.\n`);
    return 1;
  }
  const d = ctx.ns.dev(dev)!;
  return nl(ctx, () => {
    for (const x of [...d.addrs]) ctx.ns.addrDel(dev!, `${x.addr >>> 24}.${(x.addr >>> 16) & 255}.${(x.addr >>> 8) & 255}.${x.addr & 255}/${x.len}`);
  });
}

export function ipAddr(ctx: IpCtx, args: string[]): number {
  const cmd = args[0];
  const rest = args.slice(1);
  if (cmd === undefined) return showLinks(ctx, [], 'addr');
  if (matches(cmd, 'add')) return modify(ctx, rest, 'add');
  if (matches(cmd, 'change') || matches(cmd, 'chg') || matches(cmd, 'replace')) return modify(ctx, rest, 'replace');
  if (matches(cmd, 'delete')) return modify(ctx, rest, 'del');
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return showLinks(ctx, rest, 'addr');
  if (matches(cmd, 'flush')) return flush(ctx, rest);
  if (matches(cmd, 'help')) throw new IpExit(USAGE, 255);
  throw unknownCmd(cmd, 'address');
}
