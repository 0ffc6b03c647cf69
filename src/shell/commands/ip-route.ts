// `ip route add|del|replace|change|append|show|get|flush`, parsed as iproute2's iproute_modify():
// keywords (`via`, `dev`/`oif`, `metric`/`priority`/`preference`, `src`, `proto`, `scope`,
// `table`, `onlink`) and one destination (`to` optional, `default` allowed); a second destination
// is `either "to" is duplicate, or "x" is a garbage`.
import { parseCidr, tryParseIpv4 } from '../../ip/address.ts';
import type { RouteSpec } from '../../lab/netns.ts';
import { NetlinkError } from '../../lab/errors.ts';
import { matches, outLines } from '../command.ts';
import { Args, IpExit, duparg2, exitFor, invarg, nl, unknownCmd, type IpCtx } from './ip-common.ts';
import { noDevice } from './ip-link.ts';
import { explainRouteError, explainUnreachable } from '../explain.ts';

export const ROUTE_USAGE = `Usage: ip route { list | flush } SELECTOR
       ip route get [ ROUTE_GET_FLAGS ] ADDRESS
       ip route { add | del | change | append | replace } ROUTE
ROUTE := NODE_SPEC [ INFO_SPEC ]
NODE_SPEC := [ TYPE ] PREFIX [ tos TOS ]
             [ table TABLE_ID ] [ proto RTPROTO ]
             [ scope SCOPE ] [ metric METRIC ]
INFO_SPEC := { NH | nhid ID } OPTIONS FLAGS [ nexthop NH ]...
NH := [ via [ FAMILY ] ADDRESS ] [ dev STRING ] [ weight NUMBER ] NHFLAGS
`;

const TYPES = ['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat'];

function parseSpec(args: string[]): RouteSpec {
  const a = new Args(args);
  let dst: string | undefined;
  const spec: Partial<RouteSpec> = {};
  while (a.more) {
    const w = a.peek()!;
    if (w === 'via') {
      let v = a.next();
      if (v === 'inet') v = a.a[a.i++] ?? '';
      if (tryParseIpv4(v) < 0) throw new IpExit(`Error: inet address is expected rather than "${v}".`, 1);
      spec.via = v;
    } else if (w === 'src') {
      const v = a.next();
      if (tryParseIpv4(v) < 0) throw new IpExit(`Error: inet address is expected rather than "${v}".`, 1);
      spec.src = v;
    } else if (w === 'dev' || w === 'oif') spec.dev = a.next();
    else if (w === 'metric' || w === 'priority' || matches(w, 'preference')) {
      const v = a.next();
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw invarg('"metric" value is invalid', v);
      spec.metric = Number(v);
    } else if (w === 'table') {
      const v = a.next();
      if (v !== 'main' && v !== '254') throw new IpExit(`wirestack: only the main table is modelled (not "${v}")`, 1);
    } else if (w === 'proto' || w === 'scope') a.next();
    else if (w === 'onlink') throw new IpExit('wirestack: "onlink" is not modelled', 1);
    else {
      if (w === 'to') a.take();
      let v = a.more ? a.take() : undefined;
      if (v === undefined) throw new IpExit('Command line is not complete. Try option "help"', 255);
      if (!/^[0-9]/.test(v) && TYPES.includes(v)) {
        if (v !== 'unicast') throw new IpExit(`wirestack: "${v}" routes are not modelled`, 1);
        v = a.more ? a.take() : undefined;
        if (v === undefined) throw new IpExit('Command line is not complete. Try option "help"', 255);
      }
      if (dst !== undefined) throw duparg2('to', v);
      if (v !== 'default' && v !== 'all' && v !== 'any') {
        try {
          parseCidr(v, 32);
        } catch {
          throw new IpExit(`Error: any valid prefix is expected rather than "${v}".`, 1);
        }
      }
      dst = v === 'all' || v === 'any' ? 'default' : v;
    }
  }
  if (dst === undefined) throw new IpExit(ROUTE_USAGE, 255);
  return { dst, ...spec };
}

