// ICMPv4 (RFC 792, with RFC 1191 next-hop MTU, RFC 1122 §3.2.2 and RFC 1812 §4.3.2 rules for errors).
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Type      |     Code      |          Checksum             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  rest of header: echo  = Identifier | Sequence Number          |
//   |                  frag needed = unused (16) | Next-Hop MTU (16)  |
//   |                  redirect = Gateway Internet Address           |
//   |                  param problem = Pointer (8) | unused (24)      |
//   |                  other errors = unused (32)                    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  echo data, or for errors: the offending IP header + its data  |
//
// The checksum covers the whole ICMP message (RFC 792), there is no pseudo-header.
import { u8, u16, u32, put8, put16, put32, copyBytesNoAlloc } from '../bytes.ts';
import { sum16, fold } from './checksum.ts';
import { WireError } from '../wire-error.ts';

export const ICMP_HEADER_LEN = 8;

const F = {
  TYPE: 0,
  CODE: 1,
  CHECKSUM: 2,
  REST: 4, // the 32-bit word whose meaning depends on the type
  IDENT: 4,
  SEQ: 6,
  GATEWAY: 4,
  POINTER: 4,
  MTU: 6,
} as const;

export const IcmpType = {
  ECHO_REPLY: 0,
  DEST_UNREACH: 3,
  SOURCE_QUENCH: 4,
  REDIRECT: 5,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  PARAM_PROBLEM: 12,
  TIMESTAMP: 13,
  TIMESTAMP_REPLY: 14,
} as const;

/** Destination unreachable codes: RFC 792 (0-5), RFC 1122 §3.2.2.1 (6-12), RFC 1812 §5.2.7.1 (13-15). */
export const UnreachCode = {
  NET: 0,
  HOST: 1,
  PROTO: 2,
  PORT: 3,
  FRAG_NEEDED: 4,
  SRC_ROUTE_FAILED: 5,
  NET_UNKNOWN: 6,
  HOST_UNKNOWN: 7,
  SRC_HOST_ISOLATED: 8,
  NET_PROHIBITED: 9,
  HOST_PROHIBITED: 10,
  TOS_NET: 11,
  TOS_HOST: 12,
  ADMIN_PROHIBITED: 13,
  HOST_PRECEDENCE: 14,
  PRECEDENCE_CUTOFF: 15,
} as const;

export const TimeExceededCode = { TTL: 0, REASSEMBLY: 1 } as const;

