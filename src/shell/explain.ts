// `--explain`: one line saying, in lab terms, why a command failed or a ping got no answer. Every
// sentence is derived from lab state at that moment — route lookups, addresses and their prefix
// lengths, link and carrier state, neighbour (ARP) entries, ip_forward — never from the script text.
import { ipv4ToString, prefixMask } from '../ip/address.ts';
import { NetlinkError } from '../lab/errors.ts';
import type { Netns, RouteSpec } from '../lab/netns.ts';
import type { NetDevice } from '../lab/net-device.ts';
import type { PingResult } from '../lab/apps/ping.ts';
import type { Session } from './session.ts';
import { parseCidr, tryParseIpv4 } from '../ip/address.ts';
import type { Route } from '../ip/route-table.ts';
import { NUD_INCOMPLETE, NUD_FAILED, NUD_NONE } from '../arp/neighbor-cache.ts';

function devOf(ns: Netns, r: Route): NetDevice | undefined {
  return ns.devices.find((d) => d.ifindex === r.ifindex);
}

export function nsLabel(ns: Netns): string {
  return ns.name === 'root' && ns === ns.lab.root ? 'the host namespace' : ns.name;
}

function where(d: NetDevice): string {
  return `${d.name} in ${nsLabel(d.netns)}`;
}

/** Devices (any namespace) holding `ip`. */
function owners(session: Session, ip: number): NetDevice[] {
  return session.lab.allNamespaces().flatMap((n) => n.devices.filter((d) => d.addrs.some((a) => a.addr === ip)));
}

function addrList(ns: Netns): string {
  const l = ns.devices.flatMap((d) => d.addrs.filter((a) => a.scope !== 'host').map((a) => `${ipv4ToString(a.addr)}/${a.len} on ${d.name}${d.adminUp ? '' : ' (down)'}`));
  return l.length ? l.join(', ') : 'no addresses';
}

/** Why `dst` has no route in `ns`. */
export function explainUnreachable(session: Session, ns: Netns, dst: number): string {
  const d = ipv4ToString(dst);
  const head = `${d} is not covered by any route in ${nsLabel(ns)}`;
  if (dst < 0) return `not an IPv4 address`;
  if (ns.fib.lookup(dst)) return `${d} is routed in ${nsLabel(ns)}`;
  for (const dev of ns.devices) {
    for (const a of dev.addrs) {
      if (a.scope === 'host') continue;
      // a /32 next to the destination: the primer's `ip addr add 192.168.12.1 dev veth-red`
      if (a.len === 32 && (a.addr & 0xffffff00) === (dst & 0xffffff00))
        return `${head}: the address ${ipv4ToString(a.addr)} was added without a prefix, so it is a /32 and gives no connected route (add it as ${ipv4ToString(a.addr)}/24)`;
      if (a.len < 32 && ((a.addr ^ dst) & prefixMask(a.len)) === 0 && !dev.adminUp)
        return `${head}: ${dev.name} holds ${ipv4ToString(a.addr)}/${a.len} but is down, and a down device has no connected route (ip link set ${dev.name} up)`;
    }
  }
  const routes = ns.routes().filter((r) => r.dev !== 'lo');
  if (routes.length === 0) return `${head}: its routing table is empty (${addrList(ns)})`;
  return `${head} and there is no default route (routes: ${routes.map((r) => (r.len === 0 ? 'default' : `${ipv4ToString(r.dst)}/${r.len}`)).join(', ')})`;
}

/** A netfilter rule that dropped a packet at or after lab time `since` (ns), in any namespace. */
function netfilterDrop(session: Session, since: number): string | null {
  for (const n of session.lab.allNamespaces()) {
    const d = n.netfilter?.lastDrop;
    if (d && d.at >= since) return `${d.text} in ${nsLabel(n)} (ip${n === session.lab.root ? '' : ` netns exec ${n.name}`} iptables -S lists its rules)`;
  }
  return null;
}

