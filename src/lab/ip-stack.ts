// The data plane of one namespace: Ethernet demux, ARP (RFC 826) with a Linux-like neighbour
// state machine, IPv4 input / local delivery / forwarding / output (RFC 791, RFC 1812), ICMP
// (RFC 792: echo, errors) and UDP (RFC 768) demux to sockets.
//
// Buffers: frames arrive borrowed from the link with headroom in front of the Ethernet header.
// Forwarding rewrites the frame in place (TTL + incremental checksum, then a new Ethernet header
// written over the old one) and transmits the same bytes: no copy, no allocation. Locally built
// packets go through per-stack scratch buffers laid out [headroom][eth][ip][payload].
import { u16, u32, put16, put32 } from '../bytes.ts';
import { wireErrorName } from '../wire-error.ts';
import { EthernetView, EtherType } from '../ethernet/frame.ts';
import { isMulticast, writeMac, BROADCAST_MAC } from '../ethernet/mac.ts';
import { ArpView, ArpOp, ARP_LEN } from '../arp/packet.ts';
import { Ipv4View, IpProto } from '../ip/ipv4.ts';
import { internetChecksum, pseudoHeaderSum, fold } from '../ip/checksum.ts';
import { emitIcmpError, shouldNotSendIcmpError, IcmpType, UnreachCode } from '../ip/icmp.ts';
import { fragmentIpv4 } from '../ip/fragment.ts';
import { Reassembler } from '../ip/reassembly.ts';
import { ipv4ToString, prefixMask } from '../ip/address.ts';
import { DropReason, type NetDevice } from './net-device.ts';
import { NeighborCache, NeighborError, NUD_PERMANENT, NUD_NONE, NUD_DELAY, type NeighAction, type NeighEntry } from '../arp/neighbor-cache.ts';
import type { Route } from '../ip/route-table.ts';
import type { Netns } from './netns.ts';
import { UdpSocket } from './udp-socket.ts';
import { forwardRewrite } from '../ip/forward.ts';

const HR = 64; // headroom left in front of the Ethernet header of locally built frames
const ETH = 14;
/** Offset of the IP header in the scratch buffers. */
export const TX_IP = HR + ETH;

/** Receives ICMP messages delivered to this namespace (ping, traceroute-like apps). */
export interface IcmpListener {
  onIcmp(type: number, code: number, buf: Uint8Array, icmpOff: number, icmpLen: number, src: number, ttl: number): void;
}

export class IpStack {
  forwarding = false;
  defaultTtl = 64;
  /** The ARP cache (shared src/arp/neighbor-cache.ts), keyed by (address, ifindex). */
  readonly neigh: NeighborCache;
  /** The neighbour timer is armed for this time (ns), Infinity when none. */
  private neighTimerAt = Infinity;
  private neighTimer: { cancel(): void } | null = null;
  /** Capture comments of packets waiting for ARP, by IP header (only while a capture comments them). */
  private queuedNotes: Map<string, string> | null = null;
  /** Scratch for sending packets released from a resolution queue. */
  private readonly flushTx = new Uint8Array(TX_IP + 65536);
  private readonly udp = new Map<number, UdpSocket>();
  readonly icmpListeners = new Set<IcmpListener>();
  /** Fragment reassembly (shared src/ip/reassembly.ts: Linux overlap rules, 30 s ipfrag_time). */
  private readonly reasm: Reassembler;
  /** The expiry timer is armed for this deadline (ns), Infinity when none. */
  private reasmTimerAt = Infinity;
  /** Device the last fragment came in on (counts timeout drops). */
  private reasmDev: NetDevice | null = null;
  private ipId: number;
  private readonly eth = new EthernetView();
  private readonly arp = new ArpView();
  private readonly ip = new Ipv4View();
  /** Scratch for packets this stack originates (echo replies, app sends). */
  readonly tx = new Uint8Array(TX_IP + 65536);
  /** Scratch for ICMP errors (built while `tx` or an input buffer may still be in use). */
  private readonly errTx = new Uint8Array(TX_IP + 20 + 8 + 548);
  private readonly arpTx = new Uint8Array(HR + ETH + ARP_LEN + 32);
  /** Reassembled datagrams behind headroom (netfilter defrag), allocated on first use. */
  private defragBuf: Uint8Array | null = null;
  private readonly fragScratch = new Uint8Array(65536);
  private readonly fragTx = new Uint8Array(TX_IP + 65536);
  private fragDev: NetDevice | null = null;
  private fragNh = 0;
  private readonly fragSink = (b: Uint8Array, o: number, l: number) => {
    this.fragTx.set(b.subarray(o, o + l), TX_IP);
    this.neighOutput(this.fragDev!, this.fragNh, this.fragTx, TX_IP, l);
  };

  constructor(private readonly ns: Netns) {
    this.ipId = ns.lab.rng.int(0x10000);
    const nrng = ns.lab.rng.fork();
    this.neigh = new NeighborCache({ random: () => nrng.float(), now: ns.lab.scheduler.now });
    this.reasm = new Reassembler({
      seed: ns.lab.rng.int(0x100000000),
      // ip_expire: ICMP time exceeded, code 1, quoting the first fragment
      onTimeout: (b, o, l) => {
        this.reasmDev?.drop(DropReason.REASSEMBLY, true);
        this.icmpError(IcmpType.TIME_EXCEEDED, 1, b, o, l, 0);
      },
    });
  }

