// ARP for Ethernet/IPv4 (RFC 826; opcodes from the IANA registry, RFC 5494).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   hardware type (1=Ethernet)  |   protocol type (0x0800)      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  hw len (6)   | proto len (4) |            opcode             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |              sender hardware address (6) ...                  |
// +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          ...                  |  sender protocol address (4)  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
// |             ...               | target hardware address (6)   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
// |                          ...                                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 target protocol address (4)                   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Only the Ethernet/IPv4 format exists here, so the four fixed fields are validated, not parsed:
// Linux's arp_rcv likewise drops a packet whose hlen isn't the device's or whose plen isn't 4.
//
// Opcodes: 0 and 65535 are reserved (RFC 5494 §2) and are BAD_OPCODE in check(); every other
// value (RARP 3/4, InARP 8/9, ARP-NAK 10, …) passes through as a number — it is the neighbour
// code's business to ignore what it does not handle (Linux's arp_process handles only 1 and 2).
//
// Inside a minimum-size Ethernet frame an ARP packet is followed by 18 bytes of padding. The view
// accepts any trailer (trailerLength); whoever re-emits the frame keeps those bytes.
import { u16, u32, put16, put32 } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import { readMac, writeMac, macToString, ZERO_MAC } from '../ethernet/mac.ts';
import { ipv4ToString } from '../ip/address.ts';

export const ARP_LEN = 28;
export const ARP_HW_ETHERNET = 1;
export const ARP_PROTO_IPV4 = 0x0800;

export const ArpOp = {
  REQUEST: 1,
  REPLY: 2,
  RARP_REQUEST: 3,
  RARP_REPLY: 4,
  DRARP_REQUEST: 5,
  DRARP_REPLY: 6,
  DRARP_ERROR: 7,
  INARP_REQUEST: 8,
  INARP_REPLY: 9,
  ARP_NAK: 10,
} as const;

const F = { HTYPE: 0, PTYPE: 2, HLEN: 4, PLEN: 5, OP: 6, SHA: 8, SPA: 14, THA: 18, TPA: 24 } as const;
const FIXED_LEN = 8;

/** Re-pointable view over an ARP packet; never allocates. Accessors are safe once check() is 0. */
export class ArpView {
  buf: Uint8Array = new Uint8Array(0);
  off = 0;
  len = 0;

  wrap(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
    return this;
  }

  /**
   * Checks in wire order and reports the first problem: TRUNCATED (< 8 bytes), BAD_HW_TYPE,
   * BAD_PROTO_TYPE, BAD_HW_LEN, BAD_PROTO_LEN, BAD_OPCODE (0 or 65535), then TRUNCATED (< 28 bytes).
   * The format fields come before the length test so that an ARP for another medium/protocol is
   * named as such rather than as merely short.
   */
  check(): number {
    const b = this.buf;
    const o = this.off;
    if (this.len < FIXED_LEN || o < 0 || o + this.len > b.length) return WireError.TRUNCATED;
    if (u16(b, o + F.HTYPE) !== ARP_HW_ETHERNET) return WireError.BAD_HW_TYPE;
    if (u16(b, o + F.PTYPE) !== ARP_PROTO_IPV4) return WireError.BAD_PROTO_TYPE;
    if (b[o + F.HLEN] !== 6) return WireError.BAD_HW_LEN;
    if (b[o + F.PLEN] !== 4) return WireError.BAD_PROTO_LEN;
    const op = u16(b, o + F.OP);
    if (op === 0 || op === 0xffff) return WireError.BAD_OPCODE;
    if (this.len < ARP_LEN) return WireError.TRUNCATED;
    return 0;
  }

  get hwType(): number { return u16(this.buf, this.off + F.HTYPE); }
  set hwType(v: number) { put16(this.buf, this.off + F.HTYPE, v); }
  get protoType(): number { return u16(this.buf, this.off + F.PTYPE); }
  set protoType(v: number) { put16(this.buf, this.off + F.PTYPE, v); }
  get hwLen(): number { return this.buf[this.off + F.HLEN]!; }
  set hwLen(v: number) { this.buf[this.off + F.HLEN] = v; }
  get protoLen(): number { return this.buf[this.off + F.PLEN]!; }
  set protoLen(v: number) { this.buf[this.off + F.PLEN] = v; }
  get opcode(): number { return u16(this.buf, this.off + F.OP); }
  set opcode(v: number) { put16(this.buf, this.off + F.OP, v); }
  get senderMac(): number { return readMac(this.buf, this.off + F.SHA); }
  set senderMac(m: number) { writeMac(this.buf, this.off + F.SHA, m); }
  get senderIp(): number { return u32(this.buf, this.off + F.SPA); }
  set senderIp(a: number) { put32(this.buf, this.off + F.SPA, a); }
  get targetMac(): number { return readMac(this.buf, this.off + F.THA); }
  set targetMac(m: number) { writeMac(this.buf, this.off + F.THA, m); }
  get targetIp(): number { return u32(this.buf, this.off + F.TPA); }
  set targetIp(a: number) { put32(this.buf, this.off + F.TPA, a); }
  /** Bytes after the 28-byte packet (Ethernet padding). */
  get trailerLength(): number { return this.len - ARP_LEN; }
}

