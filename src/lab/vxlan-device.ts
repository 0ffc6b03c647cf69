// A lab `vxlan` device (RFC 7348), as Linux's drivers/net/vxlan builds one with
// `ip link add vxlan0 type vxlan id 42 dstport 4789 [remote IP | group IP] [local IP] [dev DEV] [nolearning]`.
//
// Transmit: the device is a Port whose transmit() looks the inner destination MAC up in the VTEP FDB
// (src/encap/vxlan-fdb.ts: a miss uses the all-zeros flood list), writes outer IPv4 + UDP + VXLAN into
// the frame's headroom (VxlanEncapsulator: no payload copy, outer UDP checksum 0, source port from the
// inner flow hash) and hands the outer IP datagram to the namespace's own IP output: route lookup,
// netfilter, ARP and the underlay device, as vxlan_xmit_one → udp_tunnel_xmit_skb does.
//
// Receive: like the kernel's vxlan_sock, one UDP "socket" per (namespace, dstport) shared by every
// vxlan device on that port and demultiplexed by VNI. It is a lab UdpSocket whose `encapRcv` hook (the
// kernel's udp_sk()->encap_rcv) takes the borrowed datagram before socket delivery: no copy, no
// allocation. The VXLAN header is checked with Linux's rules (I flag only, reserved zero), the remote
// VTEP learned (vxlan_snoop, unless nolearning), and the inner frame injected into the device through
// the lab's receive path, so it works as a bridge port (`master br0`) as Flannel and Weave fastdp use it.
//
// Like the kernel, the UDP side lives in the namespace that created the device (vxlan->net), even if
// the device is later moved; the socket is opened when the device goes up and closed when it goes down.
import { u16 } from '../bytes.ts';
import { readMac } from '../ethernet/mac.ts';
import { ipv4ToString } from '../ip/address.ts';
import { VxlanEncapsulator, VXLAN_ENCAP_OVERHEAD, VXLAN_SRC_PORT_MIN, VXLAN_SRC_PORT_MAX } from '../encap/vxlan-encap.ts';
import { VxlanFdb, VXLAN_DEFAULT_AGEING_S, ALL_ZEROS_MAC, type VxlanRemote } from '../encap/vxlan-fdb.ts';
import { VXLAN_PORT, VXLAN_FLAG_I, VXLAN_HEADER_LEN } from '../encap/vxlan.ts';
import type { Medium, Port, RxHandler } from '../link/port.ts';
import { DropReason, type NetDevice } from './net-device.ts';
import type { Netns } from './netns.ts';
import type { UdpSocket } from './udp-socket.ts';
import { NetlinkError } from './errors.ts';

export interface VxlanLinkOptions {
  /** VNI, 0..16777215. */
  id: number;
  /** UDP destination port; default 4789 (Linux's own default is 8472: pass it when wanted). */
  dstport?: number;
  /** Unicast remote VTEP: installs the all-zeros FDB entry `00:00:00:00:00:00 dst REMOTE`. */
  remote?: string;
  /** Multicast group (needs `dev`); stored, listed and used as the default destination. */
  group?: string;
  /** Outer source address; default: the route's preferred source per packet. */
  local?: string;
  /** Underlay device: sets the MTU (underlay − 50) and is listed (`dev eth0`, `via eth0`). */
  dev?: string;
  learning?: boolean;
  /** Outer TTL; undefined = `ttl auto` (the namespace's ip_default_ttl, 64). */
  ttl?: number;
  /** Outer UDP source port range; default [49152, 65535] (RFC 7348 §5), listed as `srcport 0 0`. */
  srcPortRange?: [number, number];
  ageing?: number;
}

/** Counters of what the device dropped and why (the kernel's rx_frame_errors, tx_dropped, …). */
export class VxlanCounters {
  txNoFdb = 0;      // no entry and no flood list
  txNoRoute = 0;    // no route to the remote VTEP
  txLoop = 0;       // the route to the remote leads back into this device
  txNoHeadroom = 0; // frame copied because it lacked 50 bytes of headroom
  rxBadHeader = 0;  // flags other than I, reserved bits set, short
  rxLearnDrop = 0;  // source MAC pinned by a permanent entry to another VTEP
  rxOwnMac = 0;     // inner source is our own MAC (a loop)
  rxDown = 0;
}

const ETH = 14;
/** Lab time is ns; the FDB counts ms. */
const NS_PER_MS = 1e6;
/** How long a cached FDB answer (tx) or learn (rx) is reused before the table is asked again. */
const CACHE_NS = 1e9;

