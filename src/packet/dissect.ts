// Frame dissection for people and tools (inspect, --verify, tests): a captured Ethernet frame becomes
// an ordered list of layers, each with its byte range, its decoded repr and a way to re-emit its own
// bytes. This is the control path (it allocates reprs); the fast path uses the views directly.
//
// Next-layer decoders live in three registries keyed by EtherType, IP protocol and UDP port, as in
// Wireshark's dissector tables, so VXLAN (UDP 4789), Weave's sleeve (UDP 6784) or TCP (proto 6) plug
// in with one register call from their own module; nothing here changes.
//
// "Partial" bytes are normal, not malformed: a snap-length-truncated record, the quote inside an
// ICMP error (RFC 792: header + leading data only) and an IP fragment all carry headers whose length
// fields promise more than is present. Decoders read what is there, do not verify checksums over
// bytes they cannot see, and stop quietly when a header itself is cut off in a truncated record.
import { wireErrorName, WireError } from '../wire-error.ts';
import { EthernetView, parseEthernet, emitEthernet, EtherType, type EthernetRepr } from '../ethernet/frame.ts';
import { ArpView, parseArp, emitArp, ARP_LEN, type ArpRepr } from '../arp/packet.ts';
import { Ipv4View, parseIpv4, emitIpv4, IpProto, type Ipv4Repr } from '../ip/ipv4.ts';
import { sum16, fold } from '../ip/checksum.ts';
import { IcmpView, parseIcmp, emitIcmp, type IcmpRepr } from '../ip/icmp.ts';
import { UdpView, emitUdp, UDP_HEADER_LEN, type UdpRepr } from '../ip/udp.ts';
import { DnsView, parseDnsMessage, encodeDnsMessage, type DnsMessage } from '../dns/message.ts';

export type ChecksumStatus = 'good' | 'bad' | 'none' | 'unverified';

export interface Layer {
  /** Wireshark's protocol filter name: eth, vlan, ieee8021ad, arp, ip, icmp, udp, dns, data, padding… */
  proto: string;
  /** Absolute offset and length of this layer's own bytes (header; the whole message for leaves). */
  off: number;
  len: number;
  /** The decoded repr (EthernetRepr, VlanTagInfo, ArpRepr, Ipv4Repr, IcmpRepr, UdpRepr, DnsMessage, RawInfo). */
  repr: unknown;
  /** Writes this layer's bytes from its repr into `out` at `off` (for the re-encode check). */
  emit?: (out: Uint8Array) => void;
  /** For layers that carry a checksum. */
  checksum?: { status: ChecksumStatus; stored: number; computed?: number };
  /** True when the layer lies inside an ICMP error's quote (tshark dissects those too). */
  quoted?: boolean;
  /** Extra facts for summaries: e.g. `payloadLength` of UDP, `ttl` for ICMP. */
  info?: Record<string, number | string | boolean>;
}

export interface VlanTagInfo { tpid: number; pcp: number; dei: number; vid: number; type: number }
export interface RawInfo { bytes: Uint8Array }

export interface Dissection {
  layers: Layer[];
  /** The first malformed layer, if any: its protocol and WireError. */
  error: { proto: string; code: number; name: string } | null;
  /** Fewer bytes captured than were on the wire. */
  truncated: boolean;
  /** Set (a sentence) when the record's link type cannot be dissected at all. */
  unsupported?: string;
}

/** State a decoder sees: the bytes, where we are, and what outer layers established. */
export interface DissectCtx {
  buf: Uint8Array;
  layers: Layer[];
  /** Record truncated by the snap length. */
  truncated: boolean;
  /** Inside bytes that are a prefix of something larger (quote, fragment, snaplen). */
  partial: boolean;
  quoted: boolean;
  /** Innermost IPv4 source/destination, for pseudo-header checksums. */
  ipSrc: number;
  ipDst: number;
  /** ICMP quote nesting depth (quotes inside quotes are shown as data). */
  quoteDepth: number;
  error: Dissection['error'];
}

/**
 * Decodes the payload at buf[off, off+len) and pushes its layers. Returns how many bytes the
 * protocol claims (e.g. IPv4 total length, 28 for ARP), so the caller can call the rest padding;
 * return `len` when it takes everything.
 */
export type Decoder = (ctx: DissectCtx, off: number, len: number) => number;

const etherTypes = new Map<number, Decoder>();
const ipProtocols = new Map<number, Decoder>();
const udpPorts = new Map<number, Decoder>();