/** Why a ping from `ns` to `dst` got no reply; `since` (lab ns): when the ping began. */
export function explainPing(session: Session, ns: Netns, dst: number, res: PingResult, since = Infinity): string | null {
  if (dst < 0) return null;
  const d = ipv4ToString(dst);
  if (ns.isLocal(dst)) return ns.lo.adminUp ? null : `${d} is ${nsLabel(ns)}'s own address, delivered through lo, and lo is down (ip link set lo up)`;
  const r = ns.fib.lookup(dst);
  if (!r) return explainUnreachable(session, ns, dst);
  const dev = devOf(ns, r);
  if (!dev) return null;
  const nh = r.gateway || dst;
  const src = ns.stack.selectSource(dst);
  // a rule dropped the requests or the replies on the way (the lab counts it as reason netfilter)
  const nfWhy = netfilterDrop(session, since);
  if (nfWhy) return `requests to ${d} were dropped: ${nfWhy}`;
  if (!dev.adminUp) return `the route to ${d} leaves through ${dev.name}, which is down`;
  if (!dev.carrier) {
    if (dev.kind === 'veth') {
      if (!dev.peer) return `${dev.name} has no peer: the veth pair was deleted`;
      return `${dev.name} has no carrier: its peer ${where(dev.peer)} is down (ip ${dev.peer.netns === session.lab.root ? '' : `-n ${dev.peer.netns.name} `}link set ${dev.peer.name} up)`;
    }
    if (dev.kind === 'bridge') return `bridge ${dev.name} has no carrier: none of its ports is up with a peer that is up`;
  }
  if (dev.master) return `${dev.name} is a port of bridge ${dev.master.name}: a bridge port does not route its own IP traffic; give the address to ${dev.master.name}`;
  const nhOwners = owners(session, nh).filter((o) => o.netns !== ns);
  const st = ns.stack.neigh.stateOf(nh, dev.ifindex);
  const resolved = st !== NUD_NONE && (st & (NUD_INCOMPLETE | NUD_FAILED)) === 0;
  if (!resolved) {
    const what = `ARP for ${ipv4ToString(nh)}${r.gateway ? ` (the gateway to ${d})` : ''} on ${dev.name} got no answer`;
    if (nhOwners.length === 0) {
      const all = session.lab.allNamespaces().flatMap((n) => n.devices.flatMap((x) => x.addrs.filter((a) => a.scope !== 'host').map((a) => ({ a, x }))));
      const near = all.find(({ a }) => a.addr !== nh && diffOctets(a.addr, nh) === 1);
      return `${what}: no interface in the lab has ${ipv4ToString(nh)}${near ? ` (${ipv4ToString(near.a.addr)} on ${where(near.x)} differs by one octet: a typo?)` : ''}`;
    }
    const o = nhOwners[0]!;
    if (!o.adminUp) return `${what}: ${ipv4ToString(nh)} is on ${where(o)}, which is down`;
    if (src >= 0 && !o.netns.fib.lookup(src) && !o.netns.isLocal(src))
      return `${what}: ${ipv4ToString(nh)} (${where(o)}) has no route back to the sender ${ipv4ToString(src)}, so it ignores the request${o.addrs.some((a) => a.addr === nh && a.len === 32) ? ` (its address ${ipv4ToString(nh)} is a /32: added without a prefix)` : ''}`;
    if (!sameLink(dev, o)) return `${what}: ${ipv4ToString(nh)} is on ${where(o)}, which is not on the same link as ${where(dev)}`;
    return `${what} although ${ipv4ToString(nh)} is on ${where(o)}`;
  }
  if (r.gateway) {
    const g = nhOwners[0];
    if (g && !owners(session, dst).some((x) => x.netns === g.netns)) {
      if (!g.netns.ipForward) return `the gateway ${ipv4ToString(r.gateway)} (${nsLabel(g.netns)}) got the request but does not forward it: net.ipv4.ip_forward is 0 there`;
      if (!g.netns.fib.lookup(dst)) return `the gateway ${ipv4ToString(r.gateway)} (${nsLabel(g.netns)}) has no route to ${d}`;
    }
  }
  const dOwners = owners(session, dst).filter((o) => o.netns !== ns);
  if (dOwners.length === 0) return `no interface in the lab has ${d}: the request left through ${dev.name} and nothing answered`;
  const t = dOwners[0]!;
  // the far end's own link is down: it never got the request (its missing route back follows from that)
  if (!t.adminUp) return `${d} is on ${where(t)}, which is down: the request never reaches it (ip ${t.netns === session.lab.root ? '' : `-n ${t.netns.name} `}link set ${t.name} up)`;
  if (!t.carrier && t.kind === 'veth' && t.peer) return `${where(t)} has no carrier: its peer ${where(t.peer)} is down, so the request never reaches ${d}`;
  if (src >= 0 && !t.netns.fib.lookup(src) && !t.netns.isLocal(src)) return `${d} (${where(t)}) got the request but has no route back to ${ipv4ToString(src)}: the reply cannot be sent`;
  if (res.errors > 0) return null; // the ICMP error lines already say why
  return `requests to ${d} left ${dev.name}${r.gateway ? ` via ${ipv4ToString(r.gateway)}` : ''} but no reply came back`;
}

