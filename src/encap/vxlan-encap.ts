// VXLAN encapsulation and decapsulation of whole Ethernet frames (RFC 7348 §5):
//
//   outer Ethernet (14) | outer IPv4 (20) | outer UDP (8) | VXLAN (8) | inner Ethernet frame ...
//   <------------------------------ VXLAN_ENCAP_OVERHEAD = 50 ---------->
//
// Encapsulation writes the 50 bytes into the headroom in front of the inner frame (as the kernel's
// vxlan_xmit_one pushes headers into the sk_buff headroom): the inner frame is never copied.
//
// Transmit choices follow Linux's vxlan driver: outer UDP checksum 0 (udp_csum off by default for
// IPv4, RFC 7348 §5 "SHOULD be transmitted as zero"), DF clear (df unset), TTL 64 when none given
// (Linux uses ip_default_ttl for unicast), outer source port from a hash of the inner flow scaled into
// [min, max] the way udp_flow_src_port does, so one flow keeps one port (ECMP entropy, RFC 7348 §5).
// On receive a nonzero UDP checksum is verified and a zero one accepted (RFC 768).
import { u16, u32, put16, put32 } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import { EthernetView, ETH_HEADER_LEN, EtherType } from '../ethernet/frame.ts';
import { readMac, writeMac } from '../ethernet/mac.ts';
import { Ipv4View, IPV4_MIN_HEADER } from '../ip/ipv4.ts';
import { UdpView, UDP_HEADER_LEN, IPPROTO_UDP } from '../ip/udp.ts';
import { VxlanView, VXLAN_HEADER_LEN, VXLAN_PORT, vxlanSemanticError } from './vxlan.ts';

/** Outer Ethernet + IPv4 (no options) + UDP + VXLAN. */
export const VXLAN_ENCAP_OVERHEAD = ETH_HEADER_LEN + IPV4_MIN_HEADER + UDP_HEADER_LEN + VXLAN_HEADER_LEN;
/** RFC 7348 §5 recommends the dynamic/private range for the source port. */
export const VXLAN_SRC_PORT_MIN = 49152;
export const VXLAN_SRC_PORT_MAX = 65535;

// Offsets of the outer headers relative to the start of the outer frame.
const O_ETH = 0;
const O_IP = ETH_HEADER_LEN;
const O_UDP = O_IP + IPV4_MIN_HEADER;
const O_VXLAN = O_UDP + UDP_HEADER_LEN;

/** A big-endian 32-bit word as an int32 (the same bits as u32, but never a heap number). */
function i32(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}

function fmix32(h: number): number {
  // murmur3's finaliser: every input bit affects every output bit.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0; // int32, not uint32: values ≥ 2^31 would be boxed as heap numbers between calls
}
function mix(h: number, w: number): number {
  h ^= fmix32(w);
  h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  return h;
}

/**
 * 32-bit hash of the inner flow: IPv4 addresses and protocol, plus TCP/UDP/SCTP ports when the
 * datagram is not a non-first fragment; for non-IPv4 frames the MACs and EtherType (as Linux falls
 * back to a hash of the Ethernet header when the flow dissector finds nothing). Returned as an int32
 * (same 32 bits; no heap-number boxing). Never allocates.
 */
export function innerFlowHash(buf: Uint8Array, off: number, len: number, seed: number): number {
  let h = seed | 0;
  if (len < ETH_HEADER_LEN) return fmix32(h ^ len);
  const type = u16(buf, off + 12);
  const ip = off + ETH_HEADER_LEN;
  if (type === EtherType.IPV4 && len >= ETH_HEADER_LEN + IPV4_MIN_HEADER && buf[ip]! >> 4 === 4) {
    const proto = buf[ip + 9]!;
    h = mix(h, i32(buf, ip + 12));
    h = mix(h, i32(buf, ip + 16));
    h = mix(h, proto);
    const hl = (buf[ip]! & 0x0f) << 2;
    const firstFragment = (u16(buf, ip + 6) & 0x1fff) === 0;
    if (firstFragment && (proto === 6 || proto === 17 || proto === 132) && len >= ETH_HEADER_LEN + hl + 4) h = mix(h, i32(buf, ip + hl));
    return fmix32(h);
  }
  h = mix(h, i32(buf, off));
  h = mix(h, (u16(buf, off + 4) << 16) | u16(buf, off + 6));
  h = mix(h, i32(buf, off + 8));
  h = mix(h, type);
  return fmix32(h);
}

