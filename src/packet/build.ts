// Building frames from a layer stack, as scapy's `Ether()/Dot1Q()/IP()/UDP()/Raw()` does: each layer is
// a mapping of field overrides; whatever is not given is filled in (EtherType and IP protocol from the
// next layer, lengths from the payload, checksums over the result), and whatever is given is written
// as is — wrong lengths and checksums included, so broken packets can be made on purpose.
//
// Defaults follow scapy where scapy's do not depend on the host (Ether type 0x9000 before raw data,
// IP id 1 / ttl 64 / proto 0, UDP ports 53, ICMP echo-request id 0 seq 0), so a stack written both
// ways gives the same bytes. Unlike scapy, frames are zero-padded to the Ethernet minimum of 60 bytes
// (what a NIC sends; `ether: {pad: false}` turns it off). `padding` layers, as scapy's Padding, are
// not counted in any length field: their bytes go after the outermost datagram.
//
// Builders run inside out: a layer's payload is the built bytes of the layers after it. This is the
// control path and allocates freely; the codecs' emit functions write every header.
import { put16, put32 } from '../bytes.ts';
import { emitEthernet, EtherType, ETH_MIN_FRAME } from '../ethernet/frame.ts';
import { emitIpv4, IpProto } from '../ip/ipv4.ts';
import { emitUdp } from '../ip/udp.ts';
import { IcmpView } from '../ip/icmp.ts';
import { encodeDnsMessage, dnsMessage, type DnsRecord, type DnsQuestion, type Edns } from '../dns/message.ts';
import { parseDnsType, parseDnsClass, DnsType } from '../dns/types.ts';
import { parseIpv6, type RData } from '../dns/rdata.ts';
import { tryParseIpv4 } from '../ip/address.ts';
import { Obj, SpecError, describe, isPlainObject, toHexBytes, toInt } from './spec.ts';

export const LAYER_KINDS = ['ether', 'vlan', 'arp', 'ipv4', 'icmp', 'udp', 'dns', 'raw', 'padding'] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];

interface LayerSpec {
  kind: LayerKind;
  o: Obj;
}

/** Frame bytes from a list of `{kind: {fields}}` layers; `path` names the list in errors. */
export function buildStack(layers: unknown, path: string, index = 0): Uint8Array {
  if (!Array.isArray(layers) || layers.length === 0) throw new SpecError(path, `expected a non-empty list of layers, got ${describe(layers)}`);
  const specs: LayerSpec[] = layers.map((l, i) => {
    const p = `${path}[${i}]`;
    if (typeof l === 'string' && (LAYER_KINDS as readonly string[]).includes(l)) return { kind: l as LayerKind, o: new Obj({}, `${p}.${l}`, index) };
    if (!isPlainObject(l)) throw new SpecError(p, `expected a layer like {ipv4: {...}}, got ${describe(l)}`);
    const keys = Object.keys(l);
    if (keys.length !== 1) throw new SpecError(p, `a layer has exactly one key (its kind), got ${keys.length ? keys.join(', ') : 'none'}`);
    const kind = keys[0]!;
    if (!(LAYER_KINDS as readonly string[]).includes(kind)) throw new SpecError(`${p}.${kind}`, `unknown layer kind (expected one of ${LAYER_KINDS.join(', ')})`);
    return { kind: kind as LayerKind, o: Obj.from(l[kind], `${p}.${kind}`, index) };
  });
  const trailer: Uint8Array[] = [];
  let pad = true;
  let payload: Uint8Array = new Uint8Array(0);
  for (let i = specs.length - 1; i >= 0; i--) {
    const s = specs[i]!;
    const next = specs[i + 1]?.kind;
    switch (s.kind) {
      case 'ether': {
        const r = buildEther(s.o, payload, next, specs[i + 1]);
        payload = r.bytes;
        if (i === 0) pad = r.pad;
        break;
      }
      case 'vlan': payload = buildVlan(s.o, payload, next, specs[i + 1]); break;
      case 'arp': payload = concat(buildArp(s.o, specs), payload); break;
      case 'ipv4': payload = buildIpv4(s.o, payload, next); break;
      case 'icmp': payload = buildIcmp(s.o, payload); break;
      case 'udp': payload = buildUdp(s.o, payload, enclosingIp(specs, i)); break;
      case 'dns': payload = concat(buildDns(s.o), payload); break;
      case 'raw': payload = concat(buildRaw(s.o), payload); break;
      case 'padding': trailer.unshift(buildRaw(s.o)); break;
    }
  }
  checkOrder(specs, path);
  let frame = concat(payload, ...trailer);
  if (specs[0]!.kind === 'ether' && pad && frame.length < ETH_MIN_FRAME) {
    const f = new Uint8Array(ETH_MIN_FRAME);
    f.set(frame);
    frame = f;
  }
  return frame;
}

