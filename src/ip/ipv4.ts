// IPv4 header (RFC 791 §3.1): view, repr, emit, format.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |Version|  IHL  |   DSCP    |ECN|          Total Length         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |         Identification        |R|D|M|      Fragment Offset    |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  Time to Live |    Protocol   |         Header Checksum       |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                       Source Address                          |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                    Destination Address                        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                    Options                    |    Padding    |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// TOS is split into DSCP/ECN by RFC 2474/3168; R is the reserved ("evil", RFC 3514) flag.
import { u16, u32, put16, put32 } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import { internetChecksum, csumUpdate16, csumUpdate32 } from './checksum.ts';
import { ipv4ToString } from './address.ts';

export const F = {
  VER_IHL: 0,
  TOS: 1,
  TOTAL_LEN: 2,
  ID: 4,
  FLAGS_FRAG: 6,
  TTL: 8,
  PROTO: 9,
  CSUM: 10,
  SRC: 12,
  DST: 16,
  OPTIONS: 20,
} as const;

export const IPV4_MIN_HEADER = 20;
/** IHL is 4 bits of 32-bit words: 15 × 4. */
export const IPV4_MAX_HEADER = 60;
export const IPV4_MAX_DATAGRAM = 65535;

export const IpProto = { ICMP: 1, TCP: 6, UDP: 17 } as const;

const FLAG_RESERVED = 0x8000;
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const FRAG_MASK = 0x1fff;

/** Option types (RFC 791 §3.1, IANA ip-parameters). Bit 7 is the "copied" flag, bits 6-5 the class. */
export const Ipv4Option = {
  EOL: 0,
  NOP: 1,
  RR: 7,       // Record Route
  TS: 68,      // Internet Timestamp
  SEC: 130,    // Security (RFC 1108)
  LSRR: 131,   // Loose Source and Record Route
  SID: 136,    // Stream ID
  SSRR: 137,   // Strict Source and Record Route
  RA: 148,     // Router Alert (RFC 2113)
} as const;

/** RFC 791: an option with the copied bit set goes into every fragment; others only the first. */
export function optionCopied(type: number): boolean {
  return (type & 0x80) !== 0;
}

/**
 * Reusable view over an IPv4 header in place. After check() returns 0, every accessor reads inside
 * [off, off+len): the header (headerLength bytes) and totalLength both fit.
 */
export class Ipv4View {
  buf: Uint8Array = new Uint8Array(0);
  off = 0;
  len = 0;

  wrap(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
    return this;
  }

  /** 0, or TRUNCATED / BAD_VERSION / BAD_IHL / BAD_TOTAL_LENGTH. The checksum is not checked here. */
  check(): number {
    const { buf, off, len } = this;
    // Guard the window itself too, so a caller's bad (off, len) cannot make us read past buf.
    if (len < IPV4_MIN_HEADER || off < 0 || off + len > buf.length) return WireError.TRUNCATED;
    const b0 = buf[off]!;
    if (b0 >> 4 !== 4) return WireError.BAD_VERSION;
    const hl = (b0 & 0x0f) << 2;
    if (hl < IPV4_MIN_HEADER || hl > len) return WireError.BAD_IHL;
    const tl = u16(buf, off + F.TOTAL_LEN);
    if (tl < hl || tl > len) return WireError.BAD_TOTAL_LENGTH;
    return 0;
  }