export class VxlanLink implements Port {
  readonly medium: Medium = 'ethernet';
  readonly name: string;
  readonly headroom = VXLAN_ENCAP_OVERHEAD;
  mtu = 1500;
  readonly vni: number;
  readonly dstPort: number;
  /** Unicast remote (uint32) or 0. */
  readonly remote: number;
  /** Multicast group (uint32) or 0. */
  readonly group: number;
  readonly local: number;
  readonly underlay: string | null;
  /** 0 = auto. */
  readonly ttl: number;
  readonly srcPortMin: number;
  readonly srcPortMax: number;
  readonly srcPortGiven: boolean;
  readonly fdb: VxlanFdb;
  readonly counters = new VxlanCounters();
  /** The lab device this port is bound to (set by Netns.linkAddVxlan). */
  device!: NetDevice;
  private rx: RxHandler | null = null;
  private readonly enc: VxlanEncapsulator;
  private sock: VxlanSock | null = null;
  private inXmit = false;
  private readonly scratch = new Uint8Array(VXLAN_ENCAP_OVERHEAD + 65536 + 64);
  // tx cache: the last destination MAC (as two int halves) and what the FDB said for it
  private txHi = -1;
  private txLo = 0;
  private txAt = -Infinity;
  private txGen = -1;
  private txRemotes: readonly VxlanRemote[] = [];
  // rx cache: the last learned (source MAC, remote) pair
  private rxHi = -1;
  private rxLo = 0;
  private rxIp = 0;
  private rxAt = -Infinity;
  private rxGen = -1;
  /** Bumped on every FDB change made through this device, to invalidate the caches. */
  private gen = 0;

  constructor(
    /** The namespace the device was created in: its IP stack carries the outer packets. */
    readonly ns: Netns,
    name: string,
    o: Required<Pick<VxlanLinkOptions, 'id'>> & { dstPort: number; remote: number; group: number; local: number; underlay: string | null; learning: boolean; ttl: number; srcPortRange?: [number, number]; ageing: number },
  ) {
    this.name = name;
    this.vni = o.id;
    this.dstPort = o.dstPort;
    this.remote = o.remote >>> 0;
    this.group = o.group >>> 0;
    this.local = o.local >>> 0;
    this.underlay = o.underlay;
    this.ttl = o.ttl;
    this.srcPortGiven = o.srcPortRange !== undefined;
    this.srcPortMin = o.srcPortRange?.[0] ?? VXLAN_SRC_PORT_MIN;
    this.srcPortMax = o.srcPortRange?.[1] ?? VXLAN_SRC_PORT_MAX;
    this.fdb = new VxlanFdb({ learning: o.learning, ageingSeconds: o.ageing });
    const rng = ns.lab.rng;
    this.enc = new VxlanEncapsulator(
      {
        outerSrcMac: 0, outerDstMac: 0, srcIp: this.local, dstIp: 0, dstPort: this.dstPort, vni: this.vni,
        ttl: this.ttl || ns.stack.defaultTtl, srcPortMin: this.srcPortMin, srcPortMax: this.srcPortMax,
        hashSeed: rng.int(0x100000000) | 0,
      },
      rng.int(0x10000),
    );
    // `remote`/`group` at creation: the default destination (vxlan_fdb_create of the all-zeros MAC)
    const def = this.remote || this.group;
    if (def) this.fdb.append(ALL_ZEROS_MAC, this.underlay ? { ip: def, via: this.underlay } : { ip: def }, this.nowMs());
  }

  get learning(): boolean {
    return this.fdb.learning;
  }

  private nowMs(): number {
    return this.ns.lab.scheduler.now / NS_PER_MS;
  }

  attach(rx: RxHandler): void {
    this.rx = rx;
  }

  // ---------- FDB edits (bridge fdb … dev vxlan0) ----------

  fdbAdd(mac: number, r: VxlanRemote): void {
    this.fdb.add(mac, r, this.nowMs());
    this.gen++;
  }
  /** `bridge fdb append`: a remote already listed is not an error (vxlan_fdb_append returns 0). */
  fdbAppend(mac: number, r: VxlanRemote): void {
    const e = this.fdb.get(mac);
    if (e && e.remotes.some((x) => x.ip === r.ip >>> 0 && x.port === r.port && x.vni === r.vni)) return;
    this.fdb.append(mac, r, this.nowMs());
    this.gen++;
  }
  fdbReplace(mac: number, r: VxlanRemote): void {
    this.fdb.replace(mac, r, this.nowMs());
    this.gen++;
  }
  /** `bridge fdb del MAC [dst IP]`: a dst that the entry does not list changes nothing (the kernel answers 0). */
  fdbDel(mac: number, ip?: number): void {
    const e = this.fdb.get(mac);
    if (e && ip !== undefined && !e.remotes.some((x) => x.ip === ip >>> 0)) return;
    this.fdb.del(mac, ip);
    this.gen++;
  }