/** Linux's udp_flow_src_port scaling: hash ^= hash << 16, then ((u64)hash * (max − min)) >> 32 + min. */
export function flowSrcPort(hash: number, min: number, max: number): number {
  const h = (hash ^ (hash << 16)) >>> 0;
  return Math.floor((h * (max - min)) / 0x100000000) + min;
}

/** What one VTEP→VTEP tunnel writes in front of each frame. Mutable so a caller can retarget it. */
export interface VxlanTunnel {
  outerSrcMac: number;
  outerDstMac: number;
  srcIp: number;
  dstIp: number;
  /** Default VXLAN_PORT (4789); 8472 for Linux's old default or 6784 for Weave fastdp. */
  dstPort?: number;
  vni: number;
  ttl?: number;
  tos?: number;
  df?: boolean;
  srcPortMin?: number;
  srcPortMax?: number;
  /** Seed of the flow hash (Linux's is random per boot; ours is chosen, for reproducible captures). */
  hashSeed?: number;
}

/**
 * Encapsulates frames in place. One instance per tunnel (or retarget `t` between calls); keeps the IP
 * ID counter. encapsulate() allocates nothing.
 */
export class VxlanEncapsulator {
  ipId: number;
  private readonly t: Required<VxlanTunnel>;

  constructor(t: VxlanTunnel, firstIpId = 0) {
    this.t = {
      dstPort: VXLAN_PORT, ttl: 64, tos: 0, df: false,
      srcPortMin: VXLAN_SRC_PORT_MIN, srcPortMax: VXLAN_SRC_PORT_MAX, hashSeed: 0, ...t,
    };
    this.ipId = firstIpId & 0xffff;
    this.src32 = this.t.srcIp | 0;
    writeMac(this.ethTemplate, 0, this.t.outerDstMac);
    writeMac(this.ethTemplate, 6, this.t.outerSrcMac);
    put16(this.ethTemplate, 12, EtherType.IPV4);
    this.dst32 = this.t.dstIp | 0;
    this.loadFields();
  }
  // The per-frame fields as small integers in own slots, read in encapsulate() (the options object
  // built by spreading can hold them in slower, generic representations).
  private fTos = 0;
  private fTtl = 64;
  private fFlags = 0;
  private fSeed = 0;
  private fPortMin = VXLAN_SRC_PORT_MIN;
  private fPortSpan = VXLAN_SRC_PORT_MAX - VXLAN_SRC_PORT_MIN;
  private fDstPort = VXLAN_PORT;
  private fVniWord = 0;
  private loadFields(): void {
    const t = this.t;
    this.fTos = t.tos & 0xff;
    this.fTtl = t.ttl & 0xff;
    this.fFlags = t.df ? 0x4000 : 0;
    this.fSeed = t.hashSeed | 0;
    this.fPortMin = t.srcPortMin | 0;
    this.fPortSpan = (t.srcPortMax - t.srcPortMin) | 0;
    this.fDstPort = t.dstPort & 0xffff;
    this.fVniWord = (t.vni & 0xffffff) << 8;
  }
  // Addresses as int32 (same bits) for the fast path: a uint32 ≥ 2^31 read from an object field is a
  // heap number, and passing it on can allocate per frame.
  private src32: number;
  /** The outer Ethernet header, prebuilt: 48-bit MAC numbers read per frame would be boxed doubles. */
  private readonly ethTemplate = new Uint8Array(ETH_HEADER_LEN);
  private dst32: number;