  private get now(): number {
    return this.ns.lab.scheduler.now;
  }

  // ================= input =================

  /** An Ethernet frame received on `dev` (borrowed). `host`: the bridge says it is for us. */
  input(dev: NetDevice, buf: Uint8Array, off: number, len: number, host: boolean): void {
    const e = this.eth.wrap(buf, off, len);
    if (e.check() !== 0 || e.tagCount > 0) {
      dev.drop(DropReason.MALFORMED, true);
      this.ns.lab.note('malformed Ethernet frame: dropped');
      return;
    }
    // the destination MAC compared in place: a 48-bit number read per frame is a heap double
    const multi = (buf[off]! & 1) !== 0;
    if (!host && !multi && dev.kind !== 'loopback' && !isDevMac(buf, off, dev)) {
      dev.drop(DropReason.OTHERHOST, true);
      return;
    }
    const type = e.etherType;
    const po = e.payloadOffset;
    const pl = e.payloadLength;
    if (type === EtherType.IPV4) this.ipInput(dev, buf, po, pl, multi);
    else if (type === EtherType.ARP) this.arpInput(dev, buf, po, pl, multi);
    else dev.drop(DropReason.UNKNOWN_PROTO, true);
  }

  // ================= ARP =================

  private arpInput(dev: NetDevice, buf: Uint8Array, off: number, len: number, l2multi: boolean): void {
    const a = this.arp.wrap(buf, off, len);
    if (a.check() !== 0 || a.hwType !== 1 || a.protoType !== 0x0800 || a.hwLen !== 6 || a.protoLen !== 4) {
      dev.drop(DropReason.MALFORMED, true);
      this.ns.lab.note('malformed ARP packet: dropped');
      return;
    }
    const op = a.opcode;
    const sip = a.senderIp;
    const tip = a.targetIp;
    const sha = a.senderMac;
    const forUs = tip >>> 24 !== 127 && this.isLocalOn(tip);
    if (sip !== 0 && !isMulticast(sha)) {
      // arp_process: a request for us creates the asker's entry; a reply unicast to us confirms it
      const kind = op === ArpOp.REQUEST && forUs ? 'request-for-us' : op === ArpOp.REPLY && forUs && !l2multi ? 'reply' : 'other';
      this.neighActions(this.neigh.onArp(sip, sha, dev.ifindex, this.now, kind));
    }
    if (op === ArpOp.REQUEST && forUs && sip !== tip) this.sendArp(dev, ArpOp.REPLY, sha, tip, sha, sip);
  }

  /** arp_ignore=0: reply for any local address, whatever interface it is on. */
  private isLocalOn(ip: number): boolean {
    return this.ns.isLocal(ip);
  }

  private sendArp(dev: NetDevice, op: number, ethDst: number, sip: number, tha: number, tip: number): void {
    const b = this.arpTx;
    const o = HR;
    writeMac(b, o, ethDst);
    writeMac(b, o + 6, dev.mac);
    put16(b, o + 12, EtherType.ARP);
    const a = o + ETH;
    put16(b, a, 1);
    put16(b, a + 2, 0x0800);
    b[a + 4] = 6;
    b[a + 5] = 4;
    put16(b, a + 6, op);
    writeMac(b, a + 8, dev.mac);
    put32(b, a + 14, sip);
    writeMac(b, a + 18, tha);
    put32(b, a + 24, tip);
    // pad to the 60-byte Ethernet minimum, as the kernel does for ARP
    b.fill(0, a + ARP_LEN, o + 60);
    dev.xmit(b, o, 60);
  }

  /** Gratuitous ARP (an announcement: request with sender = target = the address). */
  gratuitousArp(dev: NetDevice, addr: number): void {
    if ((dev.kind !== 'veth' && dev.kind !== 'bridge' && dev.kind !== 'external') || dev.noArp) return;
    if (!dev.carrier) return;
    this.sendArp(dev, ArpOp.REQUEST, BROADCAST_MAC, addr, 0, addr);
  }

  private arpSourceFor(dev: NetDevice, target: number): number {
    for (const a of dev.addrs) if (a.len < 32 && ((a.addr ^ target) & prefixMask(a.len)) === 0) return a.addr;
    if (dev.addrs.length > 0) return dev.addrs[0]!.addr;
    for (const d of this.ns.devices) if (d.adminUp && d.kind !== 'loopback' && d.addrs.length > 0) return d.addrs[0]!.addr;
    return 0;
  }

  // ----- neighbours: the cache decides, the stack sends -----

  /** Whether there is an entry for `ip` on `dev`. */
  neighbour(dev: NetDevice, ip: number): boolean {
    return this.neigh.stateOf(ip, dev.ifindex) !== NUD_NONE;
  }

  /** `ip neigh add|replace … nud permanent`: releases any packets waiting for the address. */
  neighSet(dev: NetDevice, ip: number, mac: number, replace = true): void {
    this.neigh.add(ip, mac, dev.ifindex, this.now, NUD_PERMANENT, replace);
    const q = this.neigh.takeQueue(ip, dev.ifindex);
    if (q.length > 0) this.neighActions([{ kind: 'flush', ip, ifindex: dev.ifindex, mac, packets: q }]);
    this.armNeighTimer();
  }

  neighDelete(dev: NetDevice, ip: number): boolean {
    try {
      this.neigh.del(ip, dev.ifindex);
      return true;
    } catch (e) {
      if (e instanceof NeighborError) return false;
      throw e;
    }
  }