export function registerEtherType(type: number, d: Decoder): void { etherTypes.set(type, d); }
export function registerIpProtocol(proto: number, d: Decoder): void { ipProtocols.set(proto, d); }
export function registerUdpPort(port: number, d: Decoder): void { udpPorts.set(port, d); }

export function fail(ctx: DissectCtx, proto: string, code: number): void {
  if (ctx.error === null) ctx.error = { proto, code, name: wireErrorName(code) };
}

/** A `data` layer (undissected bytes), as Wireshark shows them. */
export function pushData(ctx: DissectCtx, off: number, len: number, proto = 'data'): void {
  if (len <= 0) return;
  const bytes = ctx.buf.slice(off, off + len);
  ctx.layers.push({
    proto, off, len, repr: { bytes } satisfies RawInfo, quoted: ctx.quoted || undefined,
    emit: (out) => out.set(bytes, off),
  });
}

/** Hands a UDP payload to the decoder for its lower port first, then the other (as Wireshark tries). */
export function dispatchUdp(ctx: DissectCtx, sport: number, dport: number, off: number, len: number): void {
  const lo = Math.min(sport, dport), hi = Math.max(sport, dport);
  const d = udpPorts.get(lo) ?? udpPorts.get(hi);
  if (d && !ctx.partial) d(ctx, off, len);
  else pushData(ctx, off, len);
}

export function dispatchIp(ctx: DissectCtx, proto: number, off: number, len: number): void {
  const d = ipProtocols.get(proto);
  if (d) d(ctx, off, len);
  else pushData(ctx, off, len);
}

/** Dissects one Ethernet frame. `origLen` (the length on the wire) marks snap-length truncation. */
export function dissect(buf: Uint8Array, off = 0, len = buf.length - off, origLen = len): Dissection {
  const ctx: DissectCtx = {
    buf, layers: [], truncated: origLen > len, partial: origLen > len, quoted: false,
    ipSrc: 0, ipDst: 0, quoteDepth: 0, error: null,
  };
  dissectEthernet(ctx, off, len);
  return { layers: ctx.layers, error: ctx.error, truncated: ctx.truncated };
}

const ethView = new EthernetView();

/** An Ethernet frame at buf[off, off+len): the outer one, or one carried by an overlay (VXLAN). */
export function dissectEthernet(ctx: DissectCtx, off: number, len: number): void {
  const v = ethView.wrap(ctx.buf, off, len);
  const r = parseEthernet(v);
  if (typeof r === 'number') {
    if (!(ctx.truncated && r === WireError.TRUNCATED)) fail(ctx, 'eth', r);
    pushData(ctx, off, len);
    return;
  }
  const er: EthernetRepr = r;
  const hl = v.headerLength;
  // eth covers the MACs and the first type field; each tag is its own 4-byte layer (TCI + next type)
  ctx.layers.push({ proto: 'eth', off, len: 14, repr: er, emit: (out) => emitEthernet(er, out, off) });
  for (let i = 0; i < er.tags.length; i++) {
    const t = er.tags[i]!;
    const next = i + 1 < er.tags.length ? er.tags[i + 1]!.tpid : er.type;
    // Wireshark: 0x88a8 is "IEEE 802.1ad"; 0x8100 and the legacy 0x9100 are "802.1Q Virtual LAN"
    const proto = t.tpid === EtherType.QINQ ? 'ieee8021ad' : 'vlan';
    ctx.layers.push({ proto, off: off + 14 + 4 * i, len: 4, repr: { ...t, type: next } satisfies VlanTagInfo });
  }
  dispatchEtherType(ctx, er.type, off + hl, len - hl);
}

/** The payload of an EtherType-carrying header (Ethernet, Linux cooked); what it leaves over is padding. */
function dispatchEtherType(ctx: DissectCtx, type: number, po: number, pl: number): void {
  const d = type >= 0x0600 ? etherTypes.get(type) : undefined;
  if (!d) {
    pushData(ctx, po, pl);
    return;
  }
  const used = d(ctx, po, pl);
  if (ctx.error === null && used < pl) pushData(ctx, po + used, pl - used, 'padding');
}

// ---- Link types other than Ethernet ---------------------------------------------------------------