/** Types whose body quotes an offending datagram (RFC 792): unreachable, quench, redirect, time exceeded, param problem. */
export function isIcmpErrorType(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

const EMPTY = new Uint8Array(0);

/** A reusable window onto an ICMP message `buf[off .. off+len)`; `len` is the IP payload length. */
export class IcmpView {
  buf: Uint8Array = EMPTY;
  off = 0;
  len = 0;

  constructor(buf?: Uint8Array, off = 0, len?: number) {
    if (buf) this.wrap(buf, off, len);
  }

  wrap(buf: Uint8Array, off = 0, len = buf.length - off): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
    return this;
  }

  /** 0 when the fixed header fits in the window (and the window in the buffer), else a WireError. */
  check(): number {
    if (!(this.off >= 0 && this.len >= 0 && this.off + this.len <= this.buf.length)) return WireError.TRUNCATED;
    if (this.len < ICMP_HEADER_LEN) return WireError.TRUNCATED;
    return 0;
  }

  get type(): number { return u8(this.buf, this.off + F.TYPE); }
  set type(v: number) { put8(this.buf, this.off + F.TYPE, v); }
  get code(): number { return u8(this.buf, this.off + F.CODE); }
  set code(v: number) { put8(this.buf, this.off + F.CODE, v); }
  get checksum(): number { return u16(this.buf, this.off + F.CHECKSUM); }
  set checksum(v: number) { put16(this.buf, this.off + F.CHECKSUM, v); }
  /** The raw 32-bit word after the checksum. */
  get rest(): number { return u32(this.buf, this.off + F.REST); }
  set rest(v: number) { put32(this.buf, this.off + F.REST, v); }
  get ident(): number { return u16(this.buf, this.off + F.IDENT); }
  set ident(v: number) { put16(this.buf, this.off + F.IDENT, v); }
  get seq(): number { return u16(this.buf, this.off + F.SEQ); }
  set seq(v: number) { put16(this.buf, this.off + F.SEQ, v); }
  /** RFC 1191: low 16 bits of the rest word of a fragmentation-needed message (0 from pre-1191 routers). */
  get nextHopMtu(): number { return u16(this.buf, this.off + F.MTU); }
  set nextHopMtu(v: number) { put16(this.buf, this.off + F.MTU, v); }
  /** Redirect: the gateway to use, as a uint32. */
  get gateway(): number { return u32(this.buf, this.off + F.GATEWAY); }
  set gateway(v: number) { put32(this.buf, this.off + F.GATEWAY, v); }
  /** Parameter problem: offset of the bad octet in the quoted header. */
  get pointer(): number { return u8(this.buf, this.off + F.POINTER); }
  set pointer(v: number) { put8(this.buf, this.off + F.POINTER, v); }
  /** Absolute offset of the echo data, or of the quoted datagram for errors. */
  get dataOffset(): number { return this.off + ICMP_HEADER_LEN; }
  get dataLength(): number { return this.len - ICMP_HEADER_LEN; }

  /** The checksum this message should carry (the field itself is skipped, not zeroed). */
  computeChecksum(): number {
    const b = this.buf, o = this.off;
    return ~fold(sum16(b, o + F.REST, this.len - F.REST, sum16(b, o, F.CHECKSUM))) & 0xffff;
  }
  verifyChecksum(): boolean {
    return fold(sum16(this.buf, this.off, this.len)) === 0xffff;
  }
  updateChecksum(): void {
    this.checksum = this.computeChecksum();
  }
}

// ---- reprs ---------------------------------------------------------------------------------------
// `data` and `quoted` returned by parse are subarrays of the parsed buffer (borrowed, not copied).
// `checksum` is filled by parse with the stored value (as scapy does); leave it undefined when
// emitting a modified repr so that emit computes it.

export interface IcmpEchoRepr {
  kind: 'echo';
  type: number; // 0 or 8
  code: number;
  ident: number;
  seq: number;
  data: Uint8Array;
  checksum?: number;
}

export interface IcmpErrorRepr {
  kind: 'error';
  type: number; // 3, 4, 5, 11 or 12
  code: number;
  /** Destination unreachable, fragmentation needed only (RFC 1191). */
  nextHopMtu?: number;
  /** Redirect only. */
  gateway?: number;
  /** Parameter problem only. */
  pointer?: number;
  /** Bits of the rest word not covered by the fields above; parse sets it only when nonzero, so a
   * message with "unused" bits set (or RFC 4884 lengths) re-emits byte for byte. */
  unused?: number;
  /** The offending datagram as quoted: its IP header and leading data. */
  quoted: Uint8Array;
  checksum?: number;
}

export interface IcmpOtherRepr {
  kind: 'other';
  type: number;
  code: number;
  /** The 32-bit word after the checksum (ident/seq for timestamp, information and mask messages). */
  rest: number;
  data: Uint8Array;
  checksum?: number;
}

export type IcmpRepr = IcmpEchoRepr | IcmpErrorRepr | IcmpOtherRepr;

/** The part of the rest word a named field covers, per error type. */
function namedMask(type: number, code: number): number {
  if (type === IcmpType.DEST_UNREACH && code === UnreachCode.FRAG_NEEDED) return 0x0000ffff;
  if (type === IcmpType.REDIRECT) return 0xffffffff;
  if (type === IcmpType.PARAM_PROBLEM) return 0xff000000;
  return 0;
}

