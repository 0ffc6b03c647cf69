// A Weave-style overlay router: one per node, attached to the node's `weave` bridge as a bridge port
// (the device `vethwe-bridge`, whose other end is this router — in Weave the router captures on
// `vethwe-pcap`, the far end of that veth). Frames the bridge hands over are carried to the peer
// owning their destination MAC; broadcast, multicast and unknown destinations go to every peer.
//
// Flooding without loops: Weave floods along per-source broadcast routes (a spanning tree over the
// connection graph) and relays floods hop by hop. Our routers connect to every peer they hear of
// (see weave-peers.ts), so the mesh is full and a simpler rule is loop-free: a flood goes once to
// each directly connected peer, and a frame received from a peer is only ever delivered to the local
// bridge, never sent on to another peer.
//
// Underlay: UDP sockets in the node's namespace, through its routing/ARP like any application:
//   - sleeve (UDP 6783): frames batched per destination peer (SleeveBatcher, Weave's fit rule), a
//     batch flushed at the end of the scheduler tick that filled it or as soon as the next frame
//     does not fit. Control (gossip) rides the same port as special frames (weave-peers.ts).
//   - fastdp (UDP 6784): one VXLAN datagram per frame, VNI = src short ID | dst short ID << 12
//     (weave-fastdp.ts). Deviation: the kernel's vxlan device picks the outer source port from a
//     hash of the inner flow; our socket always sends from 6784.
//
// Path MTU (mtu.ts): the overlay MTU is underlay MTU − 62 for sleeve (1438 on a 1500 underlay) and
// − 50 for fastdp over VXLAN (1450). An IPv4 frame whose datagram exceeds it is, with DF set,
// answered with ICMP "fragmentation needed" carrying the overlay MTU, built as Weave's router does
// (sleeve.go / ethernet_decoder.go): MACs swapped, source = the original destination, TTL 64, IP ID
// 0, quoting the header + 8 bytes; it enters the bridge from the router's port as if the
// destination had sent it. A too-big DF broadcast is dropped (Weave: no single sender to tell).
// Without DF the router fragments the datagram to the overlay MTU (src/ip/fragment.ts) and sends
// the fragments, as Weave's sleeve does when it cannot trust the kernel to fragment.
import type { Port, RxHandler, Medium } from '../link/port.ts';
import type { Netns } from '../lab/netns.ts';
import type { Lab } from '../lab/lab.ts';
import type { NetDevice } from '../lab/net-device.ts';
import type { UdpSocket, UdpMessage } from '../lab/udp-socket.ts';
import { readMac, writeMac, macToString, BROADCAST_MAC } from '../ethernet/mac.ts';
import { ipv4ToString, tryParseIpv4 } from '../ip/address.ts';
import { u16, put16 } from '../bytes.ts';
import { emitIcmpError, IcmpType, UnreachCode } from '../ip/icmp.ts';
import { internetChecksum } from '../ip/checksum.ts';
import { fragmentIpv4 } from '../ip/fragment.ts';
import { SleeveView, SleeveBatcher, SLEEVE_UDP_PORT, PEER_NAME_LEN, SLEEVE_FRAME_HEADER_LEN } from './weave-sleeve.ts';
import { FASTDP_UDP_PORT, fastdpVni, fastdpSrcShortId, fastdpDstShortId, SHORT_ID_MAX } from './weave-fastdp.ts';
import { VxlanView, vxlanSemanticError, emitVxlan, VXLAN_HEADER_LEN, VXLAN_FLAG_I } from './vxlan.ts';
import { sleeveOverlayMtu, vxlanOverlayMtu, sleeveMaxPayload, ETHERNET_MTU } from './mtu.ts';
import { Topology, decodeGossip, GOSSIP_TAG, type PeerEntry } from './weave-peers.ts';
import { MacTable } from './weave-macs.ts';
import { Ipam, WEAVE_DEFAULT_RANGE } from './ipam.ts';

export type WeaveMode = 'sleeve' | 'fastdp';

export interface WeaveLaunchOptions {
  mode?: WeaveMode;
  /** Peer name (Weave: `--name`, a MAC); default the next lab MAC. */
  name?: number;
  /** Default: the namespace name (Weave: the host name). */
  nickname?: string;
  /** Underlay IPv4 addresses (dotted quads) to connect to. */
  peers?: string[];
  /** Bridge to attach to (created and brought up if missing). Default `weave`. */
  bridge?: string;
  /** Underlay MTU the overlay MTU is derived from (default: the MTU towards the first peer, else 1500). */
  underlayMtu?: number;
  /** Overlay MTU override (Weave: WEAVE_MTU). */
  mtu?: number;
  ipallocRange?: string;
}