  /** `ip neigh flush [dev D]`: permanent (and noarp) entries stay, as iproute2 filters them. */
  neighFlush(dev?: NetDevice): void {
    for (const e of this.neigh.entries()) {
      if ((dev && e.ifindex !== dev.ifindex) || e.state === 'PERMANENT' || e.state === 'NOARP') continue;
      this.neigh.del(e.ip, e.ifindex);
    }
  }

  neighRows(): NeighEntry[] {
    this.runNeighTimers();
    return this.neigh.entries().filter((e) => e.state !== 'NONE');
  }

  /** Device removed or down: its neighbours go (neigh_ifdown); `keepPermanent` on admin down. */
  forgetDevice(dev: NetDevice, keepPermanent = false): void {
    if (!keepPermanent) {
      this.neigh.flushDev(dev.ifindex);
      return;
    }
    for (const e of this.neigh.entries())
      if (e.ifindex === dev.ifindex && e.state !== 'PERMANENT' && e.state !== 'NOARP') this.neigh.del(e.ip, e.ifindex);
  }

  /** Carries out what the cache asked for: ARP requests, queued packets sent or failed. */
  private neighActions(acts: readonly NeighAction[]): void {
    for (let i = 0; i < acts.length; i++) {
      const a = acts[i]!;
      const dev = this.ns.byIndex[a.ifindex];
      if (a.kind === 'solicit') {
        if (dev) this.sendArp(dev, ArpOp.REQUEST, a.dstMac, this.arpSourceFor(dev, a.ip), 0, a.ip);
      } else if (a.kind === 'flush') {
        if (!dev) continue;
        const b = this.flushTx;
        for (const p of a.packets) {
          b.set(p, TX_IP);
          const c = this.takeQueuedNote(p);
          if (c === null) this.sendTo(dev, a.mac, b, TX_IP, p.length);
          else {
            const prev = this.ns.lab.currentTxNote;
            this.ns.lab.noteTx(c);
            this.sendTo(dev, a.mac, b, TX_IP, p.length);
            this.ns.lab.noteTx(prev);
          }
        }
      } else {
        // resolution failed: every queued packet is answered with ICMP host unreachable (ipv4_link_failure)
        for (const p of a.packets) {
          this.takeQueuedNote(p);
          dev?.drop(DropReason.ARP_FAILED, false);
          this.ns.lab.noteTx(`ARP failed for ${ipv4ToString(a.ip)}${dev ? ` on ${dev.name}` : ''}: host unreachable`);
          this.icmpError(IcmpType.DEST_UNREACH, UnreachCode.HOST, p, 0, p.length, 0);
          this.ns.lab.noteTx(null);
        }
      }
    }
    this.armNeighTimer();
  }

  private readonly onNeighTimer = () => {
    this.neighTimer = null;
    this.neighTimerAt = Infinity;
    this.runNeighTimers();
  };

  private runNeighTimers(): void {
    this.neighActions(this.neigh.tick(this.now));
  }

  /** One scheduler timer at the cache's next deadline (the cache keeps no timers of its own). */
  private armNeighTimer(): void {
    const t = this.neigh.nextDeadline();
    if (t === this.neighTimerAt) return;
    this.neighTimer?.cancel();
    this.neighTimer = null;
    this.neighTimerAt = t;
    if (t !== Infinity) this.neighTimer = this.ns.lab.scheduler.after(Math.max(0, t - this.now), this.onNeighTimer);
  }

  /** Writes the Ethernet header in front of buf[ipOff] and transmits. */
  private sendTo(dev: NetDevice, mac: number, buf: Uint8Array, ipOff: number, len: number): void {
    const eo = ipOff - ETH;
    writeMac(buf, eo, mac);
    writeMac(buf, eo + 6, dev.mac);
    put16(buf, eo + 12, EtherType.IPV4);
    dev.xmit(buf, eo, len + ETH);
  }

  /**
   * Sends an IP packet at buf[ipOff, ipOff+len) to next hop `nh` on `dev`, writing the Ethernet
   * header into the 14 bytes in front of it. The cache queues a copy while the next hop is unresolved.
   */
  neighOutput(dev: NetDevice, nh: number, buf: Uint8Array, ipOff: number, len: number): void {
    if (dev.kind === 'loopback' || dev.noArp) {
      // no neighbour resolution: loopback, and IP-level external links (IFF_NOARP)
      this.sendTo(dev, 0, buf, ipOff, len);
      return;
    }
    nh = nh | 0; // compared as int32 below: a uint32 ≥ 2^31 passed on would be a heap number
    if (nh === -1 || this.isSubnetBroadcast(dev, nh)) {
      this.sendTo(dev, BROADCAST_MAC, buf, ipOff, len);
      return;
    }
    // Fast path: a PERMANENT/NOARP/REACHABLE entry, whose MAC bytes are copied into the frame.
    const id = this.neigh.connectedId(nh, dev.ifindex);
    if (id >= 0) {
      const eo = ipOff - ETH;
      this.neigh.writeMac(id, buf, eo);
      writeDevMac(buf, eo + 6, dev);
      buf[eo + 12] = EtherType.IPV4 >>> 8;
      buf[eo + 13] = EtherType.IPV4 & 0xff;
      dev.xmit(buf, eo, len + ETH);
      return;
    }
    const now = this.now;
    const mac = this.neigh.lookup(nh, now, dev.ifindex);
    if (mac >= 0) {
      // a STALE entry just moved to DELAY (probe in 5 s): make sure the timer is not later than that
      if (this.neighTimerAt > now + this.neigh.params.delayFirstProbeTime && this.neigh.stateOf(nh, dev.ifindex) === NUD_DELAY) this.armNeighTimer();
      this.sendTo(dev, mac, buf, ipOff, len);
      return;
    }
    const before = this.neigh.unresolvedDiscards;
    // a capture comment (a NAT translation) belongs to this packet, which now waits for ARP: not
    // to the ARP request sent meanwhile. It goes with the queued copy and is put back on the frame
    // that carries the packet when the queue is flushed.
    const note = this.ns.lab.currentTxNote;
    if (note !== null) {
      this.ns.lab.noteTx(null);
      (this.queuedNotes ??= new Map()).set(ipHeaderKey(buf, ipOff), note);
    }
    this.neighActions(this.neigh.resolve(nh >>> 0, dev.ifindex, now, buf, ipOff, len));
    if (note !== null) this.ns.lab.noteTx(note);
    if (this.neigh.unresolvedDiscards !== before) dev.drop(DropReason.QUEUE_FULL, false);
  }

