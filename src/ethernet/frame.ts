// Ethernet II / IEEE 802.3 frames with 802.1Q and 802.1ad (QinQ) tag stacks.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 destination MAC (6 octets) ...                |
// +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          ... destination      |      source MAC (6 octets) ...|
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
// |                         ... source                            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  TPID 0x88a8/0x9100/0x8100    | PCP |D|         VID           |  0..MAX_VLAN_TAGS tags
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   (802.1Q-2018 §9.6)
// |   EtherType or 802.3 length   |  payload ...
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// No preamble/SFD and no FCS: frames here are what a pcap with LINKTYPE_ETHERNET and a Linux
// packet socket carry.
//
// Type/length field (IEEE 802.3-2018 §3.2.6): ≤ 1500 is a length (802.3 frame, LLC follows);
// ≥ 1536 (0x0600) is an EtherType. 1501–1535 is undefined: such a frame is NEITHER (isLengthField
// and isTypeField are both false). check() and parse accept it and pass the value through in `type`
// so that a bridge still forwards it byte for byte; nothing above dispatches on it, and formatEthernet
// says "invalid length/type" as Wireshark does. (Linux's eth_type_trans treats everything < 0x0600
// as 802.3; we keep the distinction visible instead.)
//
// Padding: a frame shorter than 60 bytes is padded by the sender (padFrame). On receive,
// payloadLength is everything after the header, INCLUDING any padding after a short IP datagram:
// trimming belongs to the IP layer, which knows the datagram's total length. The stack above keeps
// the trailer bytes (frame length − header − IP total length) and re-emits them byte for byte, so a
// decoded frame re-encodes identically even when the padding is not zeros.
import { u16, put16 } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import { readMac, writeMac, macToString } from './mac.ts';

export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,       // 802.1Q C-tag
  QINQ: 0x88a8,       // 802.1ad S-tag
  QINQ_LEGACY: 0x9100, // pre-standard S-tag TPID still sent by some switches (Linux accepts it)
  IPV6: 0x86dd,
  LLDP: 0x88cc,
} as const;

export const ETH_HEADER_LEN = 14;
/** Minimum frame without FCS (64 on the wire minus the 4-byte FCS); Linux's ETH_ZLEN. */
export const ETH_MIN_FRAME = 60;
/** Largest 802.3 length value; above it (from 0x0600) the field is an EtherType. */
export const ETH_MAX_LENGTH_FIELD = 1500;
export const ETH_MIN_ETHERTYPE = 0x0600;
/**
 * Deepest tag stack we accept: an S-tag and a C-tag (802.1ad), the only standard stacking. A frame
 * with more tags gets TOO_MANY_TAGS from check(): a bounded scan, and nothing in the stack uses more.
 */
export const MAX_VLAN_TAGS = 2;
export const VLAN_TAG_LEN = 4;

const F = { DST: 0, SRC: 6, TAGS: 12 } as const;

/** True for the TPIDs that start a VLAN tag: 0x8100, 0x88a8 and the legacy 0x9100. */
export function isTpid(v: number): boolean {
  return v === EtherType.VLAN || v === EtherType.QINQ || v === EtherType.QINQ_LEGACY;
}

/**
 * A re-pointable view over one frame in (buf, off, len). Reads and writes the bytes in place and never
 * allocates. Call check() after wrap(): until it returns 0 the view assumes no tags and nothing is
 * guaranteed to be in bounds; after it returns 0 every getter/setter stays inside [off, off+len).
 */
export class EthernetView {
  buf: Uint8Array = new Uint8Array(0);
  off = 0;
  len = 0;
  private tags = 0;

  wrap(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.tags = 0;
    return this;
  }

  /**
   * Bounds and structure only: 0, TRUNCATED (shorter than 14 bytes, or a tag stack that runs off the
   * end) or TOO_MANY_TAGS (a TPID where tag MAX_VLAN_TAGS+1 would start — reported even if that tag
   * is itself truncated, since we would refuse it either way).
   */
  check(): number {
    const b = this.buf;
    const end = this.off + this.len;
    this.tags = 0;
    if (this.len < ETH_HEADER_LEN || end > b.length || this.off < 0) return WireError.TRUNCATED;
    let p = this.off + F.TAGS; // the 2 bytes at p are readable
    let n = 0;
    while (isTpid(u16(b, p))) {
      if (n === MAX_VLAN_TAGS) return WireError.TOO_MANY_TAGS;
      // need this tag's TCI and at least the next TPID/type field
      if (p + VLAN_TAG_LEN + 2 > end) return WireError.TRUNCATED;
      p += VLAN_TAG_LEN;
      n++;
    }
    this.tags = n;
    return 0;
  }