function diffOctets(a: number, b: number): number {
  let n = 0;
  for (let s = 0; s < 32; s += 8) if (((a >>> s) & 255) !== ((b >>> s) & 255)) n++;
  return n;
}

/** Whether two devices share a layer-2 segment (veth peers, or through one bridge). */
function sameLink(a: NetDevice, b: NetDevice): boolean {
  const seg = (d: NetDevice): NetDevice[] => {
    const out: NetDevice[] = [d];
    const far = d.peer;
    if (far) {
      out.push(far);
      if (far.master) out.push(far.master, ...far.master.netns.devices.filter((x) => x.master === far.master).map((x) => x.peer ?? x));
    }
    if (d.kind === 'bridge') out.push(...d.netns.devices.filter((x) => x.master === d).map((x) => x.peer ?? x));
    return out;
  };
  return seg(a).includes(b) || seg(b).includes(a);
}

/** Why `ip route add/del/replace` was refused. */
export function explainRouteError(ns: Netns, spec: RouteSpec, e: NetlinkError): string | null {
  const label = nsLabel(ns);
  if (/Nexthop has invalid gateway/.test(e.message) && spec.via) {
    const gw = tryParseIpv4(spec.via);
    if (ns.isLocal(gw)) return `${spec.via} is ${label}'s own address, it cannot be a gateway`;
    const r = ns.fib.lookup(gw);
    if (r && r.gateway) return `gateway ${spec.via} is only reachable through another gateway (${ipv4ToString(r.gateway)}): a gateway must be on a connected subnet of ${label}`;
    if (r && spec.dev && r.dev !== spec.dev) return `gateway ${spec.via} is on-link through ${r.dev}, not ${spec.dev}`;
    const slash32 = ns.devices.flatMap((d) => d.addrs.filter((a) => a.len === 32 && a.scope !== 'host' && (a.addr & 0xffffff00) === (gw & 0xffffff00)));
    if (slash32.length) return `gateway ${spec.via} is not on a connected subnet of ${label}: its address ${ipv4ToString(slash32[0]!.addr)} is a /32 (added without a prefix), which gives no connected route`;
    const near = ns.devices.flatMap((d) => d.addrs).find((a) => a.scope !== 'host' && diffOctets(a.addr & 0xffffff00, gw & 0xffffff00) === 1);
    return `gateway ${spec.via} is not on a connected subnet of ${label} (${addrList(ns)}): the kernel needs a link route covering the gateway${near ? `; ${ipv4ToString(near.addr)} differs from ${spec.via}'s subnet by one octet: a typo?` : ''}`;
  }
  if (/Device for nexthop is not up/.test(e.message)) return `the device for that route is down in ${label}: bring it up first`;
  if (/File exists/.test(e.message)) {
    let c;
    try {
      c = spec.dst === 'default' ? { addr: 0, len: 0 } : parseCidr(spec.dst, 32);
    } catch {
      return null;
    }
    const old = ns.routes().find((r) => r.dst === c.addr && r.len === c.len && r.metric === (spec.metric ?? 0));
    if (old) return `${label} already has a route to ${spec.dst} with metric ${old.metric} (via ${old.gateway ? ipv4ToString(old.gateway) : 'no gateway'} dev ${old.dev}): use "ip route replace" or another metric`;
  }
  if (/No such process/.test(e.message)) return `no route in ${label} matches ${spec.dst}${spec.via ? ` via ${spec.via}` : ''}${spec.dev ? ` dev ${spec.dev}` : ''}`;
  return null;
}