  get tunnel(): Readonly<Required<VxlanTunnel>> {
    return this.t;
  }
  /** Retargets the tunnel's destination (FDB lookup result) without allocating. */
  setDestination(dstIp: number, outerDstMac: number, vni = this.t.vni): void {
    this.t.dstIp = dstIp >>> 0;
    this.dst32 = dstIp | 0;
    writeMac(this.ethTemplate, 0, outerDstMac);
    this.t.outerDstMac = outerDstMac;
    this.t.vni = vni;
    this.fVniWord = (vni & 0xffffff) << 8;
  }

  /**
   * Retargets source, destination, UDP port and VNI at once (a vxlan device: per-packet route source,
   * per-FDB-entry `port`/`vni`). The outer Ethernet header is left for the caller's neighbour output.
   * Allocates nothing; `tunnel.srcIp/dstIp` keep their construction values.
   */
  retarget(srcIp: number, dstIp: number, dstPort: number, vni: number): void {
    this.src32 = srcIp | 0;
    this.dst32 = dstIp | 0;
    // t.srcIp/t.dstIp are not rewritten: a double stored in an object field can allocate a heap number
    const t = this.t;
    t.dstPort = dstPort;
    t.vni = vni;
    this.fDstPort = dstPort & 0xffff;
    this.fVniWord = (vni & 0xffffff) << 8;
  }

  /**
   * Prepends the outer headers to the inner frame at buf[off..off+len). Returns the outer frame's
   * offset (off − 50; its length is len + 50), or −NO_SPACE when off < 50 (not enough headroom) or
   * −BAD_TOTAL_LENGTH when the outer datagram would exceed 65535 bytes.
   */
  encapsulate(buf: Uint8Array, off: number, len: number): number {
    if (off < VXLAN_ENCAP_OVERHEAD || off + len > buf.length || len < 0) return -WireError.NO_SPACE;
    const ipLen = IPV4_MIN_HEADER + UDP_HEADER_LEN + VXLAN_HEADER_LEN + len;
    if (ipLen > 0xffff) return -WireError.BAD_TOTAL_LENGTH;
    const o = off - VXLAN_ENCAP_OVERHEAD;
    // flowSrcPort, inlined on the int fields
    const h = innerFlowHash(buf, off, len, this.fSeed);
    const sport = Math.floor((((h ^ (h << 16)) >>> 0) * this.fPortSpan) / 0x100000000) + this.fPortMin;
    // outer Ethernet
    const et = this.ethTemplate;
    for (let i = 0; i < ETH_HEADER_LEN; i++) buf[o + O_ETH + i] = et[i]!;
    // outer IPv4 (RFC 791), no options
    const ip = o + O_IP;
    buf[ip] = 0x45;
    const tos = this.fTos;
    const ttl = this.fTtl;
    const id = this.ipId;
    buf[ip + 1] = tos;
    put16(buf, ip + 2, ipLen);
    put16(buf, ip + 4, id);
    this.ipId = (id + 1) & 0xffff;
    const ff = this.fFlags;
    put16(buf, ip + 6, ff);
    buf[ip + 8] = ttl;
    buf[ip + 9] = IPPROTO_UDP;
    const s32 = this.src32;
    const d32 = this.dst32;
    put32(buf, ip + 12, s32);
    put32(buf, ip + 16, d32);
    // RFC 1071 sum of the ten header words computed from the values just written (no re-read)
    let sum = (0x4500 | tos) + ipLen + id + ff + ((ttl << 8) | IPPROTO_UDP) +
      (s32 >>> 16) + (s32 & 0xffff) + (d32 >>> 16) + (d32 & 0xffff);
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    put16(buf, ip + 10, ~sum & 0xffff);
    // outer UDP, checksum 0
    const udp = o + O_UDP;
    put16(buf, udp, sport);
    put16(buf, udp + 2, this.fDstPort);
    put16(buf, udp + 4, UDP_HEADER_LEN + VXLAN_HEADER_LEN + len);
    put16(buf, udp + 6, 0);
    // VXLAN: I flag, VNI, reserved zero
    const vx = o + O_VXLAN;
    put32(buf, vx, 0x08000000);
    put32(buf, vx + 4, this.fVniWord);
    return o;
  }
}