/** LINKTYPE_ values (tcpdump.org registry) this dissector understands besides Ethernet (1). */
const LT_RAW = 101, LT_LINUX_SLL = 113, LT_IPV4 = 228, LT_LINUX_SLL2 = 276;
const LINK_NAMES: Record<number, string> = {
  0: 'NULL', 1: 'EN10MB', 101: 'RAW', 113: 'LINUX_SLL', 228: 'IPV4', 229: 'IPV6', 276: 'LINUX_SLL2',
};

/** Linux cooked-capture header (`tcpdump -i any`), kept as read so it re-encodes byte for byte. */
export interface SllInfo {
  version: 1 | 2;
  pktType: number;
  haType: number;
  /** Link-layer source address bytes (halen of them, at most 8). */
  addr: Uint8Array;
  protocol: number;
  /** SLL2 only. */
  ifIndex?: number;
  bytes: Uint8Array;
}

/** Whether `dissectFrame` decodes this link type. */
export function linkTypeSupported(linktype: number): boolean {
  return linktype === 1 || linktype === LT_RAW || linktype === LT_IPV4 || linktype === LT_LINUX_SLL || linktype === LT_LINUX_SLL2;
}

/** "276 (LINUX_SLL2)" for messages. */
export function linkTypeLabel(linktype: number): string {
  return `${linktype} (${LINK_NAMES[linktype] ?? 'unknown'})`;
}

/**
 * Dissects one captured record of the given link type: Ethernet; raw IP (101, the version nibble
 * decides; 228 is IPv4 only) starting at the IPv4 layer; Linux cooked SLL (16-byte header, protocol
 * at offset 14) and SLL2 (20-byte header, protocol at offset 0), whose protocol is an EtherType.
 * Other link types give `unsupported` and no layers.
 */
