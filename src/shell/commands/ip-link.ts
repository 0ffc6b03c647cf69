// `ip link add|set|del|show`, parsed as iproute2's iplink_parse(): keywords are matched exactly
// or by prefix where iproute2 uses matches() (`address`, `broadcast`, `txqueuelen`), any other
// word is the device, and a second one is `either "dev" is duplicate, or "x" is a garbage`.
import type { LinkSetOptions } from '../../lab/netns.ts';
import { matches, outLines } from '../command.ts';
import { Args, IpExit, duparg2, invarg, nl, unknownCmd, type IpCtx } from './ip-common.ts';
import { parseVxlanArgs } from './ip-link-vxlan.ts';

interface Parsed {
  dev?: string;
  name?: string;
  type?: string;
  set: LinkSetOptions;
  /** Words after `type veth` (the peer's arguments). */
  typeArgs: string[];
}

const IFNAME = /^[^\s/:]{1,15}$/;

function parseLink(args: string[], creating: boolean): Parsed {
  const p: Parsed = { set: {}, typeArgs: [] };
  const a = new Args(args);
  while (a.more) {
    const w = a.peek()!;
    if (w === 'up') (a.take(), (p.set.up = true));
    else if (w === 'down') (a.take(), (p.set.up = false));
    else if (w === 'name') {
      const v = a.next();
      if (!IFNAME.test(v)) throw invarg('"name" not a valid ifname', v);
      if (creating) p.name = v;
      else p.set.name = v;
    } else if (matches(w, 'address')) p.set.address = a.next();
    else if (matches(w, 'broadcast') || w === 'brd') a.next();
    else if (matches(w, 'txqueuelen') || w === 'qlen' || matches(w, 'txqlen')) a.next();
    else if (w === 'mtu') {
      const v = a.next();
      if (!/^\d+$/.test(v)) throw invarg('Invalid "mtu" value', v);
      p.set.mtu = Number(v);
    } else if (w === 'netns') p.set.netns = a.next();
    else if (w === 'master') p.set.master = a.next();
    else if (w === 'nomaster') (a.take(), (p.set.master = null));
    else if (w === 'type') {
      p.type = a.next();
      p.typeArgs = args.slice(a.i);
      break;
    } else {
      if (matches(w, 'help')) throw new IpExit(LINK_USAGE, 255);
      if (w === 'dev') a.take();
      const d = a.more ? a.take() : undefined;
      if (d === undefined) throw new IpExit('Command line is not complete. Try option "help"', 255);
      if (p.dev !== undefined) throw duparg2('dev', d);
      if (!IFNAME.test(d)) throw invarg('"dev" not a valid ifname', d);
      p.dev = d;
    }
  }
  return p;
}

export const LINK_USAGE = `Usage: ip link add [link DEV | parentdev NAME] [ name ] NAME
                    [ address LLADDR ] [ mtu MTU ]
                    type TYPE [ ARGS ]

       ip link delete { DEVICE | dev DEVICE | group DEVGROUP } type TYPE [ ARGS ]

       ip link set { DEVICE | dev DEVICE | group DEVGROUP }
                      [ { up | down } ]
                      [ address LLADDR ] [ mtu MTU ] [ name NEWNAME ]
                      [ netns { PID | NETNSNAME } ]
                      [ master DEVICE ] [ nomaster ]

       ip link show [ DEVICE ]

TYPE := { bridge | veth | vxlan }   (the types wirestack models)
`;

function add(ctx: IpCtx, args: string[]): number {
  const p = parseLink(args, true);
  if (p.name && p.dev) throw new IpExit('both "name" and "dev" cannot be used when creating devices.', 255);
  let name = p.name ?? p.dev;
  if (!p.type) throw new IpExit('Not enough information: "type" argument is required', 1);
  if (name === undefined) {
    // no name: the kernel picks the first free TYPE%d
    const base = p.type === 'veth' ? 'veth' : p.type;
    let n = 0;
    while (ctx.ns.dev(`${base}${n}`)) n++;
    name = `${base}${n}`;
  }
  let devName = name;
  if (p.type === 'veth') {
    let peer: string | undefined;
    let peerSet: LinkSetOptions = {};
    const rest = p.typeArgs;
    if (rest.length) {
      if (rest[0] !== 'peer') throw new IpExit(`veth: unknown option "${rest[0]}"`, 255);
      const q = parseLink(rest.slice(1), true);
      if (q.name && q.dev) throw new IpExit('both "name" and "dev" cannot be used when creating devices.', 255);
      if (q.type) throw new IpExit('veth: "type" is not allowed for the peer', 255);
      peer = q.name ?? q.dev;
      peerSet = q.set;
    }
    if (peer === undefined) {
      // the kernel registers the peer first, so an unnamed peer takes the first free vethN (and an
      // unnamed device the next one)
      let n = 0;
      while (ctx.ns.dev(`veth${n}`)) n++;
      peer = `veth${n}`;
      if (p.name === undefined && p.dev === undefined) {
        let m = n + 1;
        while (ctx.ns.dev(`veth${m}`)) m++;
        devName = `veth${m}`;
      }
    }
    return nl(ctx, () => {
      ctx.ns.linkAddVeth(devName, peer!);
      if (Object.keys(p.set).length) ctx.ns.linkSet(devName, p.set);
      if (Object.keys(peerSet).length) ctx.ns.linkSet(peer!, peerSet);
    });
  }
  if (p.type === 'bridge') {
    if (p.typeArgs.length) throw new IpExit(`wirestack: bridge options (${p.typeArgs.join(' ')}) are not modelled`, 1);
    return nl(ctx, () => {
      ctx.ns.linkAddBridge(devName);
      if (Object.keys(p.set).length) ctx.ns.linkSet(devName, p.set);
    });
  }
  if (p.type === 'vxlan') {
    const o = parseVxlanArgs(ctx, p.typeArgs);
    return nl(ctx, () => {
      ctx.ns.linkAddVxlan(devName, o);
      if (Object.keys(p.set).length) ctx.ns.linkSet(devName, p.set);
    });
  }
  // iproute2 finds no plugin for the type and the kernel has no such rtnl_link_ops
  if (ctx.ns.dev(devName)) {
    ctx.err('RTNETLINK answers: File exists\n');
    return 2;
  }
  ctx.err('Error: Unknown device type.\n');
  return 2;
}