  get dst(): number {
    return readMac(this.buf, this.off + F.DST);
  }
  set dst(m: number) {
    writeMac(this.buf, this.off + F.DST, m);
  }
  get src(): number {
    return readMac(this.buf, this.off + F.SRC);
  }
  set src(m: number) {
    writeMac(this.buf, this.off + F.SRC, m);
  }

  /** Number of VLAN tags found by check(); tag 0 is the outermost (the S-tag in QinQ). */
  get tagCount(): number {
    return this.tags;
  }
  private tagAt(i: number): number {
    if (!(i >= 0 && i < this.tags)) throw new RangeError(`VLAN tag index ${i} out of range (tagCount ${this.tags})`);
    return this.off + F.TAGS + i * VLAN_TAG_LEN;
  }
  tagTpid(i: number): number {
    return u16(this.buf, this.tagAt(i));
  }
  /** Priority code point (802.1p), 0..7. */
  tagPcp(i: number): number {
    return this.buf[this.tagAt(i) + 2]! >>> 5;
  }
  /** Drop eligible indicator, 0 or 1 (was CFI before 802.1Q-2011). */
  tagDei(i: number): number {
    return (this.buf[this.tagAt(i) + 2]! >>> 4) & 1;
  }
  /** VLAN identifier, 0..4095 (0 = priority tag only, 4095 reserved; passed through as numbers). */
  tagVid(i: number): number {
    return u16(this.buf, this.tagAt(i) + 2) & 0x0fff;
  }
  setTagVid(i: number, vid: number): void {
    const p = this.tagAt(i) + 2;
    put16(this.buf, p, (u16(this.buf, p) & 0xf000) | (vid & 0x0fff));
  }
  setTagPcp(i: number, pcp: number): void {
    const p = this.tagAt(i) + 2;
    this.buf[p] = (this.buf[p]! & 0x1f) | ((pcp & 7) << 5);
  }
  setTagDei(i: number, dei: number): void {
    const p = this.tagAt(i) + 2;
    this.buf[p] = (this.buf[p]! & 0xef) | ((dei & 1) << 4);
  }

  /** The innermost type/length field (after all tags). */
  get etherType(): number {
    return u16(this.buf, this.off + F.TAGS + this.tags * VLAN_TAG_LEN);
  }
  set etherType(v: number) {
    put16(this.buf, this.off + F.TAGS + this.tags * VLAN_TAG_LEN, v);
  }
  /** IEEE 802.3 frame: the field is a payload length (≤ 1500) and LLC follows. */
  get isLengthField(): boolean {
    return this.etherType <= ETH_MAX_LENGTH_FIELD;
  }
  /** Ethernet II: the field is an EtherType (≥ 0x0600). */
  get isTypeField(): boolean {
    return this.etherType >= ETH_MIN_ETHERTYPE;
  }
  get headerLength(): number {
    return ETH_HEADER_LEN + this.tags * VLAN_TAG_LEN;
  }
  /** Absolute index into buf of the first byte after the header. */
  get payloadOffset(): number {
    return this.off + ETH_HEADER_LEN + this.tags * VLAN_TAG_LEN;
  }
  /** Every byte after the header, padding included (see the note at the top of this file). */
  get payloadLength(): number {
    return this.len - ETH_HEADER_LEN - this.tags * VLAN_TAG_LEN;
  }
}

/** One 802.1Q tag. `dei` is 0 or 1 (a bit, like the other fields, so it packs without branching). */
export interface VlanTag {
  tpid: number;
  pcp: number;
  dei: number;
  vid: number;
}

export interface EthernetRepr {
  dst: number;
  src: number;
  /** Outermost first. */
  tags: VlanTag[];
  /** EtherType, or the 802.3 length for length frames (≤ 1500), or an undefined value 1501–1535. */
  type: number;
}

/**
 * Decodes the header. Beyond check(): an 802.3 length larger than the bytes that follow the header
 * is BAD_LENGTH (a smaller one is fine: the rest is padding). Unknown EtherTypes pass through.
 */
export function parseEthernet(v: EthernetView): EthernetRepr | WireError {
  const e = v.check();
  if (e !== 0) return e as WireError;
  const type = v.etherType;
  if (type <= ETH_MAX_LENGTH_FIELD && type > v.payloadLength) return WireError.BAD_LENGTH;
  const tags: VlanTag[] = [];
  for (let i = 0; i < v.tagCount; i++)
    tags.push({ tpid: v.tagTpid(i), pcp: v.tagPcp(i), dei: v.tagDei(i), vid: v.tagVid(i) });
  return { dst: v.dst, src: v.src, tags, type };
}