  // ---------- up / down: the UDP socket ----------

  /** vxlan_open: joins (or opens) the namespace's socket on dstport. Throws EADDRINUSE like the kernel. */
  open(): void {
    if (this.sock) return;
    this.sock = VxlanSock.get(this.ns, this.dstPort);
    this.sock.byVni.set(this.vni, this);
  }

  /** vxlan_stop: leaves the socket (closed with its last device). */
  close(): void {
    const s = this.sock;
    if (!s) return;
    this.sock = null;
    if (s.byVni.get(this.vni) === this) s.byVni.delete(this.vni);
    if (s.byVni.size === 0) s.release();
  }

  // ---------- transmit ----------

  /** An Ethernet frame sent out of the vxlan device (borrowed): encapsulated to each FDB destination. */
  transmit(buf: Uint8Array, off: number, len: number): void {
    if (len < ETH) return;
    if (this.inXmit) {
      // vxlan_get_route finds the device itself on the route to the remote: -ELOOP
      this.counters.txLoop++;
      this.device.drop(DropReason.NO_ROUTE, false);
      return;
    }
    const now = this.ns.lab.scheduler.now;
    const hi = (buf[off]! << 8) | buf[off + 1]!;
    const lo = (buf[off + 2]! << 24) | (buf[off + 3]! << 16) | (buf[off + 4]! << 8) | buf[off + 5]!;
    let remotes = this.txRemotes;
    if (hi !== this.txHi || lo !== this.txLo || this.txGen !== this.gen || now - this.txAt > CACHE_NS) {
      remotes = this.fdb.lookup(readMac(buf, off), now / NS_PER_MS);
      this.txRemotes = remotes;
      this.txHi = hi;
      this.txLo = lo;
      this.txGen = this.gen;
      this.txAt = now;
    }
    const n = remotes.length;
    if (n === 0) {
      this.counters.txNoFdb++;
      this.device.drop(DropReason.NO_ROUTE, false);
      return;
    }
    let b = buf;
    let o = off;
    if (off < VXLAN_ENCAP_OVERHEAD) {
      // not enough headroom: the one case that copies
      this.counters.txNoHeadroom++;
      b = this.scratch;
      o = VXLAN_ENCAP_OVERHEAD + 14;
      b.set(buf.subarray(off, off + len), o);
    }
    const stack = this.ns.stack;
    this.inXmit = true;
    try {
      for (let i = 0; i < n; i++) {
        const r = remotes[i]!;
        // one route lookup for the source and the output (vxlan_get_route); int32 addresses
        const dst = r.ip | 0;
        const rsrc = stack.tunnelSource(dst);
        const src = this.local !== 0 ? this.local | 0 : rsrc;
        if (rsrc === -1) {
          this.counters.txNoRoute++;
          this.device.drop(DropReason.NO_ROUTE, false);
          continue;
        }
        this.enc.retarget(src, dst, r.port ?? this.dstPort, r.vni ?? this.vni);
        const outer = this.enc.encapsulate(b, o, len);
        if (outer < 0) {
          this.device.drop(DropReason.MALFORMED, false);
          continue;
        }
        // the outer Ethernet header the encapsulator wrote is rewritten by the neighbour output
        if (stack.tunnelOutput(b, outer + ETH, len + VXLAN_ENCAP_OVERHEAD - ETH) !== '') {
          this.counters.txNoRoute++;
          this.device.drop(DropReason.NO_ROUTE, false);
        }
      }
    } finally {
      this.inXmit = false;
    }
  }

  // ---------- receive ----------

  /**
   * A VXLAN payload for this device's VNI (header already checked by the socket): buf[innerOff, +innerLen)
   * is the inner Ethernet frame, `remote` the outer source address.
   */
  receive(buf: Uint8Array, innerOff: number, innerLen: number, remote: number): void {
    const d = this.device;
    if (!d.adminUp || this.rx === null) {
      this.counters.rxDown++;
      return;
    }
    const hi = (buf[innerOff + 6]! << 8) | buf[innerOff + 7]!;
    const lo = (buf[innerOff + 8]! << 24) | (buf[innerOff + 9]! << 16) | (buf[innerOff + 10]! << 8) | buf[innerOff + 11]!;
    // vxlan_rcv: a frame from our own MAC has looped
    const m = d.mac;
    if (hi === Math.floor(m / 0x100000000) && lo === (m % 0x100000000 | 0)) {
      this.counters.rxOwnMac++;
      d.drop(DropReason.OTHERHOST, true);
      return;
    }
    if (this.fdb.learning) {
      const now = this.ns.lab.scheduler.now;
      const ip = remote | 0;
      if (hi !== this.rxHi || lo !== this.rxLo || ip !== this.rxIp || this.rxGen !== this.gen || now - this.rxAt > CACHE_NS) {
        const res = this.fdb.learn(readMac(buf, innerOff + 6), remote >>> 0, now / NS_PER_MS);
        if (res === 'drop') {
          this.counters.rxLearnDrop++;
          d.drop(DropReason.OTHERHOST, true);
          return;
        }
        if (res === 'new' || res === 'moved') this.gen++;
        this.rxHi = hi;
        this.rxLo = lo;
        this.rxIp = ip;
        this.rxGen = this.gen;
        this.rxAt = now;
      }
    }
    this.rx(buf, innerOff, innerLen);
  }