  get version(): number { return this.buf[this.off]! >> 4; }
  set version(v: number) { this.buf[this.off] = (v << 4) | (this.buf[this.off]! & 0x0f); }
  get ihl(): number { return this.buf[this.off]! & 0x0f; }
  set ihl(v: number) { this.buf[this.off] = (this.buf[this.off]! & 0xf0) | (v & 0x0f); }
  get headerLength(): number { return (this.buf[this.off]! & 0x0f) << 2; }
  get tos(): number { return this.buf[this.off + F.TOS]!; }
  set tos(v: number) { this.buf[this.off + F.TOS] = v; }
  get dscp(): number { return this.buf[this.off + F.TOS]! >> 2; }
  set dscp(v: number) { this.buf[this.off + F.TOS] = ((v & 0x3f) << 2) | (this.buf[this.off + F.TOS]! & 3); }
  get ecn(): number { return this.buf[this.off + F.TOS]! & 3; }
  set ecn(v: number) { this.buf[this.off + F.TOS] = (this.buf[this.off + F.TOS]! & 0xfc) | (v & 3); }
  get totalLength(): number { return u16(this.buf, this.off + F.TOTAL_LEN); }
  set totalLength(v: number) { put16(this.buf, this.off + F.TOTAL_LEN, v); }
  get id(): number { return u16(this.buf, this.off + F.ID); }
  set id(v: number) { put16(this.buf, this.off + F.ID, v); }
  /** The 3 flag bits: 4 = reserved, 2 = DF, 1 = MF. */
  get flags(): number { return this.buf[this.off + F.FLAGS_FRAG]! >> 5; }
  set flags(v: number) { this.setFlagsFrag(((v & 7) << 13) | this.fragOffset); }
  get reservedFlag(): boolean { return (this.buf[this.off + F.FLAGS_FRAG]! & 0x80) !== 0; }
  set reservedFlag(v: boolean) { this.setBit(FLAG_RESERVED, v); }
  get df(): boolean { return (this.buf[this.off + F.FLAGS_FRAG]! & 0x40) !== 0; }
  set df(v: boolean) { this.setBit(FLAG_DF, v); }
  get mf(): boolean { return (this.buf[this.off + F.FLAGS_FRAG]! & 0x20) !== 0; }
  set mf(v: boolean) { this.setBit(FLAG_MF, v); }
  /** In 8-byte units (RFC 791). Byte offset = fragOffset * 8. */
  get fragOffset(): number { return u16(this.buf, this.off + F.FLAGS_FRAG) & FRAG_MASK; }
  set fragOffset(v: number) { this.setFlagsFrag((u16(this.buf, this.off + F.FLAGS_FRAG) & ~FRAG_MASK) | (v & FRAG_MASK)); }
  /** True for any fragment: MF set or a non-zero offset. */
  get isFragment(): boolean { return (u16(this.buf, this.off + F.FLAGS_FRAG) & (FLAG_MF | FRAG_MASK)) !== 0; }
  get ttl(): number { return this.buf[this.off + F.TTL]!; }
  set ttl(v: number) { this.buf[this.off + F.TTL] = v; }
  get protocol(): number { return this.buf[this.off + F.PROTO]!; }
  set protocol(v: number) { this.buf[this.off + F.PROTO] = v; }
  get checksum(): number { return u16(this.buf, this.off + F.CSUM); }
  set checksum(v: number) { put16(this.buf, this.off + F.CSUM, v); }
  /** Raw setters below do not touch the checksum; use setSrc/setDst for an incremental update. */
  get src(): number { return u32(this.buf, this.off + F.SRC); }
  set src(v: number) { put32(this.buf, this.off + F.SRC, v); }
  get dst(): number { return u32(this.buf, this.off + F.DST); }
  set dst(v: number) { put32(this.buf, this.off + F.DST, v); }
  get optionsOffset(): number { return this.off + F.OPTIONS; }
  get optionsLength(): number { return this.headerLength - IPV4_MIN_HEADER; }
  get payloadOffset(): number { return this.off + this.headerLength; }
  get payloadLength(): number { return this.totalLength - this.headerLength; }
  /** Bytes after totalLength inside the window, e.g. Ethernet padding of a short datagram. */
  get trailerLength(): number { return this.len - this.totalLength; }

  verifyChecksum(): boolean {
    return internetChecksum(this.buf, this.off, this.headerLength) === 0;
  }

  updateChecksum(): void {
    put16(this.buf, this.off + F.CSUM, 0);
    put16(this.buf, this.off + F.CSUM, internetChecksum(this.buf, this.off, this.headerLength));
  }

  /**
   * Forwarding's TTL decrement (RFC 1812 §5.3.1) with the RFC 1624 incremental checksum update
   * (TTL and protocol share one 16-bit word). Returns the new TTL, or -1 (header untouched) when
   * the TTL is already 0 — the caller sends ICMP time exceeded for TTL ≤ 1 before calling this.
   */
  decrementTtl(): number {
    const o = this.off + F.TTL;
    const ttl = this.buf[o]!;
    if (ttl === 0) return -1;
    const old = u16(this.buf, o);
    this.buf[o] = ttl - 1;
    put16(this.buf, this.off + F.CSUM, csumUpdate16(this.checksum, old, u16(this.buf, o)));
    return ttl - 1;
  }

  /** Rewrites the source address and updates the header checksum incrementally (RFC 1624). */
  setSrc(a: number): void {
    const old = this.src;
    put32(this.buf, this.off + F.SRC, a);
    put16(this.buf, this.off + F.CSUM, csumUpdate32(this.checksum, old, a >>> 0));
  }

  setDst(a: number): void {
    const old = this.dst;
    put32(this.buf, this.off + F.DST, a);
    put16(this.buf, this.off + F.CSUM, csumUpdate32(this.checksum, old, a >>> 0));
  }

  private setBit(bit: number, v: boolean): void {
    const w = u16(this.buf, this.off + F.FLAGS_FRAG);
    this.setFlagsFrag(v ? w | bit : w & ~bit);
  }