export interface IcmpParseOptions {
  /** Default true: a wrong checksum is BAD_CHECKSUM. Turn off for captures made with checksum offload. */
  verifyChecksum?: boolean;
}

/**
 * Decodes a checked view. Errors must quote at least a whole IPv4 header (version 4, IHL ≥ 5, all
 * IHL·4 bytes present) or the message is ICMP_BAD_QUOTE: Linux (icmp_unreach) drops those too, since
 * the quote cannot be matched to a socket. The 8 transport bytes after it are not required here;
 * the demultiplexer that uses them checks for them.
 */
export function parseIcmp(view: IcmpView, opts?: IcmpParseOptions): IcmpRepr | WireError {
  const e = view.check();
  if (e !== 0) return e as WireError;
  if (opts?.verifyChecksum !== false && !view.verifyChecksum()) return WireError.BAD_CHECKSUM;
  const type = view.type, code = view.code, checksum = view.checksum;
  const data = view.buf.subarray(view.dataOffset, view.dataOffset + view.dataLength);
  if (type === IcmpType.ECHO_REQUEST || type === IcmpType.ECHO_REPLY) {
    return { kind: 'echo', type, code, ident: view.ident, seq: view.seq, data, checksum };
  }
  if (isIcmpErrorType(type)) {
    if (data.length < 20) return WireError.ICMP_BAD_QUOTE;
    const vihl = data[0]!;
    if (vihl >>> 4 !== 4 || (vihl & 15) < 5 || (vihl & 15) * 4 > data.length) return WireError.ICMP_BAD_QUOTE;
    const rest = view.rest;
    const r: IcmpErrorRepr = { kind: 'error', type, code, quoted: data, checksum };
    if (type === IcmpType.DEST_UNREACH && code === UnreachCode.FRAG_NEEDED) r.nextHopMtu = rest & 0xffff;
    else if (type === IcmpType.REDIRECT) r.gateway = rest;
    else if (type === IcmpType.PARAM_PROBLEM) r.pointer = rest >>> 24;
    const unused = (rest & ~namedMask(type, code)) >>> 0;
    if (unused !== 0) r.unused = unused;
    return r;
  }
  return { kind: 'other', type, code, rest: view.rest, data, checksum };
}

export function icmpLength(repr: IcmpRepr): number {
  return ICMP_HEADER_LEN + (repr.kind === 'error' ? repr.quoted.length : repr.data.length);
}

function restWord(repr: IcmpRepr): number {
  switch (repr.kind) {
    case 'echo':
      return ((repr.ident & 0xffff) * 0x10000 + (repr.seq & 0xffff)) >>> 0;
    case 'other':
      return repr.rest >>> 0;
    case 'error': {
      const mask = namedMask(repr.type, repr.code);
      let named = 0;
      if (repr.type === IcmpType.DEST_UNREACH && repr.code === UnreachCode.FRAG_NEEDED) named = (repr.nextHopMtu ?? 0) & 0xffff;
      else if (repr.type === IcmpType.REDIRECT) named = repr.gateway ?? 0;
      else if (repr.type === IcmpType.PARAM_PROBLEM) named = ((repr.pointer ?? 0) & 0xff) << 24;
      return ((named & mask) | ((repr.unused ?? 0) & ~mask)) >>> 0;
    }
  }
}

/**
 * Writes the message at `buf[off]`; returns its length. The checksum is computed unless
 * `repr.checksum` is given. A buffer too small is a caller bug (size it with icmpLength): RangeError.
 */
export function emitIcmp(repr: IcmpRepr, buf: Uint8Array, off: number): number {
  const len = icmpLength(repr);
  if (off < 0 || off + len > buf.length) throw new RangeError(`emitIcmp: ${len} bytes do not fit at offset ${off} of ${buf.length}`);
  put8(buf, off + F.TYPE, repr.type);
  put8(buf, off + F.CODE, repr.code);
  put32(buf, off + F.REST, restWord(repr));
  buf.set(repr.kind === 'error' ? repr.quoted : repr.data, off + ICMP_HEADER_LEN);
  if (repr.checksum !== undefined) put16(buf, off + F.CHECKSUM, repr.checksum);
  else put16(buf, off + F.CHECKSUM, scratch.wrap(buf, off, len).computeChecksum());
  return len;
}