  /** The capture comment of a packet released from a neighbour queue (and forgets it). */
  private takeQueuedNote(p: Uint8Array): string | null {
    const m = this.queuedNotes;
    if (m === null || m.size === 0) return null;
    const k = ipHeaderKey(p, 0);
    const c = m.get(k) ?? null;
    if (c !== null) m.delete(k);
    return c;
  }

  /** `a` as int32 or uint32; compared as int32. */
  private isSubnetBroadcast(dev: NetDevice, a: number): boolean {
    a = a | 0;
    for (const x of dev.addrs) {
      if (x.len >= 31) continue;
      if ((x.brd | 0) === a || (x.addr | ~prefixMask(x.len)) === a) return true;
    }
    return false;
  }

  // ================= IPv4 =================

  private ipInput(dev: NetDevice, buf: Uint8Array, off: number, len: number, l2multi: boolean): void {
    const ip = this.ip.wrap(buf, off, len);
    if (ip.check() !== 0 || !ip.verifyChecksum()) {
      dev.drop(DropReason.MALFORMED, true);
      this.ns.lab.note('malformed IPv4 packet: dropped');
      return;
    }
    const total = ip.totalLength;
    const nf = this.ns.netfilter;
    if (nf !== null && (u16(buf, off + 6) & 0x3fff) !== 0) {
      this.defrag(dev, buf, off, total, l2multi);
      return;
    }
    this.ipRcvFinish(dev, buf, off, total, l2multi);
  }

  /**
   * nf_defrag_ipv4: conntrack needs whole datagrams, so once netfilter is loaded fragments are
   * reassembled before PREROUTING, forwarded ones too (and fragmented again on the way out). The
   * datagram is copied behind link-layer headroom so it can be forwarded like any received frame.
   */
  private defrag(dev: NetDevice, buf: Uint8Array, off: number, len: number, l2multi: boolean): void {
    this.reasmDev = dev;
    const r = this.reasm.push(buf, off, len, this.now);
    if (r === null) return this.armReasmTimer();
    if (typeof r === 'number') {
      dev.drop(DropReason.REASSEMBLY, true);
      this.ns.lab.note(`fragment dropped by reassembly: ${wireErrorName(r)}`);
      return;
    }
    const b = (this.defragBuf ??= new Uint8Array(TX_IP + 65536));
    b.set(r.buf.subarray(r.off, r.off + r.len), TX_IP);
    this.ipRcvFinish(dev, b, TX_IP, r.len, l2multi);
  }

  /** PREROUTING, the routing decision, then local delivery or forwarding (ip_rcv_finish). */
  private ipRcvFinish(dev: NetDevice, buf: Uint8Array, off: number, total: number, l2multi: boolean): void {
    // netfilter PREROUTING runs before the routing decision: a DNAT changes where the packet goes
    const nf = this.ns.netfilter;
    if (nf === null) return this.routeInput(dev, buf, off, total, l2multi);
    if (!nf.prerouting(dev, buf, off, total)) return;
    this.routeInput(dev, buf, off, total, l2multi);
    // the kernel confirms a new connection at INPUT/POSTROUTING; one whose first packet went no
    // further (no route, ip_forward=0, TTL) is freed with the packet
    nf.rxDone();
  }

  /** The routing decision on the (possibly DNATed) destination: local delivery or forwarding. */
  private routeInput(dev: NetDevice, buf: Uint8Array, off: number, total: number, l2multi: boolean): void {
    const nf = this.ns.netfilter;
    const ip = this.ip.wrap(buf, off, total);
    const dst = ip.dst;
    if (this.ns.isLocal(dst) || dst === 0xffffffff || this.isSubnetBroadcast(dev, dst)) {
      if (nf !== null && !nf.input(dev, buf, off, total)) return;
      this.localDeliver(dev, buf, off, total);
      return;
    }
    if (l2multi || !this.forwarding) {
      // ip_route_input with forwarding off: not ours, silently dropped (ip_error does not reply)
      dev.drop(DropReason.NOT_FORWARDING, true);
      if (!l2multi) this.ns.lab.note(`not forwarded (ip_forward=0 in ${this.ns.name}): ${ipv4ToString(dst)} is not local`);
      return;
    }
    this.forward(dev, buf, off, total);
  }