  // ---------- listings ----------

  /** The `vxlan …` words of `ip -d link show` (iproute2 6.x order). */
  detailsWords(): string {
    let s = `vxlan id ${this.vni}`;
    if (this.group) s += ` group ${ipv4ToString(this.group)}`;
    else if (this.remote) s += ` remote ${ipv4ToString(this.remote)}`;
    if (this.local) s += ` local ${ipv4ToString(this.local)}`;
    if (this.underlay) s += ` dev ${this.underlay}`;
    s += this.srcPortGiven ? ` srcport ${this.srcPortMin} ${this.srcPortMax}` : ' srcport 0 0';
    s += ` dstport ${this.dstPort}`;
    if (!this.fdb.learning) s += ' nolearning';
    s += this.ttl ? ` ttl ${this.ttl}` : ' ttl auto';
    s += ` ageing ${Math.round(this.fdb.ageingMs / 1000)}`;
    // we transmit a zero outer checksum (RFC 7348 §5); a kernel device says `udpcsum` by default
    s += ' noudpcsum noudp6zerocsumtx noudp6zerocsumrx';
    return s;
  }

  /** `bridge fdb show` lines of this device (`dev NAME` omitted when filtering by device). */
  fdbShow(filteredByDev: boolean): string[] {
    return this.fdb.show(this.device.name, filteredByDev);
  }
}

/**
 * The per-(namespace, port) receive socket shared by vxlan devices (the kernel's vxlan_sock), demuxing
 * by VNI. Its encapRcv runs on the borrowed datagram inside the stack's UDP input.
 */
export class VxlanSock {
  private static readonly all = new WeakMap<Netns, Map<number, VxlanSock>>();
  readonly byVni = new Map<number, VxlanLink>();
  rxBadHeader = 0;
  rxUnknownVni = 0;
  private readonly udp: UdpSocket;

  private constructor(
    readonly ns: Netns,
    readonly port: number,
  ) {
    try {
      this.udp = ns.udpBind(port);
    } catch {
      throw new NetlinkError('RTNETLINK answers: Address already in use', 'EADDRINUSE');
    }
    this.udp.encapRcv = this.onDatagram;
  }

  static get(ns: Netns, port: number): VxlanSock {
    let m = VxlanSock.all.get(ns);
    if (!m) VxlanSock.all.set(ns, (m = new Map()));
    let s = m.get(port);
    if (!s) m.set(port, (s = new VxlanSock(ns, port)));
    return s;
  }

  release(): void {
    this.udp.close();
    VxlanSock.all.get(this.ns)?.delete(this.port);
  }

  /** encap_rcv: the UDP datagram at buf[udpOff, +ulen) (checksum already verified when nonzero). */
  private readonly onDatagram = (dev: NetDevice, buf: Uint8Array, _ipOff: number, udpOff: number, ulen: number, src: number): void => {
    const v = udpOff + 8;
    if (ulen < 8 + VXLAN_HEADER_LEN + ETH || buf[v] !== VXLAN_FLAG_I || (buf[v + 1]! | buf[v + 2]! | buf[v + 3]! | buf[v + 7]!) !== 0) {
      // vxlan_rcv drops a header with other flags or reserved bits set (no GBP/GPE here)
      this.rxBadHeader++;
      dev.drop(DropReason.MALFORMED, true);
      return;
    }
    const vni = (u16(buf, v + 4) << 8) | buf[v + 6]!;
    const link = this.byVni.get(vni);
    if (link === undefined) {
      this.rxUnknownVni++;
      dev.drop(DropReason.NO_SOCKET, true);
      return;
    }
    link.receive(buf, v + VXLAN_HEADER_LEN, ulen - 8 - VXLAN_HEADER_LEN, src);
  };
}

/** `ip link add … type vxlan` defaults resolved: what Netns.linkAddVxlan validates. */
export const VXLAN_DEFAULTS = { dstPort: VXLAN_PORT, ageing: VXLAN_DEFAULT_AGEING_S } as const;