/** Counters (`weave status`-style figures and test assertions). */
export class WeaveStats {
  captured = 0;       // frames the bridge handed to the router
  sentFrames = 0;     // inner frames sent to peers (a flood counts once per peer)
  sentDatagrams = 0;  // data datagrams sent (sleeve batches or VXLAN datagrams)
  received = 0;       // inner frames received from peers and delivered to the bridge
  floods = 0;         // captured frames sent to every peer
  fragNeeded = 0;     // ICMP fragmentation needed sent back to a pod
  fragmented = 0;     // datagrams split to the overlay MTU
  gossipSent = 0;
  gossipReceived = 0;
  dropLocal = 0;      // destination MAC is on our own bridge
  dropNoPeer = 0;     // owner known but not connected
  dropTooBig = 0;     // oversized DF broadcast, or non-IPv4 frame over the MTU
  dropNotForUs = 0;   // received frame addressed to another peer (we never relay)
  dropMalformed = 0;
}

const ETH = 14;
const routersByLab = new WeakMap<Lab, Map<string, WeaveRouter>>();
const ipamByLab = new WeakMap<Lab, Ipam>();

/** The routers launched in a lab, by namespace name. */
export function weaveRouters(lab: Lab): Map<string, WeaveRouter> {
  let m = routersByLab.get(lab);
  if (!m) routersByLab.set(lab, (m = new Map()));
  return m;
}

interface PeerLink {
  entry: PeerEntry;
  addr: number;
  batcher: SleeveBatcher | null;
}

export class WeaveRouter implements Port {
  readonly name = 'vethwe-bridge';
  readonly medium: Medium = 'ethernet';
  mtu = ETHERNET_MTU;
  readonly headroom = 0;
  readonly mode: WeaveMode;
  readonly topology: Topology;
  readonly macs = new MacTable();
  readonly stats = new WeaveStats();
  /** Largest inner IPv4 datagram carried without fragmentation or frag-needed. */
  readonly overlayMtu: number;
  readonly underlayMtu: number;
  readonly device: NetDevice;
  readonly bridgeName: string;
  readonly ipallocRange: string;
  private rx: RxHandler | null = null;
  private readonly sleeveSock: UdpSocket;
  private readonly fastdpSock: UdpSocket | null = null;
  private readonly links = new Map<number, PeerLink>();
  /** Addresses we have sent a hello to (the connection maker tries each once). */
  private readonly tried = new Set<number>();
  private flushArmed = false;
  private gossipArmed = false;
  private readonly txBuf = new Uint8Array(VXLAN_HEADER_LEN + 65535);
  private readonly fragScratch = new Uint8Array(65536);
  private readonly fragFrame = new Uint8Array(65536 + ETH);
  private readonly vx = new VxlanView();
  private readonly sv = new SleeveView();

  private constructor(readonly ns: Netns, o: WeaveLaunchOptions) {
    this.mode = o.mode ?? 'sleeve';
    this.bridgeName = o.bridge ?? 'weave';
    this.ipallocRange = o.ipallocRange ?? WEAVE_DEFAULT_RANGE;
    const lab = ns.lab;
    const peers = (o.peers ?? []).map((p) => {
      const a = tryParseIpv4(p);
      if (a < 0) throw new Error(`weave: invalid peer address "${p}"`);
      return a;
    });
    this.underlayMtu = o.underlayMtu ?? (peers.length ? ns.stack.mtuTo(peers[0]!) : ETHERNET_MTU);
    this.overlayMtu = o.mtu ?? (this.mode === 'sleeve' ? sleeveOverlayMtu(this.underlayMtu) : vxlanOverlayMtu(this.underlayMtu));
    const addr = underlayAddress(ns, peers[0]);
    this.topology = new Topology({
      name: o.name ?? lab.nextMac(), nickname: o.nickname ?? ns.name, shortId: lab.rng.int(SHORT_ID_MAX + 1),
      addr, version: 1, conns: [], macs: [],
    });
    // sockets first: a bind failure (router already running) leaves nothing behind
    this.sleeveSock = ns.udpBind(SLEEVE_UDP_PORT);
    if (this.mode === 'fastdp') {
      try {
        this.fastdpSock = ns.udpBind(FASTDP_UDP_PORT);
      } catch (e) {
        this.sleeveSock.close();
        throw e;
      }
    }
    this.sleeveSock.onMessage(this.onSleeve);
    this.fastdpSock?.onMessage(this.onFastdp);
    if (!ns.dev(this.bridgeName)) {
      ns.linkAddBridge(this.bridgeName);
    }
    ns.linkSet(this.bridgeName, { up: true });
    this.device = ns.linkAddExternal(this.name, this, { wallClock: false });
    ns.linkSet(this.name, { master: this.bridgeName, up: true });
    for (const a of peers) this.hello(a, 0);
  }