export interface ArpRepr {
  op: number;
  senderMac: number;
  senderIp: number;
  targetMac: number;
  targetIp: number;
}

export function parseArp(v: ArpView): ArpRepr | WireError {
  const e = v.check();
  if (e !== 0) return e as WireError;
  return { op: v.opcode, senderMac: v.senderMac, senderIp: v.senderIp, targetMac: v.targetMac, targetIp: v.targetIp };
}

export function arpLength(_r: ArpRepr): number {
  return ARP_LEN;
}

/** Writes the 28-byte Ethernet/IPv4 ARP packet at buf[off..]; returns 28. Caller sizes buf. */
export function emitArp(r: ArpRepr, buf: Uint8Array, off: number): number {
  put16(buf, off + F.HTYPE, ARP_HW_ETHERNET);
  put16(buf, off + F.PTYPE, ARP_PROTO_IPV4);
  buf[off + F.HLEN] = 6;
  buf[off + F.PLEN] = 4;
  put16(buf, off + F.OP, r.op);
  writeMac(buf, off + F.SHA, r.senderMac);
  put32(buf, off + F.SPA, r.senderIp);
  writeMac(buf, off + F.THA, r.targetMac);
  put32(buf, off + F.TPA, r.targetIp);
  return ARP_LEN;
}

/**
 * Gratuitous ARP (RFC 5227 §3 / RFC 5944 §4.6): a request or reply whose sender and target protocol
 * addresses are equal, announcing or refreshing the sender's own binding. Includes what Wireshark
 * calls an "ARP Announcement" (a request with an all-zero target MAC).
 */
export function isGratuitous(r: ArpRepr): boolean {
  return (r.op === ArpOp.REQUEST || r.op === ArpOp.REPLY) && r.senderIp === r.targetIp;
}

/** RFC 5227 §2.1.1 probe: a request with sender IP 0.0.0.0 (and zero target MAC, as Wireshark requires). */
export function isProbe(r: ArpRepr): boolean {
  return r.op === ArpOp.REQUEST && r.senderIp === 0 && r.targetMac === ZERO_MAC;
}

/**
 * One line as tshark's Info column prints it (checked against tshark 4.0):
 *   "Who has 10.0.0.2? Tell 10.0.0.1", "10.0.0.2 is at aa:bb:cc:dd:ee:ff",
 *   "Gratuitous ARP for 10.0.0.1 (Request)" (target MAC non-zero), "ARP Announcement for 10.0.0.1"
 *   (request, sender IP == target IP, target MAC zero), "Who has 10.0.0.1? (ARP Probe)",
 *   "Gratuitous ARP for 10.0.0.1 (Reply)", plus the RARP/InARP/DRARP forms and
 *   "Unknown ARP opcode 0x004d". (MARS opcodes 11–23 are formatted as unknown.)
 */
export function formatArp(r: ArpRepr): string {
  const spa = ipv4ToString(r.senderIp);
  const tpa = ipv4ToString(r.targetIp);
  switch (r.op) {
    case ArpOp.REQUEST:
      if (r.senderIp === r.targetIp) {
        return r.targetMac === ZERO_MAC ? `ARP Announcement for ${tpa}` : `Gratuitous ARP for ${spa} (Request)`;
      }
      if (isProbe(r)) return `Who has ${tpa}? (ARP Probe)`;
      return `Who has ${tpa}? Tell ${spa}`;
    case ArpOp.REPLY:
      if (r.senderIp === r.targetIp) return `Gratuitous ARP for ${spa} (Reply)`;
      return `${spa} is at ${macToString(r.senderMac)}`;
    case ArpOp.RARP_REQUEST:
    case ArpOp.DRARP_REQUEST:
    case ArpOp.INARP_REQUEST:
      return `Who is ${macToString(r.targetMac)}? Tell ${macToString(r.senderMac)}`;
    case ArpOp.RARP_REPLY:
    case ArpOp.DRARP_REPLY:
      return `${macToString(r.targetMac)} is at ${tpa}`;
    case ArpOp.INARP_REPLY:
      return `${macToString(r.senderMac)} is at ${spa}`;
    case ArpOp.DRARP_ERROR:
      return 'DRARP Error';
    case ArpOp.ARP_NAK:
      return 'ARP NAK';
    case 24:
      return 'Experimental 1 ( opcode 24 )';
    case 25:
      return 'Experimental 2 ( opcode 25 )';
    case 0:
    case 0xffff:
      return `Reserved opcode ${r.op}`;
  }
  return `Unknown ARP opcode 0x${r.op.toString(16).padStart(4, '0')}`;
}