export function dissectFrame(linktype: number, buf: Uint8Array, off = 0, len = buf.length - off, origLen = len): Dissection {
  if (linktype === 1) return dissect(buf, off, len, origLen);
  const ctx: DissectCtx = {
    buf, layers: [], truncated: origLen > len, partial: origLen > len, quoted: false,
    ipSrc: 0, ipDst: 0, quoteDepth: 0, error: null,
  };
  const done = (): Dissection => ({ layers: ctx.layers, error: ctx.error, truncated: ctx.truncated });
  if (linktype === LT_RAW || linktype === LT_IPV4) {
    if (len > 0 && buf[off]! >> 4 === 4) {
      const used = dissectIpv4(ctx, off, len);
      if (ctx.error === null && used < len) pushData(ctx, off + used, len - used, 'padding');
    } else pushData(ctx, off, len); // IPv6 (version 6) is not decoded yet: shown as data
    return done();
  }
  if (linktype === LT_LINUX_SLL || linktype === LT_LINUX_SLL2) {
    const v2 = linktype === LT_LINUX_SLL2;
    const hl = v2 ? 20 : 16;
    if (len < hl) {
      if (!ctx.truncated) fail(ctx, 'sll', WireError.TRUNCATED);
      pushData(ctx, off, len);
      return done();
    }
    const b = buf;
    const bytes = b.slice(off, off + hl);
    const halen = v2 ? b[off + 11]! : (b[off + 4]! << 8) | b[off + 5]!;
    const addrOff = off + (v2 ? 12 : 6);
    const info: SllInfo = v2
      ? { version: 2, protocol: (b[off]! << 8) | b[off + 1]!, ifIndex: ((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0,
          haType: (b[off + 8]! << 8) | b[off + 9]!, pktType: b[off + 10]!, addr: b.slice(addrOff, addrOff + Math.min(halen, 8)), bytes }
      : { version: 1, pktType: (b[off]! << 8) | b[off + 1]!, haType: (b[off + 2]! << 8) | b[off + 3]!,
          addr: b.slice(addrOff, addrOff + Math.min(halen, 8)), protocol: (b[off + 14]! << 8) | b[off + 15]!, bytes };
    ctx.layers.push({ proto: 'sll', off, len: hl, repr: info, emit: (out) => out.set(bytes, off) });
    dispatchEtherType(ctx, info.protocol, off + hl, len - hl);
    return done();
  }
  return { layers: [], error: null, truncated: ctx.truncated, unsupported: `link type ${linkTypeLabel(linktype)} is not supported` };
}

// ---- ARP ------------------------------------------------------------------------------------------

const arpView = new ArpView();
registerEtherType(EtherType.ARP, (ctx, off, len) => {
  const r = parseArp(arpView.wrap(ctx.buf, off, len));
  if (typeof r === 'number') {
    if (!(ctx.truncated && r === WireError.TRUNCATED)) fail(ctx, 'arp', r);
    pushData(ctx, off, len);
    return len;
  }
  const ar: ArpRepr = r;
  ctx.layers.push({ proto: 'arp', off, len: ARP_LEN, repr: ar, emit: (out) => emitArp(ar, out, off) });
  return ARP_LEN;
});

// ---- IPv4 -----------------------------------------------------------------------------------------

const ipView = new Ipv4View();

/**
 * IPv4 header at buf[off, off+len). In partial contexts the total length may exceed the bytes
 * present: the header is decoded from a zero-extended copy (its checksum covers the header only).
 */
registerEtherType(EtherType.IPV4, dissectIpv4);

export function dissectIpv4(ctx: DissectCtx, off: number, len: number): number {
  const b = ctx.buf;
  let v = ipView.wrap(b, off, len);
  let e = v.check();
  let partialHere = false;
  if (e === WireError.BAD_TOTAL_LENGTH && (ctx.partial || ctx.quoted)) {
    const hl = (b[off]! & 15) * 4;
    const tl = (b[off + 2]! << 8) | b[off + 3]!;
    if (tl >= hl) {
      const copy = new Uint8Array(tl);
      copy.set(b.subarray(off, off + len));
      v = new Ipv4View().wrap(copy, 0, tl);
      e = 0;
      partialHere = true;
    }
  }
  if (e !== 0) {
    if (!((ctx.truncated || ctx.quoted) && (e === WireError.TRUNCATED || e === WireError.BAD_IHL))) fail(ctx, 'ip', e);
    pushData(ctx, off, len);
    return len;
  }
  const r = parseIpv4(v, { verifyChecksum: false });
  if (typeof r === 'number') {
    fail(ctx, 'ip', r);
    pushData(ctx, off, len);
    return len;
  }
  const ir: Ipv4Repr = r;
  const hl = v.headerLength;
  const stored = v.checksum;
  // the field itself is skipped rather than zeroed: the bytes are borrowed, never written
  const computed = ~fold(sum16(v.buf, v.off + 12, hl - 12, sum16(v.buf, v.off, 10))) & 0xffff;
  const tl = ir.totalLength!;
  const present = Math.min(tl, len);
  ctx.layers.push({
    proto: 'ip', off, len: hl, repr: ir, quoted: ctx.quoted || undefined,
    checksum: { status: stored === computed ? 'good' : 'bad', stored, computed },
    emit: (out) => { emitIpv4(ir, tl - hl, out, off); },
  });
  const savedPartial = ctx.partial, savedSrc = ctx.ipSrc, savedDst = ctx.ipDst;
  ctx.ipSrc = ir.src;
  ctx.ipDst = ir.dst;
  if (partialHere || ir.mf) ctx.partial = true;
  if (ir.fragOffset !== 0) {
    // not the first fragment: no transport header here (tshark: "Fragmented IP protocol")
    pushData(ctx, off + hl, present - hl);
  } else {
    dispatchIp(ctx, ir.protocol, off + hl, present - hl);
  }
  ctx.partial = savedPartial;
  ctx.ipSrc = savedSrc;
  ctx.ipDst = savedDst;
  return present;
}


// ---- ICMP -----------------------------------------------------------------------------------------

registerIpProtocol(IpProto.ICMP, (ctx, off, len) => {
  const v = new IcmpView(ctx.buf, off, len);
  const r = parseIcmp(v, { verifyChecksum: false });
  if (typeof r === 'number') {
    if (!((ctx.partial || ctx.quoted) && r === WireError.TRUNCATED)) fail(ctx, 'icmp', r);
    pushData(ctx, off, len);
    return len;
  }
  const ir: IcmpRepr = r;
  const stored = v.checksum;
  const computed = v.computeChecksum();
  const status: ChecksumStatus = ctx.partial ? 'unverified' : stored === computed ? 'good' : 'bad';
  const ipLayer = findLast(ctx.layers, 'ip');
  ctx.layers.push({
    proto: 'icmp', off, len, repr: ir, quoted: ctx.quoted || undefined,
    checksum: { status, stored, computed },
    info: { ttl: ipLayer ? (ipLayer.repr as Ipv4Repr).ttl : 0 },
    emit: (out) => { emitIcmp(ir, out, off); },
  });
  if (ir.kind === 'error' && ctx.quoteDepth === 0) {
    const saved = ctx.quoted;
    ctx.quoted = true;
    ctx.quoteDepth++;
    dissectIpv4(ctx, off + 8, len - 8);
    ctx.quoteDepth--;
    ctx.quoted = saved;
  }
  return len;
});

function findLast(layers: Layer[], proto: string): Layer | undefined {
  for (let i = layers.length - 1; i >= 0; i--) if (layers[i]!.proto === proto) return layers[i];
  return undefined;
}

// ---- UDP ------------------------------------------------------------------------------------------

registerIpProtocol(IpProto.UDP, (ctx, off, len) => {
  const b = ctx.buf;
  if (len < UDP_HEADER_LEN) {
    if (!(ctx.partial || ctx.quoted)) fail(ctx, 'udp', WireError.TRUNCATED);
    pushData(ctx, off, len);
    return len;
  }
  const v = new UdpView(b, off, len);
  const e = v.check();
  const partial = ctx.partial || ctx.quoted;
  if (e !== 0 && !(partial && e === WireError.BAD_UDP_LENGTH && v.length >= UDP_HEADER_LEN)) {
    fail(ctx, 'udp', e);
    pushData(ctx, off, len);
    return len;
  }
  const ur: UdpRepr = { srcPort: v.srcPort, dstPort: v.dstPort, length: v.length, checksum: v.checksum };
  const present = Math.min(ur.length!, len);
  let status: ChecksumStatus = 'none';
  let computed: number | undefined;
  if (ur.checksum !== 0) {
    if (partial || present < ur.length!) status = 'unverified';
    else {
      computed = v.computeChecksum(ctx.ipSrc, ctx.ipDst);
      status = computed === ur.checksum ? 'good' : 'bad';
    }
  }
  ctx.layers.push({
    proto: 'udp', off, len: UDP_HEADER_LEN, repr: ur, quoted: ctx.quoted || undefined,
    checksum: { status, stored: ur.checksum!, computed },
    info: { payloadLength: ur.length! - UDP_HEADER_LEN },
    emit: (out) => { emitUdp(ur, 0, 0, 0, out, off); },
  });
  const wasPartial = ctx.partial;
  if (present < ur.length!) ctx.partial = true;
  dispatchUdp(ctx, ur.srcPort, ur.dstPort, off + UDP_HEADER_LEN, present - UDP_HEADER_LEN);
  ctx.partial = wasPartial;
  return present;
});

// ---- DNS ------------------------------------------------------------------------------------------

/** DNS over UDP port 53 (RFC 1035 §4.2.1). A malformed message is reported with its WireError. */
export function dissectDns(ctx: DissectCtx, off: number, len: number): number {
  const m = parseDnsMessage(new DnsView(ctx.buf, off, len));
  if (typeof m === 'number') {
    // Port 53 is only a hint: a payload that is not a DNS message (an empty datagram, a probe, a
    // benchmark filler) is shown as data, which re-encodes byte for byte. tshark calls it malformed
    // DNS, but it is not a fault of the frame, and --verify checks checksums and re-encoding only.
    pushData(ctx, off, len);
    return len;
  }
  const dm: DnsMessage = m;
  const orig = ctx.buf.slice(off, off + len);
  ctx.layers.push({
    proto: 'dns', off, len, repr: dm, quoted: ctx.quoted || undefined,
    // Name compression is an encoder's choice: re-emit the way that reproduces the message if either
    // of ours does (compressed, then uncompressed), else our compressed form (and the check reports it).
    emit: (out) => {
      let enc = encodeDnsMessage(dm, true);
      if (!bytesEqual(enc, orig)) {
        const plain = encodeDnsMessage(dm, false);
        if (bytesEqual(plain, orig)) enc = plain;
      }
      out.set(enc.subarray(0, Math.min(enc.length, out.length - off)), off);
    },
  });
  return len;
}
registerUdpPort(53, dissectDns);

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Re-encodes a dissected frame from its reprs (each layer's emit over a zeroed buffer; bytes no layer
 * covers stay zero) and returns the first differing offset, or -1 when byte-identical.
 */
export function reencodeMismatch(buf: Uint8Array, off: number, len: number, d: Dissection): number {
  const out = new Uint8Array(buf.length);
  for (const l of d.layers) {
    if (l.emit) l.emit(out);
  }
  for (let i = off; i < off + len; i++) if (out[i] !== buf[i]) return i - off;
  return -1;
}