  /** `weave launch`: a router in `ns` (one per namespace). */
  static launch(ns: Netns, o: WeaveLaunchOptions = {}): WeaveRouter {
    const all = weaveRouters(ns.lab);
    if (all.has(ns.name)) throw new Error('weave: router already running in this namespace');
    const r = new WeaveRouter(ns, o);
    all.set(ns.name, r);
    return r;
  }

  get peerName(): number {
    return this.topology.self.name;
  }
  get shortId(): number {
    return this.topology.self.shortId;
  }
  /** Connected peers (names), sorted. */
  connectedPeers(): number[] {
    return [...this.links.keys()].sort((a, b) => a - b);
  }

  // ---------------- Port: frames from the bridge ----------------

  attach(rx: RxHandler): void {
    this.rx = rx;
  }

  transmit(buf: Uint8Array, off: number, len: number): void {
    if (len < ETH) return;
    this.stats.captured++;
    const now = this.ns.lab.now;
    const src = readMac(buf, off + 6);
    if (!(buf[off + 6]! & 1) && this.macs.learn(src, this.peerName, now) !== 'same') {
      // unicast source (I/G bit clear) seen on our bridge: ours; tell the others
      const self = this.topology.self;
      if (!self.macs.includes(src)) self.macs.push(src);
      this.topology.touch();
      this.armGossip();
    }
    const ip = off + ETH;
    if (u16(buf, off + 12) === 0x0800 && len - ETH > this.overlayMtu) {
      const totalLen = u16(buf, ip + 2);
      if (totalLen > this.overlayMtu) {
        const dst = readMac(buf, off);
        if (buf[ip + 6]! & 0x40) {
          if (dst === BROADCAST_MAC || buf[off]! & 1) this.stats.dropTooBig++;
          else this.fragNeeded(buf, off, len);
          return;
        }
        this.fragHdr = off;
        this.fragBuf = buf;
        const n = fragmentIpv4(buf, ip, len - ETH, this.overlayMtu, this.fragSink, this.fragScratch);
        if (n > 1) this.stats.fragmented++;
        else if (n < 0) this.stats.dropMalformed++;
        return;
      }
    } else if (len - ETH > this.overlayMtu) {
      this.stats.dropTooBig++;
      return;
    }
    this.forward(buf, off, len);
  }

  private fragBuf: Uint8Array = this.fragFrame;
  private fragHdr = 0;
  private readonly fragSink = (b: Uint8Array, o: number, l: number): void => {
    const f = this.fragFrame;
    for (let i = 0; i < ETH; i++) f[i] = this.fragBuf[this.fragHdr + i]!;
    f.set(b.subarray(o, o + l), ETH);
    this.forward(f, 0, ETH + l);
  };

  /** Unicast to the owning peer, or flood to every connected peer. */
  private forward(buf: Uint8Array, off: number, len: number): void {
    const now = this.ns.lab.now;
    if (!(buf[off]! & 1)) {
      const dst = readMac(buf, off);
      let owner = this.macs.lookup(dst, now);
      if (owner < 0) owner = this.topology.ownerOf(dst);
      if (owner === this.peerName) {
        this.stats.dropLocal++;
        return;
      }
      if (owner >= 0) {
        const l = this.links.get(owner);
        if (l) this.sendTo(l, buf, off, len);
        else this.stats.dropNoPeer++;
        return;
      }
    }
    this.stats.floods++;
    for (const name of this.connectedPeers()) this.sendTo(this.links.get(name)!, buf, off, len);
  }