const scratch = new IcmpView();

// ---- building errors (routers and hosts) ---------------------------------------------------------

/**
 * Default quote limit. We follow Linux and RFC 1812 §4.3.2.3 (routers SHOULD quote as much of the
 * original datagram as fits in a 576-byte reply): 576 − 20 (reply IP header without options) − 8
 * (ICMP header) = 548 bytes of the offending datagram. RFC 792's minimum, the header plus 64 bits,
 * is what `maxQuote: ihl*4 + 8` gives.
 */
export const ICMP_DEFAULT_MAX_QUOTE = 576 - 20 - 8;

export interface IcmpErrorOptions {
  /** Fragmentation needed (type 3 code 4): the MTU of the next hop, RFC 1191. */
  nextHopMtu?: number;
  /** Redirect (type 5): the better gateway. */
  gateway?: number;
  /** Parameter problem (type 12): offset of the bad octet. */
  pointer?: number;
  /** Most bytes of the offending datagram to quote (default ICMP_DEFAULT_MAX_QUOTE). */
  maxQuote?: number;
}

/**
 * Writes an ICMP error message (not its IP header) at `out[outOff]` quoting the offending IP datagram
 * `offending[offOff .. offOff+offLen)`: its header plus as much data as `maxQuote` and the room in
 * `out` allow. Link-layer padding after the datagram's total length is not quoted (Linux quotes the
 * trimmed skb). Returns the message length. `out` may be the same buffer as `offending`, even
 * overlapping it (a router writing the error into headroom in front of the datagram): the quote is
 * copied with memmove semantics before the header is written. Fewer than 8 bytes of room is a caller
 * bug: RangeError.
 */
export function emitIcmpError(
  type: number,
  code: number,
  offending: Uint8Array,
  offOff: number,
  offLen: number,
  out: Uint8Array,
  outOff: number,
  opts?: IcmpErrorOptions,
): number {
  const room = out.length - outOff - ICMP_HEADER_LEN;
  if (outOff < 0 || room < 0) throw new RangeError(`emitIcmpError: no room for an ICMP header at offset ${outOff} of ${out.length}`);
  let q = Math.max(0, Math.min(offLen, offending.length - offOff));
  if (q >= 4) {
    const total = u16(offending, offOff + 2);
    if (total >= 20 && total < q) q = total;
  }
  q = Math.max(0, Math.min(q, opts?.maxQuote ?? ICMP_DEFAULT_MAX_QUOTE, room));
  const dst = outOff + ICMP_HEADER_LEN;
  if (out === offending) out.copyWithin(dst, offOff, offOff + q);
  else copyBytesNoAlloc(offending, offOff, out, dst, q);
  put8(out, outOff + F.TYPE, type);
  put8(out, outOff + F.CODE, code);
  let rest = 0;
  if (type === IcmpType.DEST_UNREACH && code === UnreachCode.FRAG_NEEDED) rest = (opts?.nextHopMtu ?? 0) & 0xffff;
  else if (type === IcmpType.REDIRECT) rest = opts?.gateway ?? 0;
  else if (type === IcmpType.PARAM_PROBLEM) rest = ((opts?.pointer ?? 0) & 0xff) << 24;
  put32(out, outOff + F.REST, rest >>> 0);
  const len = ICMP_HEADER_LEN + q;
  put16(out, outOff + F.CHECKSUM, scratch.wrap(out, outOff, len).computeChecksum());
  return len;
}