function set(ctx: IpCtx, args: string[]): number {
  const p = parseLink(args, false);
  if (p.type) throw new IpExit('wirestack: "type" with "ip link set" is not modelled', 1);
  if (p.dev === undefined) throw new IpExit('Not enough information: "dev" argument is required.', 255);
  if (!ctx.ns.dev(p.dev)) {
    ctx.err(`Cannot find device "${p.dev}"\n`);
    ctx.explain(noDevice(ctx, p.dev));
    return 1;
  }
  return nl(ctx, () => ctx.ns.linkSet(p.dev!, p.set));
}

function del(ctx: IpCtx, args: string[]): number {
  const p = parseLink(args, false);
  if (p.dev === undefined) throw new IpExit('Not enough information: "dev" argument is required.', 255);
  if (!ctx.ns.dev(p.dev)) {
    ctx.err(`Cannot find device "${p.dev}"\n`);
    ctx.explain(noDevice(ctx, p.dev));
    return 1;
  }
  return nl(ctx, () => ctx.ns.linkDel(p.dev!));
}

/** `ip link show [dev] DEV [up] [type T] [master BR]`. */
export function showLinks(ctx: IpCtx, args: string[], kind: 'link' | 'addr'): number {
  const a = new Args(args);
  let dev: string | undefined;
  let upOnly = false;
  let master: string | undefined;
  let type: string | undefined;
  while (a.more) {
    const w = a.take();
    if (w === 'up') upOnly = true;
    else if (w === 'master') master = a.a[a.i++];
    else if (w === 'type') type = a.a[a.i++];
    else if (w === 'scope' || w === 'label' || w === 'to') a.i++;
    else {
      const d = w === 'dev' ? a.a[a.i++] : w;
      if (d === undefined) throw new IpExit('Command line is not complete. Try option "help"', 255);
      if (dev !== undefined) throw duparg2('dev', d);
      dev = d;
    }
  }
  if (dev !== undefined && !ctx.ns.dev(dev)) {
    ctx.err(`Device "${dev}" does not exist.\n`);
    ctx.explain(noDevice(ctx, dev));
    return 1;
  }
  const ns = ctx.ns;
  const names = ns.devices
    .filter((d) => (dev === undefined || d.name === dev) && (!upOnly || d.adminUp) && (master === undefined || d.master?.name === master) && (type === undefined || d.kind === type))
    .map((d) => d.name);
  const lines: string[] = [];
  for (const n of names) lines.push(...(kind === 'addr' ? ns.ipAddr(n) : ctx.stats ? ns.ipSLink(n) : ns.ipLink(n, (ctx.details ?? 0) > 0)));
  outLines(ctx, lines);
  return 0;
}

/** For --explain: where a device of that name (or a similar one) is. */
export function noDevice(ctx: IpCtx, name: string): string {
  const here = ctx.ns.devices.map((d) => d.name);
  const elsewhere = ctx.session.lab.allNamespaces().filter((n) => n !== ctx.ns && n.dev(name));
  const label = ctx.ns === ctx.session.lab.root ? 'the host namespace' : `namespace ${ctx.ns.name}`;
  if (elsewhere.length) return `there is no device "${name}" in ${label}: it is in ${elsewhere.map((n) => (n === ctx.session.lab.root ? 'the host namespace' : `namespace ${n.name}`)).join(', ')} (devices move with "ip link set DEV netns NS"; use "ip -n NS …" there)`;
  const near = closest(name, ctx.session.lab.allNamespaces().flatMap((n) => n.devices.map((d) => d.name)));
  return `there is no device "${name}" in ${label} (it has ${here.join(', ')})${near ? `; did you mean "${near}"?` : ''}`;
}

/** The name within edit distance 2, if any. */
export function closest(word: string, names: string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const n of new Set(names)) {
    const d = editDistance(word, n);
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length]![b.length]!;
}

export function ipLink(ctx: IpCtx, args: string[]): number {
  const cmd = args[0];
  const rest = args.slice(1);
  if (cmd === undefined) return showLinks(ctx, [], 'link');
  if (matches(cmd, 'add')) return add(ctx, rest);
  // iplink.c tests "set" by prefix before "show": `ip l s lo` is `ip link set lo`
  if (matches(cmd, 'set') || matches(cmd, 'change')) return set(ctx, rest);
  if (matches(cmd, 'delete')) return del(ctx, rest);
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return showLinks(ctx, rest, 'link');
  if (matches(cmd, 'help')) throw new IpExit(LINK_USAGE, 255);
  throw unknownCmd(cmd, 'link');
}