  private sendTo(l: PeerLink, buf: Uint8Array, off: number, len: number): void {
    this.stats.sentFrames++;
    if (this.mode === 'fastdp') {
      const t = this.txBuf;
      emitVxlan({ flags: VXLAN_FLAG_I, vni: fastdpVni(this.shortId, l.entry.shortId) }, t, 0);
      t.set(buf.subarray(off, off + len), VXLAN_HEADER_LEN);
      this.stats.sentDatagrams++;
      this.ns.stack.udpSend(this.fastdpSock!, l.addr, FASTDP_UDP_PORT, t.subarray(0, VXLAN_HEADER_LEN + len));
      return;
    }
    let b = l.batcher;
    if (!b) {
      b = l.batcher = new SleeveBatcher(new Uint8Array(sleeveMaxPayload(this.underlayMtu)), 0, sleeveMaxPayload(this.underlayMtu));
      b.begin(this.peerName);
    }
    if (!b.fits(len)) {
      this.flushLink(l);
      if (!b.fits(len)) {
        this.stats.dropTooBig++; // a lone frame over the budget (Weave drops it too)
        return;
      }
    }
    b.append(this.peerName, l.entry.name, buf, off, len);
    if (!this.flushArmed) {
      this.flushArmed = true;
      this.ns.lab.scheduler.after(0, this.flushAll);
    }
  }

  private readonly flushAll = (): void => {
    this.flushArmed = false;
    for (const name of this.connectedPeers()) this.flushLink(this.links.get(name)!);
  };

  private flushLink(l: PeerLink): void {
    const b = l.batcher;
    if (!b || b.frames === 0) return;
    const n = b.flush();
    this.stats.sentDatagrams++;
    this.ns.stack.udpSend(this.sleeveSock, l.addr, SLEEVE_UDP_PORT, b.buf.subarray(b.off, b.off + n));
  }

  /** ICMP 3/4 back to the sender of an oversized DF datagram, entering the bridge from our port. */
  private fragNeeded(buf: Uint8Array, off: number, len: number): void {
    const ip = off + ETH;
    const hl = (buf[ip]! & 0x0f) << 2;
    const f = new Uint8Array(ETH + 20 + 8 + hl + 8);
    for (let i = 0; i < 6; i++) {
      f[i] = buf[off + 6 + i]!;
      f[6 + i] = buf[off + i]!;
    }
    put16(f, 12, 0x0800);
    const o = ETH;
    f[o] = 0x45;
    f[o + 1] = buf[ip + 1]!;
    f[o + 8] = 64;
    f[o + 9] = 1;
    for (let i = 0; i < 4; i++) {
      f[o + 12 + i] = buf[ip + 16 + i]!;
      f[o + 16 + i] = buf[ip + 12 + i]!;
    }
    const ilen = emitIcmpError(IcmpType.DEST_UNREACH, UnreachCode.FRAG_NEEDED, buf, ip, len - ETH, f, o + 20, { nextHopMtu: this.overlayMtu, maxQuote: hl + 8 });
    put16(f, o + 2, 20 + ilen);
    put16(f, o + 10, internetChecksum(f, o, 20));
    this.stats.fragNeeded++;
    // delivered in a later event: we are inside the bridge's forwarding of the offending frame
    this.ns.lab.scheduler.after(0, () => this.rx?.(f, 0, ETH + 20 + ilen));
  }

  // ---------------- from the underlay ----------------

  private readonly onSleeve = (m: UdpMessage): void => {
    const v = this.sv.wrap(m.data, 0, m.data.length);
    if (m.data.length < PEER_NAME_LEN) {
      this.stats.dropMalformed++;
      return;
    }
    if (v.check() !== 0) this.stats.dropMalformed++; // frames before the fault are still delivered, as Weave does
    const now = this.ns.lab.now;
    for (let ok = v.first(); ok; ok = v.next()) {
      const fo = v.frameOff;
      const fl = v.frameLen;
      if (fl >= ETH && isSpecial(m.data, fo)) {
        if (fl > ETH && m.data[fo + ETH] === GOSSIP_TAG) this.onGossip(v.sender, tryParseIpv4(m.address), m.data.subarray(fo + ETH + 1, fo + fl));
        continue;
      }
      if (fl < ETH) {
        this.stats.dropMalformed++;
        continue;
      }
      if (v.destination !== this.peerName) {
        this.stats.dropNotForUs++;
        continue;
      }
      this.deliver(v.capturer, m.data, fo, fl, now);
    }
  };