/**
 * Decapsulates VXLAN frames addressed to one UDP port. After decapsulate() returns 0 the fields below
 * describe the frame; they are overwritten by the next call. Allocates nothing.
 */
export class VxlanDecapsulator {
  port: number;
  /** Offset and length of the inner Ethernet frame within the buffer given. */
  innerOff = 0;
  innerLen = 0;
  vni = 0;
  outerSrcPort = 0;
  // MACs and uint32 addresses ≥ 2^31 are doubles: storing them per frame would allocate heap numbers,
  // so the outer addresses are read back from the frame on demand (valid while it is unchanged).
  private frameBuf: Uint8Array = new Uint8Array(0);
  private frameOff = 0;
  private ipOff = 0;
  get outerSrcMac(): number { return readMac(this.frameBuf, this.frameOff + 6); }
  get outerSrcIp(): number { return u32(this.frameBuf, this.ipOff + 12); }
  get outerDstIp(): number { return u32(this.frameBuf, this.ipOff + 16); }
  private readonly eth = new EthernetView();
  private readonly ip = new Ipv4View();
  private readonly udp = new UdpView();
  private readonly vx = new VxlanView();

  constructor(port = VXLAN_PORT) {
    this.port = port;
  }

  /**
   * 0, or why the frame is not (a valid) VXLAN frame for this port: NOT_TUNNEL (not IPv4/UDP, another
   * port, or a fragment — reassembly is the IP layer's job), the IPv4/UDP check() codes, BAD_CHECKSUM
   * (IP header, or a nonzero UDP checksum that is wrong), the VXLAN codes (TRUNCATED, BAD_FLAGS,
   * BAD_RESERVED), or TRUNCATED when fewer than 14 inner bytes follow.
   */
  decapsulate(buf: Uint8Array, off: number, len: number): number {
    const eth = this.eth.wrap(buf, off, len);
    let e = eth.check();
    if (e !== 0) return e;
    if (eth.etherType !== EtherType.IPV4) return WireError.NOT_TUNNEL;
    const ip = this.ip.wrap(buf, eth.payloadOffset, eth.payloadLength);
    e = ip.check();
    if (e !== 0) return e;
    if (ip.protocol !== IPPROTO_UDP || ip.isFragment) return WireError.NOT_TUNNEL;
    if (!ip.verifyChecksum()) return WireError.BAD_CHECKSUM;
    const udp = this.udp.wrap(buf, ip.payloadOffset, ip.payloadLength);
    e = udp.check();
    if (e !== 0) return e;
    if (udp.dstPort !== this.port) return WireError.NOT_TUNNEL;
    // int32 addresses (same bits; the pseudo-header sum only takes 16-bit halves): the uint32 getters
    // ip.src/ip.dst returned heap numbers for addresses ≥ 128.0.0.0, one per frame
    const src = i32(buf, ip.off + 12);
    const dst = i32(buf, ip.off + 16);
    if (!udp.verifyChecksum(src, dst)) return WireError.BAD_CHECKSUM;
    const vx = this.vx.wrap(buf, udp.payloadOffset, udp.payloadLength);
    e = vx.check();
    if (e !== 0) return e;
    e = vxlanSemanticError(vx);
    if (e !== 0) return e;
    if (vx.payloadLength < ETH_HEADER_LEN) return WireError.TRUNCATED;
    this.innerOff = vx.payloadOffset;
    this.innerLen = vx.payloadLength;
    this.vni = vx.vni;
    this.frameBuf = buf;
    this.frameOff = off;
    this.ipOff = ip.off;
    this.outerSrcPort = udp.srcPort;
    return 0;
  }
}