export function ethernetHeaderLength(r: EthernetRepr): number {
  return ETH_HEADER_LEN + r.tags.length * VLAN_TAG_LEN;
}

/**
 * Writes the header (MACs, every tag in r.tags as given, type) at buf[off..]; returns the bytes
 * written. The caller sizes buf with ethernetHeaderLength(r) (NO_SPACE is its check, not ours).
 */
export function emitEthernet(r: EthernetRepr, buf: Uint8Array, off: number): number {
  writeMac(buf, off + F.DST, r.dst);
  writeMac(buf, off + F.SRC, r.src);
  let p = off + F.TAGS;
  for (const t of r.tags) {
    put16(buf, p, t.tpid);
    put16(buf, p + 2, ((t.pcp & 7) << 13) | ((t.dei & 1) << 12) | (t.vid & 0x0fff));
    p += VLAN_TAG_LEN;
  }
  put16(buf, p, r.type);
  return p + 2 - off;
}

/**
 * Zero-pads the frame at buf[off..off+len) up to ETH_MIN_FRAME and returns the new length (len
 * itself if already long enough). As Linux does (ETH_ZLEN), tagged frames are padded to 60 too.
 * buf must have room for 60 bytes at off: a smaller buffer is a sizing bug and throws RangeError.
 */
export function padFrame(buf: Uint8Array, off: number, len: number): number {
  if (len >= ETH_MIN_FRAME) return len;
  if (off + ETH_MIN_FRAME > buf.length) throw new RangeError(`padFrame: no room for ${ETH_MIN_FRAME} bytes at offset ${off}`);
  buf.fill(0, off + len, off + ETH_MIN_FRAME);
  return ETH_MIN_FRAME;
}

/**
 * Inserts a VLAN tag as the new outermost tag of the frame at buf[off..off+len), moving the two MACs
 * 4 bytes earlier into headroom (like the kernel's vlan_insert_tag; the payload is not copied).
 * Requires off ≥ 4. Returns the frame's new offset (off − 4); its length grows by 4.
 */
export function pushVlanTag(buf: Uint8Array, off: number, tpid: number, pcp: number, dei: number, vid: number): number {
  if (off < VLAN_TAG_LEN) throw new RangeError('pushVlanTag: needs 4 bytes of headroom');
  const n = off - VLAN_TAG_LEN;
  buf.copyWithin(n, off, off + 12);
  put16(buf, n + 12, tpid);
  put16(buf, n + 14, ((pcp & 7) << 13) | ((dei & 1) << 12) | (vid & 0x0fff));
  return n;
}

/**
 * Removes the outermost VLAN tag of a checked frame by moving the MACs 4 bytes later. Returns the new
 * offset (off + 4); the length shrinks by 4. The caller has checked that tagCount ≥ 1.
 */
export function popVlanTag(buf: Uint8Array, off: number): number {
  buf.copyWithin(off + VLAN_TAG_LEN, off, off + 12);
  return off + VLAN_TAG_LEN;
}

/** Names as Wireshark's protocol column shows them; unknown types as 0x%04x. */
export function etherTypeName(type: number): string {
  switch (type) {
    case EtherType.IPV4: return 'IPv4';
    case EtherType.ARP: return 'ARP';
    case EtherType.IPV6: return 'IPv6';
    case EtherType.LLDP: return 'LLDP';
    case EtherType.VLAN: return '802.1Q';
    case EtherType.QINQ: return '802.1ad';
    case 0x8035: return 'RARP';
  }
  if (type <= ETH_MAX_LENGTH_FIELD) return `802.3 length ${type}`;
  if (type < ETH_MIN_ETHERTYPE) return `invalid length/type 0x${hex4(type)}`;
  return `0x${hex4(type)}`;
}
function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

/**
 * One line, source first as tshark prints it:
 * "02:00:00:00:00:01 → ff:ff:ff:ff:ff:ff S-VLAN 100 VLAN 10 pcp 5 IPv4".
 * C-tags (0x8100) print as "VLAN n", S-tags (0x88a8/0x9100) as "S-VLAN n"; pcp/dei only when set.
 */
export function formatEthernet(r: EthernetRepr): string {
  let s = `${macToString(r.src)} → ${macToString(r.dst)}`;
  for (const t of r.tags) {
    s += t.tpid === EtherType.VLAN ? ` VLAN ${t.vid}` : ` S-VLAN ${t.vid}`;
    if (t.pcp !== 0) s += ` pcp ${t.pcp}`;
    if (t.dei !== 0) s += ' dei';
  }
  return `${s} ${etherTypeName(r.type)}`;
}