  private readonly onFastdp = (m: UdpMessage): void => {
    const v = this.vx.wrap(m.data, 0, m.data.length);
    if (v.check() !== 0 || vxlanSemanticError(v) !== 0 || v.payloadLength < ETH) {
      this.stats.dropMalformed++;
      return;
    }
    if (fastdpDstShortId(v.vni) !== this.shortId) {
      this.stats.dropNotForUs++;
      return;
    }
    const src = this.topology.byShortId(fastdpSrcShortId(v.vni));
    if (!src || src.name === this.peerName) {
      this.stats.dropMalformed++;
      return;
    }
    this.deliver(src.name, m.data, v.payloadOffset, v.payloadLength, this.ns.lab.now);
  };

  private deliver(capturer: number, buf: Uint8Array, off: number, len: number, now: number): void {
    const src = readMac(buf, off + 6);
    if (!(buf[off + 6]! & 1)) this.macs.learn(src, capturer, now);
    this.stats.received++;
    this.rx?.(buf, off, len);
  }

  // ---------------- gossip ----------------

  /** Sends our state to `addr` (recipient name 0 when not known yet). */
  private hello(addr: number, to: number): void {
    this.tried.add(addr);
    this.sendGossip(addr, to);
  }

  private sendGossip(addr: number, to: number): void {
    const body = this.topology.encode();
    const fl = ETH + 1 + body.length;
    const d = new Uint8Array(PEER_NAME_LEN + SLEEVE_FRAME_HEADER_LEN + fl);
    writeMac(d, 0, this.peerName);
    writeMac(d, PEER_NAME_LEN, this.peerName);
    writeMac(d, PEER_NAME_LEN + 6, to);
    put16(d, PEER_NAME_LEN + 12, fl);
    const p = PEER_NAME_LEN + SLEEVE_FRAME_HEADER_LEN; // 14 zero bytes: the special frame header
    d[p + ETH] = GOSSIP_TAG;
    d.set(body, p + ETH + 1);
    this.stats.gossipSent++;
    this.ns.stack.udpSend(this.sleeveSock, addr, SLEEVE_UDP_PORT, d);
  }

  private onGossip(sender: number, addr: number, body: Uint8Array): void {
    const entries = decodeGossip(body);
    if (!entries || sender === this.peerName) {
      this.stats.dropMalformed++;
      return;
    }
    this.stats.gossipReceived++;
    let changed = this.topology.merge(entries);
    const self = this.topology.self;
    if (!this.links.has(sender)) {
      const entry = this.topology.peers.get(sender);
      if (!entry) return; // gossip that does not describe its own sender: ignore
      this.links.set(sender, { entry, addr, batcher: null });
      self.conns = this.connectedPeers();
      this.topology.touch();
      changed = true;
    }
    for (const l of this.links.values()) l.entry = this.topology.peers.get(l.entry.name) ?? l.entry;
    // short ID clash: the peer with the higher name picks again (Weave resolves clashes by gossip too)
    for (const p of this.topology.peers.values()) {
      if (p.name !== self.name && p.shortId === self.shortId && self.name > p.name) {
        const used = new Set([...this.topology.peers.values()].map((x) => x.shortId));
        let id = self.shortId;
        while (used.has(id)) id = (id + 1) & SHORT_ID_MAX;
        self.shortId = id;
        this.topology.touch();
        changed = true;
      }
    }
    // connection maker: connect to every peer we hear of
    for (const p of this.topology.peers.values()) {
      if (p.name === self.name || this.links.has(p.name) || this.tried.has(p.addr) || p.addr === 0) continue;
      this.hello(p.addr, p.name);
    }
    if (changed) this.armGossip();
  }

  /** One gossip round to every connected peer at the end of this tick (coalesces bursts). */
  private armGossip(): void {
    if (this.gossipArmed) return;
    this.gossipArmed = true;
    this.ns.lab.scheduler.after(0, () => {
      this.gossipArmed = false;
      for (const name of this.connectedPeers()) this.sendGossip(this.links.get(name)!.addr, name);
    });
  }

  // ---------------- IPAM ----------------

  /**
   * The cluster's IPAM (one converged view per lab, as ipam.ts describes): created at the first
   * allocation from the peers this router knows then (Weave's consensus among the initial peers),
   * split equally in name order; a peer appearing later joins and asks for space.
   */
  ipam(): Ipam {
    const lab = this.ns.lab;
    let ipam = ipamByLab.get(lab);
    if (!ipam) {
      ipam = Ipam.create(this.topology.sorted().map((p) => macToString(p.name)), this.ipallocRange);
      ipamByLab.set(lab, ipam);
    }
    const me = macToString(this.peerName);
    if (!ipam.peerNames().includes(me)) ipam.join(me);
    return ipam;
  }

