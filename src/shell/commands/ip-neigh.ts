// `ip neigh show|add|replace|change|del|flush`, parsed as iproute2's ipneigh_modify(): `lladdr`,
// `nud STATE`, `dev`, one address (`to` optional). show/flush filter by `dev`, `nud`, address.
import { tryParseIpv4, ipv4ToString } from '../../ip/address.ts';
import { matches, outLines } from '../command.ts';
import { Args, IpExit, duparg2, nl, unknownCmd, type IpCtx } from './ip-common.ts';
import { noDevice } from './ip-link.ts';

function modify(ctx: IpCtx, args: string[], op: 'add' | 'replace' | 'del'): number {
  const a = new Args(args);
  let dst: string | undefined;
  let dev: string | undefined;
  let lladdr: string | undefined;
  while (a.more) {
    const w = a.peek()!;
    if (w === 'lladdr') lladdr = a.next();
    else if (w === 'nud') {
      const v = a.next();
      if (!['permanent', 'reachable', 'stale', 'noarp', 'delay', 'probe', 'failed', 'incomplete', 'none'].includes(v)) throw new IpExit(`Error: argument "${v}" is wrong: nud state is bad\n\n`, 255);
    } else if (w === 'dev') dev = a.next();
    else if (w === 'proxy' || w === 'router' || w === 'extern_learn' || w === 'protocol') throw new IpExit(`wirestack: "${w}" is not modelled`, 1);
    else {
      if (w === 'to') a.take();
      const v = a.more ? a.take() : undefined;
      if (v === undefined) throw new IpExit('Command line is not complete. Try option "help"', 255);
      if (dst !== undefined) throw duparg2('to', v);
      if (tryParseIpv4(v) < 0) throw new IpExit(`Error: inet address is expected rather than "${v}".`, 1);
      dst = v;
    }
  }
  if (dev === undefined || dst === undefined) throw new IpExit('Device and destination are required arguments.', 255);
  if (!ctx.ns.dev(dev)) {
    ctx.err(`Cannot find device "${dev}"\n`);
    ctx.explain(noDevice(ctx, dev));
    return 1;
  }
  // without lladdr a permanent entry takes the device's broadcast address (as the kernel does on Ethernet)
  if (op !== 'del' && lladdr === undefined) lladdr = 'ff:ff:ff:ff:ff:ff';
  return nl(ctx, () => {
    if (op === 'del') ctx.ns.neighDel(dst!, dev!);
    else ctx.ns.neighAdd(dst!, lladdr!, dev!, op === 'replace');
  });
}

function filterArgs(ctx: IpCtx, args: string[]): { dev?: string; to?: number; nud?: string } | number {
  const a = new Args(args);
  const f: { dev?: string; to?: number; nud?: string } = {};
  while (a.more) {
    const w = a.take();
    if (w === 'dev') f.dev = a.a[a.i++];
    else if (w === 'nud') f.nud = (a.a[a.i++] ?? '').toUpperCase();
    else if (w === 'all') continue;
    else {
      const v = w === 'to' ? a.a[a.i++] ?? '' : w;
      const ip = tryParseIpv4(v.replace(/\/32$/, ''));
      if (ip < 0) throw new IpExit(`Error: any valid prefix is expected rather than "${v}".`, 1);
      f.to = ip;
    }
  }
  if (f.dev !== undefined && !ctx.ns.dev(f.dev)) {
    ctx.err(`Cannot find device "${f.dev}"\n`);
    return 1;
  }
  return f;
}

function rows(ctx: IpCtx, f: { dev?: string; to?: number; nud?: string }): string[] {
  return ctx.ns.ipNeigh().filter((l) => {
    const [ip, , dev] = l.split(' ');
    const state = l.trim().split(' ').pop();
    return (f.dev === undefined || dev === f.dev) && (f.to === undefined || ip === ipv4ToString(f.to)) && (f.nud === undefined || f.nud === 'ALL' || state === f.nud);
  });
}

function show(ctx: IpCtx, args: string[]): number {
  const f = filterArgs(ctx, args);
  if (typeof f === 'number') return f;
  const lines = rows(ctx, f);
  outLines(ctx, f.dev === undefined ? lines : lines.map((l) => l.replace(` dev ${f.dev}`, '')));
  return 0;
}

function flush(ctx: IpCtx, args: string[]): number {
  if (args.length === 0) throw new IpExit('Flush requires arguments.', 1);
  const f = filterArgs(ctx, args);
  if (typeof f === 'number') return f;
  if (f.to === undefined && f.nud === undefined) return nl(ctx, () => ctx.ns.neighFlush(f.dev));
  for (const l of rows(ctx, f)) {
    const [ip, , dev] = l.split(' ');
    if (!l.includes('PERMANENT')) ctx.ns.neighDel(ip!, dev!);
  }
  return 0;
}

export function ipNeigh(ctx: IpCtx, args: string[]): number {
  const cmd = args[0];
  const rest = args.slice(1);
  if (cmd === undefined) return show(ctx, []);
  if (matches(cmd, 'add')) return modify(ctx, rest, 'add');
  if (matches(cmd, 'change') || cmd === 'chg' || matches(cmd, 'replace')) return modify(ctx, rest, 'replace');
  if (matches(cmd, 'delete')) return modify(ctx, rest, 'del');
  if (matches(cmd, 'show') || matches(cmd, 'list') || matches(cmd, 'lst')) return show(ctx, rest);
  if (matches(cmd, 'flush')) return flush(ctx, rest);
  if (matches(cmd, 'help')) throw new IpExit('Usage: ip neigh { add | del | change | replace }\n                { ADDR [ lladdr LLADDR ] [ nud STATE ] dev DEV }\n       ip neigh { show | flush } [ to PREFIX ] [ dev DEV ] [ nud STATE ]\n', 255);
  throw unknownCmd(cmd, 'neigh');
}
