// UDP (RFC 768).
//
//    0      7 8     15 16    23 24    31
//   +--------+--------+--------+--------+
//   |     Source      |   Destination   |
//   |      Port       |      Port       |
//   +--------+--------+--------+--------+
//   |     Length      |    Checksum     |
//   +--------+--------+--------+--------+
//   |          data octets ...
//
// The checksum covers a pseudo-header (source, destination, zero, protocol 17, UDP length), the
// header and the data. A transmitted 0 means "no checksum"; a computed 0 is sent as 0xffff.
import { u16, put16 } from '../bytes.ts';
import { sum16, fold, pseudoHeaderSum } from './checksum.ts';
import { WireError } from '../wire-error.ts';

export const UDP_HEADER_LEN = 8;
export const IPPROTO_UDP = 17;

const F = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6 } as const;

const EMPTY = new Uint8Array(0);

/**
 * A reusable window onto a UDP datagram `buf[off .. off+len)`, where `len` is what the IP layer
 * delivered (its payload length). Bytes past the UDP length field are ignored, as Linux trims them.
 */
export class UdpView {
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

  /** 0, TRUNCATED (no whole header) or BAD_UDP_LENGTH (length field < 8 or beyond the window). */
  check(): number {
    if (!(this.off >= 0 && this.len >= 0 && this.off + this.len <= this.buf.length)) return WireError.TRUNCATED;
    if (this.len < UDP_HEADER_LEN) return WireError.TRUNCATED;
    const l = this.length;
    if (l < UDP_HEADER_LEN || l > this.len) return WireError.BAD_UDP_LENGTH;
    return 0;
  }

  get srcPort(): number { return u16(this.buf, this.off + F.SRC_PORT); }
  set srcPort(v: number) { put16(this.buf, this.off + F.SRC_PORT, v); }
  get dstPort(): number { return u16(this.buf, this.off + F.DST_PORT); }
  set dstPort(v: number) { put16(this.buf, this.off + F.DST_PORT, v); }
  get length(): number { return u16(this.buf, this.off + F.LENGTH); }
  set length(v: number) { put16(this.buf, this.off + F.LENGTH, v); }
  get checksum(): number { return u16(this.buf, this.off + F.CHECKSUM); }
  set checksum(v: number) { put16(this.buf, this.off + F.CHECKSUM, v); }
  /** Absolute offset of the payload. */
  get payloadOffset(): number { return this.off + UDP_HEADER_LEN; }
  /** Payload bytes by the length field (valid after check()). */
  get payloadLength(): number { return this.length - UDP_HEADER_LEN; }

  /** The checksum this datagram should carry (never 0: a computed 0 becomes 0xffff). */
  computeChecksum(srcIp: number, dstIp: number): number {
    return udpChecksum(this.buf, this.off, this.length, srcIp, dstIp);
  }
  /** True for a zero checksum (RFC 768: none computed) or a correct one. */
  verifyChecksum(srcIp: number, dstIp: number): boolean {
    if (this.checksum === 0) return true;
    const l = this.length;
    return fold(sum16(this.buf, this.off, l, pseudoHeaderSum(srcIp, dstIp, IPPROTO_UDP, l))) === 0xffff;
  }
  updateChecksum(srcIp: number, dstIp: number): void {
    this.checksum = this.computeChecksum(srcIp, dstIp);
  }
}

/**
 * Checksum of the `len`-byte datagram at `off` whose length field reads `lengthField` (the field
 * goes into the pseudo-header). The checksum field is skipped rather than zeroed. 0 → 0xffff.
 */
function udpChecksum(b: Uint8Array, off: number, len: number, srcIp: number, dstIp: number, lengthField = len): number {
  let s = pseudoHeaderSum(srcIp, dstIp, IPPROTO_UDP, lengthField);
  s = sum16(b, off, F.CHECKSUM, s);
  s = sum16(b, off + UDP_HEADER_LEN, len - UDP_HEADER_LEN, s);
  const c = ~fold(s) & 0xffff;
  return c === 0 ? 0xffff : c;
}

/**
 * Decoded header. The payload is not part of the repr: the stack carries it as (buf, off, len).
 * parse fills `length` and `checksum` with the stored values (0 = none sent); leave them undefined
 * when emitting to have them computed.
 */
export interface UdpRepr {
  srcPort: number;
  dstPort: number;
  length?: number;
  checksum?: number;
}

export interface UdpParseOptions {
  /** Default true: a nonzero wrong checksum is BAD_CHECKSUM. Off for captures made with checksum offload. */
  verifyChecksum?: boolean;
}

export function parseUdp(view: UdpView, srcIp: number, dstIp: number, opts?: UdpParseOptions): UdpRepr | WireError {
  const e = view.check();
  if (e !== 0) return e as WireError;
  if (opts?.verifyChecksum !== false && !view.verifyChecksum(srcIp, dstIp)) return WireError.BAD_CHECKSUM;
  return { srcPort: view.srcPort, dstPort: view.dstPort, length: view.length, checksum: view.checksum };
}

export function udpLength(_repr: UdpRepr, payloadLength: number): number {
  return UDP_HEADER_LEN + payloadLength;
}

/**
 * Writes the 8-byte header at `buf[off]`, with the payload already in place after it; returns 8.
 * `length` defaults to 8 + payloadLength. Unless `checksum` is given (0 = "no checksum"), the
 * checksum is computed over the header and the `payloadLength` bytes present, with the length field
 * in the pseudo-header (they agree unless a test overrides `length`). Not enough room for the
 * header and payload is a caller bug: RangeError.
 */
export function emitUdp(repr: UdpRepr, srcIp: number, dstIp: number, payloadLength: number, buf: Uint8Array, off: number): number {
  const total = UDP_HEADER_LEN + payloadLength;
  if (off < 0 || payloadLength < 0 || off + total > buf.length) {
    throw new RangeError(`emitUdp: ${total} bytes do not fit at offset ${off} of ${buf.length}`);
  }
  const length = repr.length ?? total;
  if (length > 0xffff) throw new RangeError(`emitUdp: length ${length} exceeds 65535`);
  put16(buf, off + F.SRC_PORT, repr.srcPort);
  put16(buf, off + F.DST_PORT, repr.dstPort);
  put16(buf, off + F.LENGTH, length);
  put16(buf, off + F.CHECKSUM, repr.checksum ?? udpChecksum(buf, off, total, srcIp, dstIp, length));
  return UDP_HEADER_LEN;
}

/** tshark's Info column: "12345 → 53 Len=30" (Len is the payload length). */
export function formatUdp(repr: UdpRepr, payloadLength: number): string {
  return `${repr.srcPort} → ${repr.dstPort} Len=${payloadLength}`;
}