  private setFlagsFrag(w: number): void {
    put16(this.buf, this.off + F.FLAGS_FRAG, w & 0xffff);
  }
}

/** Decoded header. Options are the raw TLV bytes between byte 20 and the IHL end, padding included. */
export interface Ipv4Repr {
  tos: number;
  id: number;
  df: boolean;
  mf: boolean;
  reservedFlag: boolean;
  /** In 8-byte units. */
  fragOffset: number;
  ttl: number;
  protocol: number;
  src: number;
  dst: number;
  options: Uint8Array;
  /**
   * undefined → computed by emit. parseIpv4 fills in the value on the wire (as scapy keeps a
   * dissected chksum), so parse → emit is byte-identical; delete it after changing fields.
   */
  checksum?: number;
  /** undefined → header + payload length. parseIpv4 fills in the value on the wire. */
  totalLength?: number;
}

/**
 * Validates the option TLVs in buf[off, off+len) without allocating: 0 or BAD_OPTION.
 * EOL (0) ends the list (what follows is padding, RFC 791); NOP (1) is one byte; every other
 * option is type, length (≥ 2, counting type and length bytes), data, and must end inside the header.
 */
export function checkOptions(buf: Uint8Array, off: number, len: number): number {
  const end = off + len;
  let i = off;
  while (i < end) {
    const type = buf[i]!;
    if (type === Ipv4Option.EOL) return 0;
    if (type === Ipv4Option.NOP) { i++; continue; }
    if (i + 1 >= end) return WireError.BAD_OPTION;
    const l = buf[i + 1]!;
    if (l < 2 || i + l > end) return WireError.BAD_OPTION;
    i += l;
  }
  return 0;
}

export interface Ipv4OptionInfo {
  type: number;
  /** Offset of the type byte within the raw options. */
  offset: number;
  /** Whole option length: 1 for EOL/NOP, else the length byte. */
  length: number;
  /** Offset of the option data (after type and length) within the raw options. */
  dataOffset: number;
}

/** Lists options for the pretty printer (control path: allocates). Stops after EOL. */
export function parseOptions(raw: Uint8Array): Ipv4OptionInfo[] | WireError {
  const err = checkOptions(raw, 0, raw.length);
  if (err) return err as WireError;
  const out: Ipv4OptionInfo[] = [];
  let i = 0;
  while (i < raw.length) {
    const type = raw[i]!;
    if (type === Ipv4Option.EOL || type === Ipv4Option.NOP) {
      out.push({ type, offset: i, length: 1, dataOffset: i + 1 });
      if (type === Ipv4Option.EOL) break;
      i++;
      continue;
    }
    const l = raw[i + 1]!;
    out.push({ type, offset: i, length: l, dataOffset: i + 2 });
    i += l;
  }
  return out;
}

export interface ParseIpv4Options {
  /** Default true: a wrong header checksum is BAD_CHECKSUM. */
  verifyChecksum?: boolean;
}

/** view.check(), then checksum and option structure; the view must be wrapped. */
export function parseIpv4(view: Ipv4View, opts?: ParseIpv4Options): Ipv4Repr | WireError {
  const err = view.check();
  if (err) return err as WireError;
  if (opts?.verifyChecksum !== false && !view.verifyChecksum()) return WireError.BAD_CHECKSUM;
  const oo = view.optionsOffset;
  const ol = view.optionsLength;
  if (checkOptions(view.buf, oo, ol)) return WireError.BAD_OPTION;
  return {
    tos: view.tos,
    id: view.id,
    df: view.df,
    mf: view.mf,
    reservedFlag: view.reservedFlag,
    fragOffset: view.fragOffset,
    ttl: view.ttl,
    protocol: view.protocol,
    src: view.src,
    dst: view.dst,
    options: view.buf.slice(oo, oo + ol),
    checksum: view.checksum,
    totalLength: view.totalLength,
  };
}

/** Header length the repr emits: 20 + options padded with zero (EOL) bytes to 4 bytes. */
export function ipv4HeaderLength(repr: Ipv4Repr): number {
  return IPV4_MIN_HEADER + ((repr.options.length + 3) & ~3);
}

/**
 * Writes the header at buf[off]; the payload (payloadLength bytes) is the caller's. Returns the
 * header bytes written, or a negated WireError: -NO_SPACE (buffer too small for the header),
 * -BAD_OPTION (options over 40 bytes), -BAD_TOTAL_LENGTH (over 65535).
 */