/**
 * Which layer may follow which (the bindings a receiver would use to find it): a frame starts with
 * ether (or is raw bytes); udp and icmp ride on ipv4, dns on udp, an ICMP error quotes an ipv4
 * header; raw data and padding may end any stack. Checked after the fields so field errors come first.
 */
const MAY_FOLLOW: Record<LayerKind, readonly LayerKind[]> = {
  ether: ['vlan', 'arp', 'ipv4', 'raw', 'padding'],
  vlan: ['vlan', 'arp', 'ipv4', 'raw', 'padding'],
  arp: ['raw', 'padding'],
  ipv4: ['icmp', 'udp', 'ipv4', 'raw', 'padding'],
  icmp: ['ipv4', 'raw', 'padding'],
  udp: ['dns', 'raw', 'padding'],
  dns: ['raw', 'padding'],
  raw: ['raw', 'padding'],
  padding: ['padding'],
};

function checkOrder(specs: LayerSpec[], path: string): void {
  const first = specs[0]!.kind;
  if (first !== 'ether' && first !== 'raw') {
    throw new SpecError(`${path}[0].${first}`, `a frame starts with ether (or raw bytes), not ${first}`);
  }
  for (let i = 1; i < specs.length; i++) {
    const prev = specs[i - 1]!.kind, k = specs[i]!.kind;
    if (!MAY_FOLLOW[prev].includes(k)) {
      throw new SpecError(`${path}[${i}].${k}`, `${k} cannot follow ${prev} (after ${prev} comes ${MAY_FOLLOW[prev].join(', ')})`);
    }
  }
}

