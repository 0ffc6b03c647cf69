// Text forms of routes as iproute2 6.1 (`ip route show`, `ip route get`) and net-tools 2.10
// (`route -n`) print them. Layouts were taken from the real tools in a throwaway netns; the one
// deliberate difference: iproute2 ends each route line with a space, we trim it.
import { ipv4ToString, prefixMask } from './address.ts';
import type { Route } from './route-table.ts';

/** One `ip route show` line (iproute2 print_route field order). */
export function formatRoute(r: Route): string {
  let s = r.type === 'unicast' ? '' : `${r.type} `;
  s += r.len === 0 && r.dst === 0 ? 'default' : r.len === 32 ? ipv4ToString(r.dst) : `${ipv4ToString(r.dst)}/${r.len}`;
  if (r.tos) s += ` tos 0x${r.tos.toString(16).padStart(2, '0')}`;
  if (r.gateway) s += ` via ${ipv4ToString(r.gateway)}`;
  if (r.ifindex && r.dev) s += ` dev ${r.dev}`;
  if (r.proto !== 'boot') s += ` proto ${r.proto}`; // RTPROT_BOOT (plain `ip route add`) is not shown
  if (r.scope !== 'global') s += ` scope ${r.scope}`; // RT_SCOPE_UNIVERSE is not shown
  if (r.prefsrc) s += ` src ${ipv4ToString(r.prefsrc)}`;
  if (r.metric) s += ` metric ${r.metric}`;
  return s;
}

/** `ip route show` output: one line per route, each ending in "\n". */
export function formatRoutes(routes: readonly Route[]): string {
  let s = '';
  for (const r of routes) s += formatRoute(r) + '\n';
  return s;
}

/**
 * `route -n` (net-tools, reading /proc/net/route): main-table unicast and reject routes; broadcast,
 * local routes are not in /proc/net/route (tos routes are, without their tos). Flags: U up, G gateway, H host (/32); reject
 * routes (unreachable, prohibit) print `!` with dashes; a blackhole prints as `U` on iface `*`.
 */
export function formatRouteN(routes: readonly Route[]): string {
  let s = 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n';
  for (const r of routes) {
    if (r.type === 'local' || r.type === 'broadcast') continue;
    const dst = ipv4ToString(r.dst).padEnd(15);
    const mask = ipv4ToString(prefixMask(r.len)).padEnd(15);
    const metric = String(r.metric).padEnd(6);
    if (r.type === 'unreachable' || r.type === 'prohibit') {
      s += `${dst} ${'-'.padEnd(15)} ${mask} ${'!'.padEnd(5)} ${metric} ${'-'.padEnd(2)} ${'0'.padStart(7)} -\n`;
      continue;
    }
    let flags = 'U';
    if (r.gateway) flags += 'G';
    if (r.len === 32) flags += 'H';
    const iface = r.type === 'blackhole' ? '*' : r.dev;
    s += `${dst} ${ipv4ToString(r.gateway).padEnd(15)} ${mask} ${flags.padEnd(5)} ${metric} ${'0'.padEnd(2)} ${'0'.padStart(7)} ${iface}\n`;
  }
  return s;
}

/** What `ip route get` prints for an error result (no route, or a reject route). */
export function routeGetError(r: Route | null): string | null {
  if (!r) return 'RTNETLINK answers: Network is unreachable';
  switch (r.type) {
    case 'unreachable':
      return 'RTNETLINK answers: No route to host';
    case 'prohibit':
      return 'RTNETLINK answers: Permission denied';
    case 'blackhole':
      return 'RTNETLINK answers: Invalid argument';
    default:
      return null;
  }
}

export interface RouteGet {
  dst: number;
  route: Route;
  /** Source address the kernel selected (the route's prefsrc, else the device's primary address). */
  src: number;
  /** Output device as shown; local and broadcast destinations are delivered via `lo` for local. */
  dev?: string;
  uid?: number;
}

/**
 * `ip route get DST` output, two lines: `192.168.2.5 via 192.168.1.1 dev eth0 src 192.168.1.10 uid 0`
 * and `    cache` (`    cache <local>` / `<local,brd>` for local/broadcast). Trailing spaces trimmed.
 */
export function formatRouteGet(g: RouteGet): string {
  const r = g.route;
  let s = r.type === 'local' || r.type === 'broadcast' ? `${r.type} ` : '';
  s += ipv4ToString(g.dst);
  if (r.gateway) s += ` via ${ipv4ToString(r.gateway)}`;
  const dev = g.dev ?? (r.type === 'local' ? 'lo' : r.dev);
  if (dev) s += ` dev ${dev}`;
  if (g.src) s += ` src ${ipv4ToString(g.src)}`;
  s += ` uid ${g.uid ?? 0}\n    cache`;
  if (r.type === 'local') s += ' <local>';
  else if (r.type === 'broadcast') s += ' <local,brd>';
  return s + '\n';
}