  /** Routes and forwards a checked datagram received on `inDev` (the fast path). */
  forward(inDev: NetDevice, buf: Uint8Array, off: number, len: number): void {
    // int32 addresses on this path: a uint32 ≥ 2^31 passed to a call that is not inlined is boxed
    const dst = (buf[off + 16]! << 24) | (buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!;
    // lookupHop reads the next hop from the FIB's own slot arrays, not the Route object (a cache
    // miss per packet on a cold flow set); the Route is fetched only for netfilter/fragmentation
    const fib = this.ns.fib;
    const ifx = fib.lookupHop(dst);
    const out = ifx > 0 ? this.ns.byIndex[ifx] : undefined;
    if (out === undefined) {
      inDev.drop(DropReason.NO_ROUTE, true);
      this.ns.lab.note(`no route to ${ipv4ToString(dst >>> 0)} in ${this.ns.name}: ICMP net unreachable`);
      this.icmpError(IcmpType.DEST_UNREACH, UnreachCode.NET, buf, off, len, 0);
      return;
    }
    if (buf[off + 8]! <= 1) {
      inDev.drop(DropReason.TTL_EXPIRED, true);
      this.ns.lab.note(`TTL expired in ${this.ns.name}: ICMP time exceeded`);
      this.icmpError(IcmpType.TIME_EXCEEDED, 0, buf, off, len, 0);
      return;
    }
    const gw = fib.hopGateway;
    const nh = gw !== 0 ? gw : dst;
    if (len > out.mtu) {
      if ((buf[off + 6]! & 0x40) !== 0) {
        inDev.drop(DropReason.FRAG_NEEDED, true);
        this.ns.lab.note(`DF set and ${len} > mtu ${out.mtu} of ${out.name}: ICMP fragmentation needed`);
        this.icmpError(IcmpType.DEST_UNREACH, UnreachCode.FRAG_NEEDED, buf, off, len, out.mtu);
        return;
      }
      forwardRewrite(buf, off, 0, 0, 0);
      const nf = this.ns.netfilter;
      if (nf !== null && !nf.forward(inDev, out, this.sourceFor(fib.hopRoute(), out, dst), buf, off, len)) return;
      this.fragDev = out;
      this.fragNh = nh >>> 0;
      this.ns.lab.note(`fragmented to mtu ${out.mtu} of ${out.name}`);
      fragmentIpv4(buf, off, len, out.mtu, this.fragSink, this.fragScratch);
      if (nf !== null) nf.sent();
      return;
    }
    // TTL − 1 with an RFC 1624 checksum update; the MAC rewrite is done by neighOutput
    forwardRewrite(buf, off, 0, 0, 0);
    // netfilter FORWARD + POSTROUTING (after the TTL decrement, as ip_forward runs them)
    const nf = this.ns.netfilter;
    if (nf !== null && !nf.forward(inDev, out, this.sourceFor(fib.hopRoute(), out, dst), buf, off, len)) return;
    this.neighOutput(out, nh, buf, off, len);
    if (nf !== null) nf.sent();
  }

  /** Preferred source address for packets sent over `r` to `dst` (fib_select_addr / inet_select_addr). */
  sourceFor(r: Route, dev: NetDevice, dst: number): number {
    if (r.prefsrc) return r.prefsrc;
    const nh = r.gateway || dst;
    for (const a of dev.addrs) if (a.len < 32 && ((a.addr ^ nh) & prefixMask(a.len)) === 0) return a.addr;
    for (const a of dev.addrs) if (a.scope === 'global') return a.addr;
    for (const d of this.ns.devices) if (d.adminUp && d.kind !== 'loopback') for (const a of d.addrs) return a.addr;
    return 0;
  }

  /**
   * Sends a locally generated datagram already in buf[ipOff..+len) (header complete, checksum
   * filled). Returns '' or the errno the socket would see.
   */
  output(buf: Uint8Array, ipOff: number, len: number): string {
    const nf = this.ns.netfilter;
    if (nf === null) return this.outputRoute(buf, ipOff, len);
    // netfilter OUTPUT; the destination is read afterwards, so a DNAT there re-routes
    const e = nf.output(buf, ipOff, len);
    const r = e !== '' ? e : this.outputRoute(buf, ipOff, len);
    nf.txDone(); // an unrouted first packet leaves no unconfirmed entry behind
    return r;
  }

  private outputRoute(buf: Uint8Array, ipOff: number, len: number): string {
    const nf = this.ns.netfilter;
    const dst = u32(buf, ipOff + 16);
    if (this.ns.isLocal(dst)) {
      // the local route still matches with lo down; the packet dies on lo's xmit and the send
      // succeeds (checked: UDP sendto to our own address returns its length, ping sees no reply)
      if (!this.ns.lo.adminUp) {
        this.ns.lo.drop(DropReason.LINK_DOWN, false);
        return '';
      }
      if (nf !== null && !nf.postroutingLocal(this.ns.lo, dst, buf, ipOff, len)) return 'EPERM';
      this.neighOutput(this.ns.lo, dst, buf, ipOff, len);
      if (nf !== null) nf.sent();
      return '';
    }
    const r = this.ns.fib.lookup(dst);
    const dev = r !== null ? this.ns.byIndex[r.ifindex] : undefined;
    if (r === null || dev === undefined) return 'ENETUNREACH';
    if (len > dev.mtu && (buf[ipOff + 6]! & 0x40) !== 0) return 'EMSGSIZE';
    if (nf !== null && !nf.postroutingLocal(dev, this.sourceFor(r, dev, dst), buf, ipOff, len)) return 'EPERM';
    if (len > dev.mtu) {
      this.fragDev = dev;
      this.fragNh = r.gateway || dst;
      fragmentIpv4(buf, ipOff, len, dev.mtu, this.fragSink, this.fragScratch);
    } else this.neighOutput(dev, r.gateway || dst, buf, ipOff, len);
    if (nf !== null) nf.sent();
    return '';
  }

  /** Route lookup for a socket: the source address to use, or -1 when unreachable. */
  selectSource(dst: number): number {
    if (this.ns.isLocal(dst)) return dst;
    const r = this.ns.fib.lookup(dst);
    const dev = r !== null ? this.ns.byIndex[r.ifindex] : undefined;
    return r !== null && dev !== undefined ? this.sourceFor(r, dev, dst) : -1;
  }

  // ----- a tunnel's outer datagrams (vxlan-device.ts) -----
  // One route lookup serves the source address and the output, as vxlan_get_route's result is
  // reused by udp_tunnel_xmit_skb. The source chosen for (route, dst, device address count) is
  // remembered while it is still on the device (sourceFor walks address lists and returns a uint32
  // that may be a heap number); a source on another device is simply looked up again per packet.
  private tunDev: NetDevice | null = null;
  private tunNh = 0;
  private tunRoute: Route | null = null;
  private tunDst = 0;
  private tunAddrs = -1;
  private tunSrc = 0;

  /**
   * The source address (int32 bits) for a tunnel packet to `dst` (int32 or uint32), or -1 when
   * unreachable; remembers the route for the tunnelOutput() that follows. Allocation-free.
   */
  tunnelSource(dst: number): number {
    dst = dst | 0;
    this.tunDev = null;
    if (this.isLocal32(dst)) return dst; // over lo: output() takes it
    const r = this.ns.fib.lookup(dst);
    const dev = r !== null ? this.ns.byIndex[r.ifindex] : undefined;
    if (r === null || dev === undefined) return -1;
    this.tunDev = dev;
    this.tunNh = r.gateway !== 0 ? r.gateway | 0 : dst;
    if (r !== this.tunRoute || dst !== this.tunDst || dev.addrs.length !== this.tunAddrs || !this.hasAddr32(dev, this.tunSrc)) {
      this.tunRoute = r;
      this.tunDst = dst;
      this.tunAddrs = dev.addrs.length;
      this.tunSrc = this.sourceFor(r, dev, dst >>> 0) | 0;
    }
    return this.tunSrc;
  }

  /**
   * Sends a tunnel datagram built after tunnelSource(): straight to the neighbour output of the
   * route found there; local destinations, netfilter and oversized packets take output().
   */
  tunnelOutput(buf: Uint8Array, ipOff: number, len: number): string {
    const dev = this.tunDev;
    if (dev === null || this.ns.netfilter !== null || len > dev.mtu) return this.output(buf, ipOff, len);
    this.tunDev = null;
    this.neighOutput(dev, this.tunNh, buf, ipOff, len);
    return '';
  }

  /** Whether `a` (int32 bits) is still one of dev's addresses (an `ip addr del`+`add` keeps the count). */
  private hasAddr32(dev: NetDevice, a: number): boolean {
    const xs = dev.addrs;
    for (let j = 0; j < xs.length; j++) if ((xs[j]!.addr | 0) === a) return true;
    return false;
  }

  /** isLocal for an int32 (or uint32) address, with indexed loops: no iterator, no boxing. */
  private isLocal32(a: number): boolean {
    a = a | 0;
    const ds = this.ns.devices;
    for (let i = 0; i < ds.length; i++) {
      const d = ds[i]!;
      if (!d.adminUp) continue;
      const xs = d.addrs;
      for (let j = 0; j < xs.length; j++) if ((xs[j]!.addr | 0) === a) return true;
    }
    return a >>> 24 === 127 && this.ns.lo.adminUp;
  }

  mtuTo(dst: number): number {
    if (this.ns.isLocal(dst)) return this.ns.lo.mtu;
    const r = this.ns.fib.lookup(dst);
    return (r !== null ? this.ns.byIndex[r.ifindex]?.mtu : undefined) ?? 1500;
  }

  /**
   * Writes an IPv4 header at buf[ipOff] for a payload of `plen` bytes already in place.
   * `df`: 'want' sets DF when the datagram fits the route MTU (Linux IP_PMTUDISC_WANT).
   */
  writeHeader(buf: Uint8Array, ipOff: number, proto: number, src: number, dst: number, plen: number, ttl: number, df: boolean, tos = 0): void {
    buf[ipOff] = 0x45;
    buf[ipOff + 1] = tos;
    put16(buf, ipOff + 2, 20 + plen);
    this.ipId = (this.ipId + 1) & 0xffff;
    put16(buf, ipOff + 4, this.ipId);
    put16(buf, ipOff + 6, df ? 0x4000 : 0);
    buf[ipOff + 8] = ttl;
    buf[ipOff + 9] = proto;
    put16(buf, ipOff + 10, 0);
    put32(buf, ipOff + 12, src);
    put32(buf, ipOff + 16, dst);
    put16(buf, ipOff + 10, internetChecksum(buf, ipOff, 20));
  }

  /**
   * ICMP error about the datagram at buf[off..+len) to its source (RFC 1122 §3.2.2 rules via
   * shouldNotSendIcmpError). Source address: the one we would use to reach the original sender.
   */
  icmpError(type: number, code: number, buf: Uint8Array, off: number, len: number, nextHopMtu: number): void {
    if (shouldNotSendIcmpError(buf, off, len)) return;
    const to = u32(buf, off + 12);
    const src = this.selectSource(to);
    if (src < 0) return;
    const b = this.errTx;
    const ilen = emitIcmpError(type, code, buf, off, len, b, TX_IP + 20, { nextHopMtu });
    // ICMP errors go out with TOS 0xc0 (IPTOS_PREC_INTERNETCONTROL), as icmp_send does
    this.writeHeader(b, TX_IP, IpProto.ICMP, src, to, ilen, this.defaultTtl, false, 0xc0);
    this.output(b, TX_IP, 20 + ilen);
  }

  // ================= local delivery =================

  private localDeliver(dev: NetDevice, buf: Uint8Array, off: number, len: number): void {
    const ff = u16(buf, off + 6);
    if ((ff & 0x3fff) !== 0) {
      this.reassemble(dev, buf, off, len);
      return;
    }
    const hl = (buf[off]! & 0x0f) << 2;
    const proto = buf[off + 9]!;
    // int32 addresses (same bits): a uint32 ≥ 2^31 passed to a call that is not inlined is boxed
    const src = (buf[off + 12]! << 24) | (buf[off + 13]! << 16) | (buf[off + 14]! << 8) | buf[off + 15]!;
    const dst = (buf[off + 16]! << 24) | (buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!;
    const po = off + hl;
    const pl = len - hl;
    if (proto === IpProto.ICMP) this.icmpInput(dev, buf, off, po, pl, src, dst);
    else if (proto === IpProto.UDP) this.udpInput(dev, buf, off, len, po, pl, src, dst);
    else {
      dev.drop(DropReason.UNKNOWN_PROTO, true);
      this.icmpError(IcmpType.DEST_UNREACH, UnreachCode.PROTO, buf, off, len, 0);
    }
  }

  /** `src`/`dst` as int32 (localDeliver). */
  private icmpInput(dev: NetDevice, buf: Uint8Array, ipOff: number, o: number, l: number, src: number, dst: number): void {
    if (l < 8 || internetChecksum(buf, o, l) !== 0) {
      dev.drop(DropReason.MALFORMED, true);
      this.ns.lab.note('ICMP with a bad length or checksum: dropped');
      return;
    }
    const type = buf[o]!;
    if (type === IcmpType.ECHO_REQUEST) {
      // icmp_echo_ignore_broadcasts=1 (the kernel default)
      if (dst === -1 || this.isSubnetBroadcast(dev, dst)) return;
      const b = this.tx;
      b.set(buf.subarray(o, o + l), TX_IP + 20);
      b[TX_IP + 20] = IcmpType.ECHO_REPLY;
      put16(b, TX_IP + 22, 0);
      put16(b, TX_IP + 22, internetChecksum(b, TX_IP + 20, l));
      this.writeHeader(b, TX_IP, IpProto.ICMP, dst, src, l, this.defaultTtl, false);
      this.output(b, TX_IP, 20 + l);
      return;
    }
    const ttl = buf[ipOff + 8]!;
    for (const li of this.icmpListeners) li.onIcmp(type, buf[o + 1]!, buf, o, l, src >>> 0, ttl);
    // errors about UDP we sent: report to the socket (ECONNREFUSED etc.)
    if ((type === IcmpType.DEST_UNREACH || type === IcmpType.TIME_EXCEEDED) && l >= 8 + 28 && buf[o + 8 + 9] === IpProto.UDP) {
      const qhl = (buf[o + 8]! & 0x0f) << 2;
      if (l >= 8 + qhl + 4) {
        const sport = u16(buf, o + 8 + qhl);
        const s = this.udp.get(sport);
        if (s) s.errors.push(type === IcmpType.DEST_UNREACH && buf[o + 1] === UnreachCode.PORT ? 'ECONNREFUSED' : type === IcmpType.TIME_EXCEEDED ? 'ETIMEDOUT' : 'EHOSTUNREACH');
      }
    }
  }

  /** `src`/`dst` as int32 (localDeliver). */
  private udpInput(dev: NetDevice, buf: Uint8Array, ipOff: number, ipLen: number, o: number, l: number, src: number, dst: number): void {
    if (l < 8) return void dev.drop(DropReason.MALFORMED, true);
    const ulen = u16(buf, o + 4);
    if (ulen < 8 || ulen > l) {
      dev.drop(DropReason.MALFORMED, true);
      this.ns.lab.note('UDP length field disagrees with the datagram: dropped');
      return;
    }
    const csum = u16(buf, o + 6);
    if (csum !== 0 && fold(pseudoHeaderSum(src, dst, IpProto.UDP, ulen) + sumRange(buf, o, ulen)) !== 0xffff) {
      dev.drop(DropReason.MALFORMED, true);
      this.ns.lab.note('UDP checksum error: dropped');
      return;
    }
    const dport = u16(buf, o + 2);
    const s = this.udp.get(dport);
    if (!s || (s.boundAddr !== 0 && (s.boundAddr | 0) !== dst)) {
      dev.drop(DropReason.NO_SOCKET, true);
      if (dst !== -1 && !this.isSubnetBroadcast(dev, dst)) {
        this.ns.lab.note(`UDP port ${dport} closed in ${this.ns.name}: ICMP port unreachable`);
        this.icmpError(IcmpType.DEST_UNREACH, UnreachCode.PORT, buf, ipOff, ipLen, 0);
      }
      return;
    }
    // a tunnel socket (vxlan) takes the datagram in place: no copy, no allocation
    if (s.encapRcv !== null) return void s.encapRcv(dev, buf, ipOff, o, ulen, src);
    s.deliver(buf, o + 8, ulen - 8, src >>> 0, u16(buf, o), this.now);
  }

  /** A fragment for us: held until its datagram is complete, then delivered (RFC 791 §3.2). */
  private reassemble(dev: NetDevice, buf: Uint8Array, off: number, len: number): void {
    this.reasmDev = dev;
    const r = this.reasm.push(buf, off, len, this.now);
    if (r === null) {
      this.armReasmTimer();
      return;
    }
    if (typeof r === 'number') {
      dev.drop(DropReason.REASSEMBLY, true);
      this.ns.lab.note(`fragment dropped by reassembly: ${wireErrorName(r)}`);
      return;
    }
    // r is the reassembler's own buffer, valid until its next push: delivery copies what it keeps
    this.localDeliver(dev, r.buf, r.off, r.len);
  }

  private readonly reasmExpire = () => {
    this.reasmTimerAt = Infinity;
    this.reasm.expire(this.now);
    this.armReasmTimer();
  };

  private armReasmTimer(): void {
    const t = this.reasm.nextDeadline();
    if (t === Infinity || t >= this.reasmTimerAt) return;
    this.reasmTimerAt = t;
    this.ns.lab.scheduler.after(t - this.now, this.reasmExpire);
  }

  // ================= UDP sockets =================

  udpBind(port: number, address: string): UdpSocket {
    let p = port;
    if (p === 0) {
      // ephemeral range net.ipv4.ip_local_port_range = 32768 60999, picked from the lab rng
      do p = this.ns.lab.rng.range(32768, 60999);
      while (this.udp.has(p));
    } else if (this.udp.has(p)) throw Object.assign(new Error(`bind: Address already in use (port ${p})`), { code: 'EADDRINUSE' });
    const a = address === '0.0.0.0' ? 0 : u32(Uint8Array.from(address.split('.').map(Number)), 0);
    const s = new UdpSocket(this, p, a);
    this.udp.set(p, s);
    return s;
  }

  udpUnbind(s: UdpSocket): void {
    if (this.udp.get(s.port) === s) this.udp.delete(s.port);
  }

  udpSend(s: UdpSocket, dst: number, dport: number, data: Uint8Array): string {
    const src = s.boundAddr || this.selectSource(dst);
    if (src < 0) return 'ENETUNREACH';
    const b = this.tx;
    const o = TX_IP + 20;
    const ulen = 8 + data.length;
    if (ulen + 20 > 65535) return 'EMSGSIZE';
    put16(b, o, s.port);
    put16(b, o + 2, dport);
    put16(b, o + 4, ulen);
    put16(b, o + 6, 0);
    b.set(data, o + 8);
    let c = ~fold(pseudoHeaderSum(src, dst, IpProto.UDP, ulen) + sumRange(b, o, ulen)) & 0xffff;
    if (c === 0) c = 0xffff; // RFC 768: a computed zero is sent as all ones
    put16(b, o + 6, c);
    this.writeHeader(b, TX_IP, IpProto.UDP, src, dst, ulen, this.defaultTtl, 20 + ulen <= this.mtuTo(dst));
    return this.output(b, TX_IP, 20 + ulen);
  }
}

function sumRange(b: Uint8Array, o: number, l: number): number {
  let s = 0;
  const end = o + (l & ~1);
  for (let i = o; i < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (l & 1) s += b[o + l - 1]! << 8;
  return s;
}

/** Writes the device's MAC at b[o, o+6) without passing the 48-bit number to another call. */
function writeDevMac(b: Uint8Array, o: number, dev: NetDevice): void {
  const m = dev.mac;
  const hi = Math.floor(m / 0x100000000);
  const lo = m - hi * 0x100000000; // not m % 2^32: a float modulo is an fmod call per packet
  b[o] = hi >>> 8;
  b[o + 1] = hi;
  b[o + 2] = lo >>> 24;
  b[o + 3] = lo >>> 16;
  b[o + 4] = lo >>> 8;
  b[o + 5] = lo;
}

/** Whether b[o, o+6) is the device's MAC, compared as two int halves (no 48-bit number made). */
function isDevMac(b: Uint8Array, o: number, dev: NetDevice): boolean {
  const m = dev.mac;
  const hi = Math.floor(m / 0x100000000);
  const lo = (m % 0x100000000) | 0;
  return ((b[o]! << 8) | b[o + 1]!) === hi && ((b[o + 2]! << 24) | (b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!) === lo;
}

/** Identifies a queued packet by its IP header (id, addresses, checksum…): capture-only slow path. */
function ipHeaderKey(buf: Uint8Array, off: number): string {
  const hl = Math.min((buf[off]! & 0x0f) << 2, buf.length - off);
  let k = '';
  for (let i = 0; i < hl; i++) k += String.fromCharCode(buf[off + i]!);
  return k;
}