export function emitIpv4(repr: Ipv4Repr, payloadLength: number, buf: Uint8Array, off: number): number {
  const hl = ipv4HeaderLength(repr);
  if (hl > IPV4_MAX_HEADER) return -WireError.BAD_OPTION;
  const tl = repr.totalLength ?? hl + payloadLength;
  if (tl > IPV4_MAX_DATAGRAM || tl < 0) return -WireError.BAD_TOTAL_LENGTH;
  if (off < 0 || off + hl > buf.length) return -WireError.NO_SPACE;
  buf[off] = 0x40 | (hl >> 2);
  buf[off + F.TOS] = repr.tos;
  put16(buf, off + F.TOTAL_LEN, tl);
  put16(buf, off + F.ID, repr.id);
  put16(
    buf,
    off + F.FLAGS_FRAG,
    (repr.reservedFlag ? FLAG_RESERVED : 0) | (repr.df ? FLAG_DF : 0) | (repr.mf ? FLAG_MF : 0) | (repr.fragOffset & FRAG_MASK),
  );
  buf[off + F.TTL] = repr.ttl;
  buf[off + F.PROTO] = repr.protocol;
  put16(buf, off + F.CSUM, 0);
  put32(buf, off + F.SRC, repr.src);
  put32(buf, off + F.DST, repr.dst);
  buf.set(repr.options, off + F.OPTIONS);
  buf.fill(0, off + F.OPTIONS + repr.options.length, off + hl);
  put16(buf, off + F.CSUM, repr.checksum ?? internetChecksum(buf, off, hl));
  return hl;
}

const PROTO_NAMES: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 50: 'ESP', 89: 'OSPF' };
const OPTION_NAMES: Record<number, string> = {
  0: 'EOL', 1: 'NOP', 7: 'RR', 68: 'TS', 130: 'SEC', 131: 'LSRR', 136: 'SID', 137: 'SSRR', 148: 'RA',
};

export function ipProtoName(p: number): string {
  return PROTO_NAMES[p] ?? String(p);
}

export function ipv4OptionName(type: number): string {
  return OPTION_NAMES[type] ?? `opt-${type}`;
}

/**
 * One line like tcpdump -v: `10.0.0.1 > 10.0.0.2: ICMP ttl 64 id 4660 DF len 84 [RR]`.
 * payloadLength is only used when repr.totalLength is undefined.
 */
export function formatIpv4(repr: Ipv4Repr, payloadLength = 0): string {
  const tl = repr.totalLength ?? ipv4HeaderLength(repr) + payloadLength;
  let s = `${ipv4ToString(repr.src)} > ${ipv4ToString(repr.dst)}: ${ipProtoName(repr.protocol)} ttl ${repr.ttl} id ${repr.id}`;
  if (repr.reservedFlag) s += ' RF';
  if (repr.df) s += ' DF';
  if (repr.mf) s += ' MF';
  if (repr.fragOffset) s += ` off ${repr.fragOffset * 8}`;
  if (repr.tos) s += ` tos 0x${repr.tos.toString(16)}`;
  s += ` len ${tl}`;
  if (repr.options.length) {
    const opts = parseOptions(repr.options);
    s += typeof opts === 'number'
      ? ' [bad options]'
      : ` [${opts.filter((o) => o.type !== Ipv4Option.EOL && o.type !== Ipv4Option.NOP).map((o) => ipv4OptionName(o.type)).join(',')}]`;
  }
  return s;
}

/** Multi-line tree for the pretty printer (tshark -V style); the caller indents nested layers. */
export function describeIpv4(repr: Ipv4Repr, payloadLength = 0): string[] {
  const hl = ipv4HeaderLength(repr);
  const lines = [
    `Internet Protocol Version 4, Src: ${ipv4ToString(repr.src)}, Dst: ${ipv4ToString(repr.dst)}`,
    `  Header Length: ${hl} bytes (${hl >> 2})`,
    `  Differentiated Services: DSCP ${repr.tos >> 2}, ECN ${repr.tos & 3}`,
    `  Total Length: ${repr.totalLength ?? hl + payloadLength}`,
    `  Identification: 0x${repr.id.toString(16).padStart(4, '0')} (${repr.id})`,
    `  Flags: reserved ${+repr.reservedFlag}, DF ${+repr.df}, MF ${+repr.mf}`,
    `  Fragment Offset: ${repr.fragOffset * 8}`,
    `  Time to Live: ${repr.ttl}`,
    `  Protocol: ${ipProtoName(repr.protocol)} (${repr.protocol})`,
    `  Header Checksum: ${repr.checksum === undefined ? '(computed)' : '0x' + repr.checksum.toString(16).padStart(4, '0')}`,
  ];
  const opts = parseOptions(repr.options);
  if (typeof opts === 'number') lines.push('  Options: malformed');
  else for (const o of opts) lines.push(`  Option: ${ipv4OptionName(o.type)} (${o.type}), length ${o.length}`);
  return lines;
}
