// VXLAN header (RFC 7348 §5).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |R|R|R|R|I|R|R|R|            Reserved                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                VXLAN Network Identifier (VNI) |   Reserved    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The I flag (0x08) must be set for a valid VNI. RFC 7348 says reserved bits are sent as zero and
// "ignored on receipt"; Linux is stricter (vxlan_rcv drops a frame whose first word has any bit other
// than I set, or whose last byte is nonzero, unless GBP/GPE/RCO extensions are configured), and we
// follow Linux: other flag bits → BAD_FLAGS, reserved bytes → BAD_RESERVED.
import { u24, put24, put32 } from '../bytes.ts';
import { WireError } from '../wire-error.ts';

export const VXLAN_HEADER_LEN = 8;
/** IANA port (RFC 7348 §5); Linux's historical default (before dstport was given) is 8472. */
export const VXLAN_PORT = 4789;
export const VXLAN_LINUX_PORT = 8472;
export const VXLAN_FLAG_I = 0x08;
export const VXLAN_MAX_VNI = 0xffffff;

const F = { FLAGS: 0, RSVD1: 1, VNI: 4, RSVD2: 7 } as const;

/** Re-pointable view over a VXLAN header at buf[off..off+len). Never allocates. */
export class VxlanView {
  buf: Uint8Array = new Uint8Array(0);
  off = 0;
  len = 0;

  wrap(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
    return this;
  }

  /** Bounds only: 0 or TRUNCATED. After 0 every accessor stays in bounds. */
  check(): number {
    if (!(this.off >= 0 && this.len >= VXLAN_HEADER_LEN && this.off + this.len <= this.buf.length)) return WireError.TRUNCATED;
    return 0;
  }

  get flags(): number { return this.buf[this.off + F.FLAGS]!; }
  set flags(v: number) { this.buf[this.off + F.FLAGS] = v; }
  /** The 24 bits after the flags byte. */
  get reserved1(): number { return u24(this.buf, this.off + F.RSVD1); }
  get vni(): number { return u24(this.buf, this.off + F.VNI); }
  set vni(v: number) { put24(this.buf, this.off + F.VNI, v); }
  get reserved2(): number { return this.buf[this.off + F.RSVD2]!; }
  /** Absolute offset of the inner Ethernet frame. */
  get payloadOffset(): number { return this.off + VXLAN_HEADER_LEN; }
  get payloadLength(): number { return this.len - VXLAN_HEADER_LEN; }
}

export interface VxlanRepr {
  /** Flags byte; emit writes it as given (0x08 for a valid header). */
  flags: number;
  vni: number;
}

/** check(), then Linux's rules: I flag set, no other flag bit (BAD_FLAGS), reserved zero (BAD_RESERVED). */
export function parseVxlan(v: VxlanView): VxlanRepr | WireError {
  const e = v.check();
  if (e !== 0) return e as WireError;
  const err = vxlanSemanticError(v);
  if (err !== 0) return err as WireError;
  return { flags: v.flags, vni: v.vni };
}

/** The semantic part of parse without allocating (fast path): 0, BAD_FLAGS or BAD_RESERVED. */
export function vxlanSemanticError(v: VxlanView): number {
  if (v.flags !== VXLAN_FLAG_I) return WireError.BAD_FLAGS;
  if (v.reserved1 !== 0 || v.reserved2 !== 0) return WireError.BAD_RESERVED;
  return 0;
}

export function vxlanLength(_r: VxlanRepr): number {
  return VXLAN_HEADER_LEN;
}

/** Writes the 8-byte header at buf[off]; returns 8, or -NO_SPACE. Reserved bits are written as zero. */
export function emitVxlan(r: VxlanRepr, buf: Uint8Array, off: number): number {
  if (off < 0 || off + VXLAN_HEADER_LEN > buf.length) return -WireError.NO_SPACE;
  put32(buf, off, (r.flags & 0xff) << 24);
  put32(buf, off + 4, (r.vni & VXLAN_MAX_VNI) << 8);
  return VXLAN_HEADER_LEN;
}

/** Info-column style: "VNI 42" (flags shown only when not the plain I flag, as tshark does). */
export function formatVxlan(r: VxlanRepr): string {
  return r.flags === VXLAN_FLAG_I ? `VXLAN VNI ${r.vni}` : `VXLAN VNI ${r.vni} flags 0x${r.flags.toString(16).padStart(2, '0')}`;
}

/** Pretty printer lines, tshark -V style. */
export function describeVxlan(r: VxlanRepr): string[] {
  return [
    'Virtual eXtensible Local Area Network',
    `    Flags: 0x${r.flags.toString(16).padStart(2, '0')}${r.flags & VXLAN_FLAG_I ? ', VXLAN Network ID (VNI)' : ''}`,
    `    VXLAN Network Identifier (VNI): ${r.vni}`,
  ];
}