/** RFC 1035 §2.3.4: labels of at most 63 octets, names of at most 255 in wire form. */
function checkDnsName(name: string, path: string): void {
  const text = name.endsWith('.') ? name.slice(0, -1) : name;
  if (text === '') return;
  let wire = 1;
  for (const label of text.split('.')) {
    const n = new TextEncoder().encode(label).length;
    const shown = label.length > 20 ? `${label.slice(0, 20)}…` : label;
    if (n === 0) throw new SpecError(path, `name ${describe(name)} has an empty label (two dots in a row)`);
    if (n > 63) throw new SpecError(path, `label "${shown}" of ${describe(name)} is ${n} octets (a DNS label is at most 63, RFC 1035 §2.3.4)`);
    wire += n + 1;
  }
  if (wire > 255) throw new SpecError(path, `name ${describe(name)} is ${wire} octets in wire form (at most 255, RFC 1035 §2.3.4)`);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** The EtherType a following layer calls for (scapy's binding rules). */
function etherTypeFor(next: LayerKind | undefined, nextSpec: LayerSpec | undefined): number {
  if (next === 'vlan') return vlanTpid(nextSpec!.o, false);
  if (next === 'ipv4') return EtherType.IPV4;
  if (next === 'arp') return EtherType.ARP;
  return 0x9000; // scapy's Ether default (the loopback protocol) when nothing binds
}

function etherTypeField(o: Obj, next: LayerKind | undefined, nextSpec: LayerSpec | undefined): number {
  return o.int('type', 0, 0xffff) ?? etherTypeFor(next, nextSpec);
}

function buildEther(o: Obj, payload: Uint8Array, next: LayerKind | undefined, nextSpec: LayerSpec | undefined): { bytes: Uint8Array; pad: boolean } {
  const dst = o.mac('dst', 0xffffffffffff);
  const src = o.mac('src', 0x020000000001);
  const type = etherTypeField(o, next, nextSpec);
  const pad = o.bool('pad', true);
  o.done();
  const out = new Uint8Array(14 + payload.length);
  emitEthernet({ dst, src, tags: [], type }, out, 0);
  out.set(payload, 14);
  return { bytes: out, pad };
}

/** TPID of a vlan layer: 0x8100 unless `tpid` says otherwise (0x88a8 / "802.1ad" for an S-tag). */
function vlanTpid(o: Obj, consume: boolean): number {
  const v = consume ? (o.has('tpid') ? o.raw('tpid') : undefined) : o.o.tpid;
  if (v === undefined || v === null) {
    if (consume) o.int('tpid', 0, 0xffff);
    return EtherType.VLAN;
  }
  if (v === '802.1ad' || v === 'qinq') return EtherType.QINQ;
  if (v === '802.1q' || v === '802.1Q') return EtherType.VLAN;
  if (!consume) {
    try { return toInt(v, o.at('tpid'), 0, 0xffff); } catch { return EtherType.VLAN; }
  }
  return toInt(v, o.at('tpid'), 0, 0xffff);
}

function buildVlan(o: Obj, payload: Uint8Array, next: LayerKind | undefined, nextSpec: LayerSpec | undefined): Uint8Array {
  vlanTpid(o, true); // validated here; the layer before writes it
  const vid = o.int('vid', 0, 4095, 1);
  const pcp = o.int('pcp', 0, 7, 0);
  const dei = o.int('dei', 0, 1, 0);
  const type = etherTypeField(o, next, nextSpec);
  o.done();
  const out = new Uint8Array(4 + payload.length);
  put16(out, 0, (pcp << 13) | (dei << 12) | vid);
  put16(out, 2, type);
  out.set(payload, 4);
  return out;
}

const ARP_OPS: Record<string, number> = { request: 1, reply: 2, 'who-has': 1, 'is-at': 2 };

function buildArp(o: Obj, specs: LayerSpec[]): Uint8Array {
  const ether = specs.find((s) => s.kind === 'ether');
  const etherSrc = ether && typeof ether.o.o.src === 'string' ? ether.o.o.src : '02:00:00:00:00:01';
  let op = 1;
  if (o.has('op')) {
    const v = o.raw('op');
    op = typeof v === 'string' && ARP_OPS[v] !== undefined ? ARP_OPS[v]! : toInt(v, o.at('op'), 0, 0xffff);
  } else o.raw('op');
  const out = new Uint8Array(28);
  put16(out, 0, o.int('hwtype', 0, 0xffff, 1));
  put16(out, 2, o.int('ptype', 0, 0xffff, 0x0800));
  out[4] = o.int('hwlen', 0, 255, 6);
  out[5] = o.int('plen', 0, 255, 4);
  put16(out, 6, op);
  const hwsrc = new Obj({ hwsrc: etherSrc }, o.path).mac('hwsrc', 0);
  putMac(out, 8, o.mac('hwsrc', hwsrc));
  put32(out, 14, o.ipv4('psrc', 0));
  putMac(out, 18, o.mac('hwdst', 0));
  put32(out, 24, o.ipv4('pdst', 0));
  o.done();
  return out;
}

function putMac(b: Uint8Array, off: number, m: number): void {
  put16(b, off, Math.floor(m / 0x100000000));
  put32(b, off + 2, m >>> 0);
}

function ipProtoFor(next: LayerKind | undefined): number {
  if (next === 'icmp') return IpProto.ICMP;
  if (next === 'udp') return IpProto.UDP;
  return 0; // scapy's default (HOPOPT) when nothing binds
}

/** IPv4 options: raw hex, or a list of hex strings / {type, data} / "nop" / "eol" items. */
function ipOptions(o: Obj): Uint8Array {
  if (!o.has('options')) { o.raw('options'); return new Uint8Array(0); }
  const v = o.raw('options');
  const p = o.at('options');
  if (typeof v === 'string') return toHexBytes(v, p);
  if (!Array.isArray(v)) throw new SpecError(p, `expected hex or a list of options, got ${describe(v)}`);
  const parts: Uint8Array[] = v.map((item, i) => {
    const ip = `${p}[${i}]`;
    if (item === 'nop') return Uint8Array.of(1);
    if (item === 'eol') return Uint8Array.of(0);
    if (typeof item === 'string') return toHexBytes(item, ip);
    const io = Obj.from(item, ip);
    const type = io.int('type', 0, 255)!;
    if (type === undefined) throw new SpecError(`${ip}.type`, 'required');
    const data = io.hex('data') ?? new Uint8Array(0);
    const length = io.int('length', 0, 255, data.length + 2);
    io.done();
    return concat(Uint8Array.of(type, length), data);
  });
  return concat(...parts);
}

function buildIpv4(o: Obj, payload: Uint8Array, next: LayerKind | undefined): Uint8Array {
  const options = ipOptions(o);
  if (options.length > 40) throw new SpecError(o.at('options'), `at most 40 bytes of options, got ${options.length}`);
  const hl = 20 + ((options.length + 3) & ~3);
  let tos = o.int('tos', 0, 255, 0);
  if (o.has('dscp') || o.has('ecn')) tos = (o.int('dscp', 0, 63, tos >> 2) << 2) | o.int('ecn', 0, 3, tos & 3);
  else { o.raw('dscp'); o.raw('ecn'); }
  const repr = {
    tos,
    id: o.int('id', 0, 0xffff, 1),
    reservedFlag: o.bool('rf', false),
    df: o.bool('df', false),
    mf: o.bool('mf', false),
    fragOffset: o.int('frag', 0, 0x1fff, 0),
    ttl: o.int('ttl', 0, 255, 64),
    protocol: o.int('proto', 0, 255) ?? ipProtoFor(next),
    src: o.ipv4('src', 0x7f000001),
    dst: o.ipv4('dst', 0x7f000001),
    options,
    checksum: o.int('checksum', 0, 0xffff),
    totalLength: o.int('len', 0, 0xffff),
  };
  const version = o.int('version', 0, 15, 4);
  const ihl = o.int('ihl', 0, 15);
  o.done();
  if (hl + payload.length > 0xffff && repr.totalLength === undefined) throw new SpecError(o.path, `datagram of ${hl + payload.length} bytes exceeds 65535`);
  const out = new Uint8Array(hl + payload.length);
  const n = emitIpv4(repr, payload.length, out, 0);
  if (n < 0) throw new SpecError(o.path, `cannot emit (error ${-n})`);
  if (version !== 4 || ihl !== undefined) {
    // deliberate header damage: rewrite the first byte, then the checksum unless one was given
    out[0] = (version << 4) | (ihl ?? hl >> 2);
    if (repr.checksum === undefined) {
      put16(out, 10, 0);
      let s = 0;
      for (let i = 0; i < hl; i += 2) s += (out[i]! << 8) | out[i + 1]!;
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      put16(out, 10, ~s & 0xffff);
    }
  }
  out.set(payload, hl);
  return out;
}

function buildIcmp(o: Obj, payload: Uint8Array): Uint8Array {
  const type = o.int('type', 0, 255, 8);
  const code = o.int('code', 0, 255, 0);
  let rest: number;
  if (o.has('rest')) rest = o.int('rest', 0, 0xffffffff)!;
  else if (type === 0 || type === 8 || (type >= 13 && type <= 18)) rest = o.int('id', 0, 0xffff, 0) * 0x10000 + o.int('seq', 0, 0xffff, 0);
  else if (type === 5) rest = o.ipv4('gateway', 0);
  else if (type === 12) rest = o.int('pointer', 0, 255, 0) * 0x1000000 + o.int('unused', 0, 0xffffff, 0);
  else rest = o.int('unused', 0, 0xffff, 0) * 0x10000 + o.int('mtu', 0, 0xffff, 0);
  for (const k of ['rest', 'id', 'seq', 'gateway', 'pointer', 'unused', 'mtu']) if (!o.has(k)) o.raw(k);
  const quote = o.int('quote', 0, 0xffff);
  const checksum = o.int('checksum', 0, 0xffff);
  o.done();
  const data = quote !== undefined ? payload.subarray(0, quote) : payload;
  const out = new Uint8Array(8 + data.length);
  out[0] = type;
  out[1] = code;
  put32(out, 4, rest >>> 0);
  out.set(data, 8);
  put16(out, 2, checksum ?? new IcmpView(out).computeChecksum());
  return out;
}

/** src/dst of the nearest IPv4 layer before layer i (for UDP's pseudo-header). */
function enclosingIp(specs: LayerSpec[], i: number): { src: number; dst: number } {
  for (let j = i - 1; j >= 0; j--) {
    const s = specs[j]!;
    if (s.kind === 'ipv4') {
      const probe = new Obj(s.o.o, s.o.path, s.o.index);
      return { src: probe.ipv4('src', 0x7f000001), dst: probe.ipv4('dst', 0x7f000001) };
    }
  }
  return { src: 0, dst: 0 };
}

function buildUdp(o: Obj, payload: Uint8Array, ip: { src: number; dst: number }): Uint8Array {
  const repr = {
    srcPort: o.int('sport', 0, 0xffff, 53),
    dstPort: o.int('dport', 0, 0xffff, 53),
    length: o.int('len', 0, 0xffff),
    checksum: o.int('checksum', 0, 0xffff),
  };
  o.done();
  if (8 + payload.length > 0xffff && repr.length === undefined) throw new SpecError(o.path, `datagram of ${8 + payload.length} bytes exceeds 65535`);
  const out = new Uint8Array(8 + payload.length);
  out.set(payload, 8);
  emitUdp(repr, ip.src, ip.dst, payload.length, out, 0);
  return out;
}

function buildRaw(o: Obj): Uint8Array {
  const hex = o.hex('hex');
  const text = o.str('text');
  const len = o.int('len', 0, 65535);
  const fill = o.int('fill', 0, 255, 0);
  o.done();
  if ([hex, text, len].filter((x) => x !== undefined).length > 1) throw new SpecError(o.path, 'give one of hex, text or len');
  if (hex) return hex;
  if (text !== undefined) return new TextEncoder().encode(text);
  return new Uint8Array(len ?? 0).fill(fill);
}

// ---- DNS ---------------------------------------------------------------------------------------------

function dnsTypeOf(v: unknown, path: string, def: number): number {
  if (v === undefined || v === null) return def;
  if (typeof v === 'string') {
    const t = parseDnsType(v);
    if (t !== undefined) return t;
  }
  return toInt(v, path, 0, 0xffff);
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : name + '.';
}

function rdataFor(type: number, v: unknown, path: string): RData {
  if (typeof v !== 'string' && typeof v !== 'number') throw new SpecError(path, `expected record data as text, got ${describe(v)}`);
  const s = String(v);
  switch (type) {
    case DnsType.A: {
      const a = tryParseIpv4(s);
      if (a < 0) throw new SpecError(path, `expected an IPv4 address, got ${describe(v)}`);
      return { address: a };
    }
    case DnsType.AAAA: {
      const a = parseIpv6(s);
      if (!a) throw new SpecError(path, `expected an IPv6 address, got ${describe(v)}`);
      return { address: a };
    }
    case DnsType.CNAME: case DnsType.NS: case DnsType.PTR: checkDnsName(s, path); return { target: fqdn(s) };
    case DnsType.MX: {
      const m = /^(\d+)\s+(\S+)$/.exec(s);
      if (!m || Number(m[1]) > 0xffff) throw new SpecError(path, `expected "PREFERENCE EXCHANGE", got ${describe(v)}`);
      checkDnsName(m[2]!, path);
      return { preference: Number(m[1]), exchange: fqdn(m[2]!) };
    }
    case DnsType.TXT: return { strings: [new TextEncoder().encode(s)] };
    default: return { raw: toHexBytes(s, path) };
  }
}

function records(o: Obj, key: string): DnsRecord[] {
  const list = o.list(key) ?? [];
  return list.map((item, i) => {
    const r = Obj.from(item, `${o.at(key)}[${i}]`);
    const name = r.str('name');
    if (name === undefined) throw new SpecError(r.at('name'), 'required');
    checkDnsName(name, r.at('name'));
    const type = dnsTypeOf(r.raw('type'), r.at('type'), DnsType.A);
    const cls = r.has('class') ? parseDnsClass(String(r.raw('class'))) ?? toInt(r.raw('class'), r.at('class'), 0, 0xffff) : (r.raw('class'), 1);
    const ttl = r.int('ttl', 0, 0xffffffff, 300);
    if (!r.has('data')) throw new SpecError(r.at('data'), 'required');
    const data = rdataFor(type, r.raw('data'), r.at('data'));
    r.done();
    return { name: fqdn(name), type, class: cls, ttl, data };
  });
}

function buildDns(o: Obj): Uint8Array {
  const questions: DnsQuestion[] = (o.list('qd') ?? []).map((item, i) => {
    const q = typeof item === 'string' ? new Obj({ name: item }, `${o.at('qd')}[${i}]`) : Obj.from(item, `${o.at('qd')}[${i}]`);
    const name = q.str('name');
    if (name === undefined) throw new SpecError(q.at('name'), 'required');
    checkDnsName(name, q.at('name'));
    const type = dnsTypeOf(q.raw('type'), q.at('type'), DnsType.A);
    const cls = q.has('class') ? parseDnsClass(String(q.raw('class'))) ?? toInt(q.raw('class'), q.at('class'), 0, 0xffff) : (q.raw('class'), 1);
    q.done();
    return { name: fqdn(name), type, class: cls };
  });
  let edns: Edns | null = null;
  if (o.has('edns')) {
    const e = Obj.from(o.raw('edns'), o.at('edns'));
    edns = { udpSize: e.int('size', 0, 0xffff, 1232), version: e.int('version', 0, 255, 0), dnssecOk: e.bool('do', false), options: [] };
    e.done();
  } else o.raw('edns');
  const m = dnsMessage({
    id: o.int('id', 0, 0xffff, 0),
    qr: o.bool('qr', false),
    opcode: o.int('opcode', 0, 15, 0),
    aa: o.bool('aa', false),
    tc: o.bool('tc', false),
    rd: o.bool('rd', true),
    ra: o.bool('ra', false),
    ad: o.bool('ad', false),
    cd: o.bool('cd', false),
    rcode: o.int('rcode', 0, 4095, 0),
    questions,
    answers: records(o, 'an'),
    authorities: records(o, 'ns'),
    additionals: records(o, 'ar'),
    edns,
  });
  const compress = o.bool('compress', true);
  o.done();
  try {
    return encodeDnsMessage(m, compress);
  } catch (e) {
    throw new SpecError(o.path, (e as Error).message);
  }
}

// ---- whole specs ---------------------------------------------------------------------------------------

export interface CraftedFrame {
  /** Nanoseconds since the epoch. */
  tsNs: number;
  /** The whole frame; `capLen` of it is written when a snap length applies. */
  bytes: Uint8Array;
  capLen: number;
  comment?: string;
}

export interface CraftOptions {
  /** Time of the first packet, seconds since the epoch (default 0: exact nanosecond arithmetic). */
  start?: number;
  /** Spacing between packets without their own `time`, seconds (default 0.001). */
  interval?: number;
}

/**
 * The frames a spec describes, in order. A spec is a list of packets, or {packets, start, interval}.
 * A packet is {layers, count?, time?, snaplen?, comment?}. Throws SpecError naming the bad key path.
 */
export function* craftFrames(spec: unknown): Generator<CraftedFrame> {
  let packets: unknown;
  let startNs = 0, intervalNs = 1_000_000;
  if (Array.isArray(spec)) packets = spec;
  else if (isPlainObject(spec)) {
    const top = new Obj(spec, 'spec');
    packets = top.list('packets');
    if (packets === undefined) throw new SpecError('packets', 'required (a list of packets)');
    startNs = seconds(top, 'start', 0);
    intervalNs = seconds(top, 'interval', 1_000_000);
    top.done();
  } else throw new SpecError('spec', `expected a list of packets or a mapping with "packets", got ${describe(spec)}`);
  const list = packets as unknown[];
  let t = startNs;
  let first = true;
  for (let i = 0; i < list.length; i++) {
    const path = `packets[${i}]`;
    const p = Obj.from(list[i], path);
    const count = p.int('count', 1, 10_000_000, 1);
    const time = p.has('time') ? seconds(p, 'time', 0) : undefined;
    const snaplen = p.int('snaplen', 1, 262144);
    const comment = p.str('comment');
    const layers = p.raw('layers');
    p.raw('name');
    p.done();
    // the last repeat first: incrementing fields move one way, so if it builds every one does, and a
    // field that would run out of range is reported before anything is generated
    if (count > 1) buildStack(layers, `${path}.layers`, count - 1);
    const lastT = (time ?? (first ? t : t + intervalNs)) + (count - 1) * intervalNs;
    if (lastT > MAX_TIME_NS) {
      throw new SpecError(time !== undefined ? `${path}.time` : `${path}`, `packet times reach ${lastT / 1e9} s, past ${MAX_TIME_S} s, the latest a pcap file can store`);
    }
    for (let k = 0; k < count; k++) {
      if (k === 0 && time !== undefined) t = time;
      else if (!first) t += intervalNs;
      first = false;
      const bytes = buildStack(layers, `${path}.layers`, k);
      yield { tsNs: t, bytes, capLen: snaplen !== undefined ? Math.min(snaplen, bytes.length) : bytes.length, comment };
    }
  }
}

/** pcap stores whole seconds in 32 unsigned bits (pcapng could go further; one limit for both). */
const MAX_TIME_S = 0xffffffff;
const MAX_TIME_NS = (MAX_TIME_S + 1) * 1e9 - 1;

function seconds(o: Obj, key: string, def: number): number {
  if (!o.has(key)) { o.raw(key); return def; }
  const v = o.raw(key);
  if (typeof v !== 'number' || !(v >= 0)) throw new SpecError(o.at(key), `expected seconds (a number ≥ 0), got ${describe(v)}`);
  if (v > MAX_TIME_S) throw new SpecError(o.at(key), `expected 0..${MAX_TIME_S} seconds (what a pcap file can store), got ${v}`);
  return Math.round(v * 1e9);
}
