// `ip link`, `ip -s link` and `ip addr` in iproute2's layout (checked against iproute2 6.x).
// IPv6 is not modelled, so no inet6 lines appear (a deliberate difference from a real host).
import { macToString } from '../ethernet/mac.ts';
import { ipv4ToString } from '../ip/address.ts';
import type { NetDevice } from './net-device.ts';
import type { Netns } from './netns.ts';

function flags(d: NetDevice): string {
  const f: string[] = [];
  if (d.adminUp && !d.carrier && d.kind !== 'loopback') f.push('NO-CARRIER');
  // an IP-level external link looks like a tun device: POINTOPOINT,MULTICAST,NOARP
  f.push(...(d.kind === 'loopback' ? ['LOOPBACK'] : d.noArp ? ['POINTOPOINT', 'MULTICAST', 'NOARP'] : ['BROADCAST', 'MULTICAST']));
  if (d.adminUp) f.push('UP');
  if (d.carrier) f.push('LOWER_UP');
  // iproute2 adds M-DOWN when the IFLA_LINK device (a veth's peer) is down — only when it can look
  // the peer up, i.e. the peer is in the same namespace (no link-netnsid)
  if (d.kind === 'veth' && d.peer && d.peer.netns === d.netns && !d.peer.adminUp) f.push('M-DOWN');
  return `<${f.join(',')}>`;
}

/** Per namespace: the ids it has given other namespaces (`peernet2id_alloc`), in order of need. */
const NSIDS = new WeakMap<Netns, Map<Netns, number>>();

/**
 * The id namespace `from` knows `to` by, allocated (lowest free, from 0) the first time the kernel
 * needs it — when `from` describes a link whose peer is in `to` (rtnl_fill_link_netnsid). This is
 * what `ip link` prints as `link-netnsid N` and `ip netns list` as `(id: N)`.
 */
export function netnsId(from: Netns, to: Netns): number {
  let m = NSIDS.get(from);
  if (!m) NSIDS.set(from, (m = new Map()));
  let id = m.get(to);
  if (id === undefined) {
    const used = new Set(m.values());
    for (id = 0; used.has(id); id++);
    m.set(to, id);
  }
  return id;
}

/** The id `from` has given `to`, or undefined when none was needed yet. */
export function knownNetnsId(from: Netns, to: Netns): number | undefined {
  return NSIDS.get(from)?.get(to);
}

function head(ns: Netns, d: NetDevice, mode: boolean): string[] {
  const qdisc = d.adminUp ? 'noqueue' : 'noop';
  const master = d.master ? ` master ${d.master.name}` : '';
  const l1 = `${d.ifindex}: ${d.displayName()}: ${flags(d)} mtu ${d.mtu} qdisc ${qdisc}${master} state ${d.operState}${mode ? ' mode DEFAULT' : ''} group default qlen ${d.qlen}`;
  const kind = d.kind === 'loopback' ? 'loopback' : 'ether';
  const brd = d.kind === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff';
  let l2 = d.noArp ? '    link/none ' : `    link/${kind} ${macToString(d.mac)} brd ${brd}`;
  if (d.kind === 'veth' && d.peer && d.peer.netns !== ns) {
    // iproute2 names the peer's namespace when it finds it under /run/netns; the host (root)
    // namespace is not there, so it prints the id instead
    const id = netnsId(ns, d.peer.netns);
    l2 += d.peer.netns === ns.lab.root ? ` link-netnsid ${id}` : ` link-netns ${d.peer.netns.name}`;
  }
  return [l1, l2];
}

/** `details` (`ip -d link`): vxlan devices get iproute2's detail words; other kinds list as without -d. */
export function formatIpLink(ns: Netns, devs: NetDevice[], details = false): string[] {
  return devs.flatMap((d) => {
    const h = head(ns, d, true);
    if (!details || !d.vxlan) return h;
    // iproute2 6.x: the link line gains the generic words, then the kind's line with the rest
    h[1] += ` promiscuity ${d.master ? 1 : 0}  allmulti ${d.master ? 1 : 0} minmtu 68 maxmtu 65535 `;
    const tso = d.vxlan.underlay ? 524280 : 65536;
    h.push(`    ${d.vxlan.detailsWords()} addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size ${tso} tso_max_segs 65535 gro_max_size 65536 `);
    return h;
  });
}

export function formatIpSLink(ns: Netns, devs: NetDevice[]): string[] {
  const out: string[] = [];
  const col = (v: number | string, w: number) => String(v).padStart(w);
  for (const d of devs) {
    out.push(...head(ns, d, true));
    const s = d.stats;
    out.push('    RX:  bytes packets errors dropped  missed   mcast           ');
    out.push(`    ${col(s.rxBytes, 10)} ${col(s.rxPackets, 7)} ${col(0, 6)} ${col(s.rxDropped, 7)} ${col(0, 7)} ${col(s.rxMulticast, 7)} `);
    out.push('    TX:  bytes packets errors dropped carrier collsns           ');
    out.push(`    ${col(s.txBytes, 10)} ${col(s.txPackets, 7)} ${col(0, 6)} ${col(s.txDropped, 7)} ${col(0, 7)} ${col(0, 7)} `);
  }
  return out;
}

export function formatIpAddr(ns: Netns, devs: NetDevice[]): string[] {
  const out: string[] = [];
  for (const d of devs) {
    out.push(...head(ns, d, false));
    for (const a of d.addrs) {
      const brd = a.brd ? ` brd ${ipv4ToString(a.brd)}` : '';
      out.push(`    inet ${ipv4ToString(a.addr)}/${a.len}${brd} scope ${a.scope} ${d.name}`);
      out.push('       valid_lft forever preferred_lft forever');
    }
  }
  return out;
}