/** Why an ICMP error must not be sent about a datagram (RFC 1122 §3.2.2); NONE = it may be sent. */
export const IcmpSuppress = {
  NONE: 0,
  MALFORMED: 1,      // not a whole IPv4 header: nothing sensible to quote
  ICMP_ERROR: 2,     // the datagram is itself an ICMP error (avoids error storms)
  FRAGMENT: 3,       // not the first fragment
  DST_BROADCAST: 4,  // IP broadcast or multicast destination
  LINK_BROADCAST: 5, // arrived as a link-layer broadcast/multicast
  SRC_NOT_HOST: 6,   // the source does not name a single host
} as const;

export interface IcmpSuppressOptions {
  /** The frame arrived as a link-layer broadcast or multicast. */
  linkBroadcast?: boolean;
  /** The destination is a directed (subnet) broadcast of a connected network; only the caller knows. */
  dstBroadcast?: boolean;
}

/** Linux's NR_ICMP_TYPES: an ICMP type above it is treated as an error (net/ipv4/icmp.c __icmp_send). */
const NR_ICMP_TYPES = 18;

/** Not a single host (RFC 1122 §3.2.2): 0/8, loopback 127/8, multicast 224/4, class E 240/4 incl. 255.255.255.255. */
function notAHost(a: number): boolean {
  const top = a >>> 24;
  return top === 0 || top === 127 || top >= 224;
}

/** The reason (an IcmpSuppress value) an ICMP error about `offending[off .. off+len)` must not be sent. */
export function icmpErrorSuppression(offending: Uint8Array, off: number, len: number, opts?: IcmpSuppressOptions): number {
  if (!(off >= 0 && len >= 20 && off + len <= offending.length)) return IcmpSuppress.MALFORMED;
  const vihl = offending[off]!;
  const ihl = (vihl & 15) * 4;
  if (vihl >>> 4 !== 4 || ihl < 20 || ihl > len) return IcmpSuppress.MALFORMED;
  if ((u16(offending, off + 6) & 0x1fff) !== 0) return IcmpSuppress.FRAGMENT;
  const dst = u32(offending, off + 16);
  if (opts?.dstBroadcast || dst === 0xffffffff || dst >>> 28 === 0xe) return IcmpSuppress.DST_BROADCAST;
  if (opts?.linkBroadcast) return IcmpSuppress.LINK_BROADCAST;
  if (notAHost(u32(offending, off + 12))) return IcmpSuppress.SRC_NOT_HOST;
  if (offending[off + 9] === 1) {
    // Like Linux, a quoted ICMP too short to show its type, or of a type beyond the known ones, counts as an error.
    if (ihl >= len) return IcmpSuppress.ICMP_ERROR;
    const t = offending[off + ihl]!;
    if (t > NR_ICMP_TYPES || isIcmpErrorType(t)) return IcmpSuppress.ICMP_ERROR;
  }
  return IcmpSuppress.NONE;
}

/** RFC 1122 §3.2.2: true when no ICMP error may be sent about this datagram. */
export function shouldNotSendIcmpError(offending: Uint8Array, off: number, len: number, opts?: IcmpSuppressOptions): boolean {
  return icmpErrorSuppression(offending, off, len, opts) !== IcmpSuppress.NONE;
}

// ---- names and one-line summaries (Wireshark 4.0 wording, checked against tshark in the tests) ------

const TYPE_NAMES: Record<number, string> = {
  0: 'Echo (ping) reply',
  1: 'Reserved',
  2: 'Reserved',
  3: 'Destination unreachable',
  4: 'Source quench (flow control)',
  5: 'Redirect',
  6: 'Alternate host address',
  8: 'Echo (ping) request',
  9: 'Router advertisement',
  10: 'Router solicitation',
  11: 'Time-to-live exceeded',
  12: 'Parameter problem',
  13: 'Timestamp request',
  14: 'Timestamp reply',
  15: 'Information request',
  16: 'Information reply',
  17: 'Address mask request',
  18: 'Address mask reply',
  19: 'Reserved (for security)',
  30: 'Traceroute',
  31: 'Datagram Conversion Error',
  32: 'Mobile Host Redirect',
  33: 'IPv6 Where-Are-You',
  34: 'IPv6 I-Am-Here',
  35: 'Mobile Registration Request',
  36: 'Mobile Registration Reply',
  37: 'Domain Name Request',
  38: 'Domain Name Reply',
  39: 'SKIP',
  40: 'Photuris',
  41: 'Experimental mobility protocols',
  42: 'Extended Echo request',
  43: 'Extended Echo reply',
};