  /** `weave ipam alloc ID` / `weave attach`: an address for a container (idempotent), or null. */
  allocate(containerId: string): number | null {
    const ipam = this.ipam();
    const me = macToString(this.peerName);
    let a = ipam.allocate(me, containerId);
    if (a === null && ipam.requestSpace(me)) a = ipam.allocate(me, containerId);
    return a;
  }

  /** Prefix length of the allocation range (pods get addresses /len, Weave's default /12). */
  get rangePrefix(): number {
    return Number(this.ipallocRange.split('/')[1] ?? 12);
  }

  // ---------------- status ----------------

  /** `weave status` (layout after Weave's). */
  status(): string[] {
    const self = this.topology.self;
    const known = this.topology.peers.size;
    const conns = this.links.size;
    const ipam = ipamByLab.get(this.ns.lab);
    const me = macToString(this.peerName);
    const lines = [
      '',
      `        Version: wirestack (weave-compatible ${this.mode === 'sleeve' ? 'sleeve' : 'fastdp'} overlay)`,
      '',
      '        Service: router',
      '       Protocol: weave (control modelled as UDP gossip)',
      `           Name: ${me}(${self.nickname})`,
      '     Encryption: disabled',
      `  PeerDiscovery: enabled`,
      `        Targets: ${[...this.tried].length}`,
      `    Connections: ${conns} (${conns} established)`,
      `          Peers: ${known} (with ${this.topology.sorted().reduce((n, p) => n + p.conns.length, 0)} established connections)`,
      ` TrustedSubnets: none`,
      '',
      `        Service: ipam`,
      `         Status: ${ipam ? 'ready' : 'idle'}`,
      `          Range: ${this.ipallocRange}`,
      `  DefaultSubnet: ${this.ipallocRange}`,
      '',
      `       Datapath: ${this.mode}  MTU ${this.overlayMtu} (underlay ${this.underlayMtu})`,
      `           MACs: ${this.macs.size} learned, ${this.topology.sorted().reduce((n, p) => n + p.macs.length, 0)} gossiped`,
    ];
    return lines;
  }

  /** `weave status peers`: each peer and its connections, as Weave prints them. */
  statusPeers(): string[] {
    const out: string[] = [];
    for (const p of this.topology.sorted()) {
      out.push(`${macToString(p.name)}(${p.nickname})`);
      for (const c of p.conns) {
        const q = this.topology.peers.get(c);
        const addr = q ? ipv4ToString(q.addr) : '?';
        out.push(`   -> ${addr}:6783     ${macToString(c)}(${q?.nickname ?? '?'})     established`);
      }
    }
    return out;
  }

  /** `weave status connections`. */
  statusConnections(): string[] {
    return this.connectedPeers().map((n) => {
      const l = this.links.get(n)!;
      return `-> ${ipv4ToString(l.addr)}:6783     established ${this.mode} ${macToString(n)}(${l.entry.nickname}) mtu=${this.overlayMtu}`;
    });
  }

  /** MAC table lines: `mac  peer(nickname)`. */
  statusMacs(): string[] {
    return this.macs.entries().map(([mac, owner]) => `${macToString(mac)} -> ${macToString(owner)}(${this.topology.peers.get(owner)?.nickname ?? '?'})`);
  }

  /** Stops the router: sockets closed, device removed (the bridge stays). */
  stop(): void {
    this.sleeveSock.close();
    this.fastdpSock?.close();
    if (this.ns.dev(this.name)) this.ns.linkDel(this.name);
    weaveRouters(this.ns.lab).delete(this.ns.name);
  }
}

/** Weave's "special" frame: all-zero MACs and a zero EtherType/length field. */
function isSpecial(b: Uint8Array, o: number): boolean {
  for (let i = 0; i < ETH; i++) if (b[o + i] !== 0) return false;
  return true;
}

/** The namespace's address towards `peer` (its route's preferred source), else its first global one. */
function underlayAddress(ns: Netns, peer: number | undefined): number {
  if (peer !== undefined) {
    try {
      const m = /src (\S+)/.exec(ns.routeGet(ipv4ToString(peer)));
      if (m) return tryParseIpv4(m[1]!) >>> 0;
    } catch {
      // no route yet: fall through
    }
  }
  for (const d of ns.devices) for (const a of d.addrs) if (a.scope === 'global') return a.addr;
  return 0;
}