function modify(ctx: IpCtx, args: string[], op: 'add' | 'del' | 'replace'): number {
  const spec = parseSpec(args);
  if (spec.dev !== undefined && !ctx.ns.dev(spec.dev)) {
    ctx.err(`Cannot find device "${spec.dev}"\n`);
    ctx.explain(noDevice(ctx, spec.dev));
    return 1;
  }
  if (op !== 'del' && spec.via === undefined && spec.dev === undefined) {
    // no nexthop at all: the kernel has no device to attach the route to
    ctx.err('RTNETLINK answers: No such device\n');
    ctx.explain(`a route needs "via GATEWAY" or "dev DEVICE": ${spec.dst} was given neither`);
    return 2;
  }
  try {
    if (op === 'del') ctx.ns.routeDel(spec);
    else if (op === 'replace') ctx.ns.routeReplace(spec);
    else ctx.ns.routeAdd(spec);
    return 0;
  } catch (e) {
    if (!(e instanceof NetlinkError)) throw e;
    ctx.err(e.message + (/^Error: argument/.test(e.message) ? '\n\n' : '\n'));
    const why = explainRouteError(ctx.ns, spec, e);
    if (why) ctx.explain(why);
    return exitFor(e);
  }
}

function show(ctx: IpCtx, args: string[]): number {
  const a = new Args(args);
  let dev: string | undefined;
  let exact: string | undefined;
  while (a.more) {
    const w = a.take();
    if (w === 'dev' || w === 'oif') dev = a.a[a.i++];
    else if (w === 'table') {
      const v = a.a[a.i++];
      if (v !== 'main' && v !== '254' && v !== 'all') return 0;
    } else if (w === 'proto' || w === 'scope' || w === 'type') a.i++;
    else {
      const v = w === 'exact' || w === 'root' || w === 'match' || w === 'to' ? a.a[a.i++] ?? '' : w;
      if (v !== 'default') {
        try {
          parseCidr(v, 32);
        } catch {
          throw new IpExit(`Error: any valid prefix is expected rather than "${v}".`, 1);
        }
      }
      exact = v;
    }
  }
  if (dev !== undefined && !ctx.ns.dev(dev)) {
    ctx.err(`Cannot find device "${dev}"\n`);
    return 1;
  }
  let ex: { addr: number; len: number } | null = null;
  if (exact !== undefined) ex = exact === 'default' ? { addr: 0, len: 0 } : parseCidr(exact, 32);
  const routes = ctx.ns.routes();
  const all = ctx.ns.ipRoute();
  const lines = all.filter((_, i) => {
    const r = routes[i]!;
    return (dev === undefined || r.dev === dev) && (!ex || (r.dst === ex.addr && r.len === ex.len));
  });
  // `ip route show dev X` leaves out "dev X" from each line, as iproute2 does
  outLines(ctx, dev === undefined ? lines : lines.map((l) => l.replace(` dev ${dev}`, '')));
  return 0;
}

function get(ctx: IpCtx, args: string[]): number {
  const a = args.filter((w) => w !== 'to');
  const dst = a.find((w) => /^[0-9]/.test(w));
  if (dst === undefined) throw new IpExit('need at least a destination address', 1);
  if (tryParseIpv4(dst) < 0) throw new IpExit(`Error: inet address is expected rather than "${dst}".`, 1);
  let out = '';
  const rc = nl(ctx, () => {
    out = ctx.ns.routeGet(dst);
  });
  if (rc === 0) ctx.out(out.endsWith('\n') ? out : out + '\n');
  else ctx.explain(explainUnreachable(ctx.session, ctx.ns, tryParseIpv4(dst)));
  return rc;
}

function flush(ctx: IpCtx, args: string[]): number {
  if (args.length === 0) throw new IpExit('"ip route flush" requires arguments.', 255);
  const dev = args[0] === 'dev' ? args[1] : undefined;
  if (dev !== undefined && !ctx.ns.dev(dev)) {
    ctx.err(`Cannot find device "${dev}"\n`);
    return 1;
  }
  for (const r of ctx.ns.routes()) {
    if (dev !== undefined && r.dev !== dev) continue;
    if (args[0] === 'table' || dev !== undefined || args[0] === 'all') ctx.ns.fib.del(r);
  }
  return 0;
}

export function ipRoute(ctx: IpCtx, args: string[]): number {
  const cmd = args[0];
  const rest = args.slice(1);
  if (cmd === undefined) return show(ctx, []);
  if (matches(cmd, 'add')) return modify(ctx, rest, 'add');
  if (matches(cmd, 'change') || cmd === 'chg' || matches(cmd, 'replace')) return modify(ctx, rest, 'replace');
  if (matches(cmd, 'append') || matches(cmd, 'prepend')) return modify(ctx, rest, 'add');
  if (matches(cmd, 'delete')) return modify(ctx, rest, 'del');
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return show(ctx, rest);
  if (matches(cmd, 'get')) return get(ctx, rest);
  if (matches(cmd, 'flush')) return flush(ctx, rest);
  if (matches(cmd, 'help')) throw new IpExit(ROUTE_USAGE, 255);
  throw unknownCmd(cmd, 'route');
}