const CODE_NAMES: Record<number, Record<number, string>> = {
  3: {
    0: 'Network unreachable',
    1: 'Host unreachable',
    2: 'Protocol unreachable',
    3: 'Port unreachable',
    4: 'Fragmentation needed',
    5: 'Source route failed',
    6: 'Destination network unknown',
    7: 'Destination host unknown',
    8: 'Source host isolated',
    9: 'Network administratively prohibited',
    10: 'Host administratively prohibited',
    11: 'Network unreachable for TOS',
    12: 'Host unreachable for TOS',
    13: 'Communication administratively filtered',
    14: 'Host precedence violation',
    15: 'Precedence cutoff in effect',
  },
  5: { 0: 'Redirect for network', 1: 'Redirect for host', 2: 'Redirect for TOS and network', 3: 'Redirect for TOS and host' },
  6: { 0: 'Alternate address for host' },
  9: { 0: 'Normal router advertisement', 16: 'Does not route common traffic' },
  11: { 0: 'Time to live exceeded in transit', 1: 'Fragment reassembly time exceeded' },
  12: { 0: 'Pointer indicates the error', 1: 'Required option missing', 2: 'Bad length' },
  40: { 0: 'Bad SPI', 1: 'Authentication Failed', 2: 'Decompression Failed', 3: 'Decryption Failed', 4: 'Need Authentication', 5: 'Need Authorization' },
  42: { 0: 'No error' },
  43: { 0: 'No error', 1: 'Malformed Query', 2: 'No Such Interface', 3: 'No Such Table Entry', 4: 'Multiple Interfaces Satisfy Query' },
};

const UNKNOWN_TYPE = 'Unknown ICMP (obsolete or malformed?)';

/** The type's name as Wireshark prints it. */
export function icmpTypeName(type: number): string {
  return TYPE_NAMES[type] ?? UNKNOWN_TYPE;
}

/** The code's name for types that have codes ("Unknown code: N" for an unlisted one); undefined for types without codes. */
export function icmpCodeName(type: number, code: number): string | undefined {
  const t = CODE_NAMES[type];
  if (!t) return undefined;
  return t[code] ?? `Unknown code: ${code}`;
}

/** Types whose summary shows id/seq (the rest word is an identifier and a sequence number). */
function hasIdSeq(type: number): boolean {
  return type === 0 || type === 8 || (type >= 13 && type <= 18);
}

/**
 * One line like tshark's Info column: "Echo (ping) request  id=0x1234, seq=1/256, ttl=64",
 * "Destination unreachable (Port unreachable)". The TTL lives in the IP header: pass it to get
 * tshark's ", ttl=N". Wireshark's request/response tracking ("(reply in 2)") is not reproduced.
 */
export function formatIcmp(repr: IcmpRepr, opts?: { ttl?: number }): string {
  const name = TYPE_NAMES[repr.type];
  if (name === undefined) return UNKNOWN_TYPE;
  let s = name.padEnd(20);
  const codeName = icmpCodeName(repr.type, repr.code);
  if (codeName !== undefined) s += ` (${codeName})`;
  if (hasIdSeq(repr.type)) {
    const rest = restWord(repr);
    const id = rest >>> 16, seq = rest & 0xffff;
    const seqLe = ((seq & 0xff) << 8) | (seq >>> 8);
    s += ` id=0x${id.toString(16).padStart(4, '0')}, seq=${seq}/${seqLe}`;
    if (opts?.ttl !== undefined) s += `, ttl=${opts.ttl}`;
  }
  return s;
}
