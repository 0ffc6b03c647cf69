// Wireshark display-filter field names with the values `tshark -T fields -e NAME` prints (checked
// against tshark 4.0): unsigned integers shown BASE_DEC print decimal, BASE_HEX ones `0x` plus the
// field's full width in hex digits (eth.type 0x0800, ip.id 0x0007, ip.dsfield 0xb8), booleans 1/0,
// addresses in their usual text form.
//
// A field that occurs more than once in a frame (QinQ tags, the IP header quoted in an ICMP error,
// several DNS answers) keeps every occurrence, in dissection order: tshark joins them with ',', and
// our JSON gives an array of strings. A field seen once is a plain string. So
// `Array.isArray(v) ? v.join(',') : v` is exactly what tshark prints.
import { macToString } from '../ethernet/mac.ts';
import { ipv4ToString } from '../ip/address.ts';
import type { EthernetRepr } from '../ethernet/frame.ts';
import type { ArpRepr } from '../arp/packet.ts';
import type { Ipv4Repr } from '../ip/ipv4.ts';
import type { IcmpRepr } from '../ip/icmp.ts';
import type { UdpRepr } from '../ip/udp.ts';
import type { DnsMessage, DnsRecord } from '../dns/message.ts';
import { DnsType } from '../dns/types.ts';
import { ipv6ToString, type ARdata, type AaaaRdata, type NameRdata, type MxRdata } from '../dns/rdata.ts';
import type { Dissection, Layer, VlanTagInfo, SllInfo } from './dissect.ts';

export type FieldValue = string | string[];
export type FrameFields = Record<string, FieldValue>;

/** Adds one occurrence of a field. */
export type Emit = (name: string, value: string) => void;
export type FieldFn = (layer: Layer, add: Emit) => void;

const fieldFns = new Map<string, FieldFn>();
/** Registers the fields of a protocol's layers (e.g. `vxlan` from src/encap). */
export function registerFields(proto: string, fn: FieldFn): void {
  fieldFns.set(proto, fn);
}

export const hex = (v: number, digits: number): string => '0x' + v.toString(16).padStart(digits, '0');
const bool = (b: boolean | number): string => (b ? '1' : '0');

export interface FrameMeta {
  number: number;
  tsSec: number;
  tsFracNs: number;
  origLen: number;
  capLen: number;
}

/** Every field of one frame, keyed by field name, in first-occurrence order. */
export function frameFields(meta: FrameMeta, d: Dissection): FrameFields {
  const out: FrameFields = {};
  const add: Emit = (name, value) => {
    const cur = out[name];
    if (cur === undefined) out[name] = value;
    else if (Array.isArray(cur)) cur.push(value);
    else out[name] = [cur, value];
  };
  add('frame.number', String(meta.number));
  add('frame.time_epoch', `${meta.tsSec}.${String(meta.tsFracNs).padStart(9, '0')}`);
  add('frame.len', String(meta.origLen));
  add('frame.cap_len', String(meta.capLen));
  for (const l of d.layers) fieldFns.get(l.proto)?.(l, add);
  return out;
}

/** tshark's text for a JSON field value. */
export function tsharkText(v: FieldValue | undefined): string {
  return v === undefined ? '' : Array.isArray(v) ? v.join(',') : v;
}

registerFields('eth', (l, add) => {
  const r = l.repr as EthernetRepr;
  add('eth.dst', macToString(r.dst));
  add('eth.src', macToString(r.src));
  const first = r.tags.length ? r.tags[0]!.tpid : r.type;
  if (first <= 1500) add('eth.len', String(first));
  else add('eth.type', hex(first, 4));
});

registerFields('vlan', (l, add) => {
  const t = l.repr as VlanTagInfo;
  add('vlan.priority', String(t.pcp));
  add('vlan.dei', bool(t.dei));
  add('vlan.id', String(t.vid));
  if (t.type <= 1500) add('vlan.len', String(t.type));
  else add('vlan.etype', hex(t.type, 4));
});

registerFields('ieee8021ad', (l, add) => {
  const t = l.repr as VlanTagInfo;
  add('ieee8021ad.priority', String(t.pcp));
  add('ieee8021ad.dei', String(t.dei));
  add('ieee8021ad.id', String(t.vid));
});

registerFields('arp', (l, add) => {
  const r = l.repr as ArpRepr;
  add('arp.hw.type', '1');
  add('arp.proto.type', '0x0800');
  add('arp.hw.size', '6');
  add('arp.proto.size', '4');
  add('arp.opcode', String(r.op));
  add('arp.src.hw_mac', macToString(r.senderMac));
  add('arp.src.proto_ipv4', ipv4ToString(r.senderIp));
  add('arp.dst.hw_mac', macToString(r.targetMac));
  add('arp.dst.proto_ipv4', ipv4ToString(r.targetIp));
});

registerFields('ip', (l, add) => {
  const r = l.repr as Ipv4Repr;
  add('ip.version', '4');
  add('ip.hdr_len', String(l.len));
  add('ip.dsfield', hex(r.tos, 2));
  add('ip.dsfield.dscp', String(r.tos >> 2));
  add('ip.dsfield.ecn', String(r.tos & 3));
  add('ip.len', String(r.totalLength));
  add('ip.id', hex(r.id, 4));
  add('ip.flags', hex((r.reservedFlag ? 4 : 0) | (r.df ? 2 : 0) | (r.mf ? 1 : 0), 2));
  add('ip.flags.rb', bool(r.reservedFlag));
  add('ip.flags.df', bool(r.df));
  add('ip.flags.mf', bool(r.mf));
  add('ip.frag_offset', String(r.fragOffset));
  add('ip.ttl', String(r.ttl));
  add('ip.proto', String(r.protocol));
  add('ip.checksum', hex(l.checksum!.stored, 4));
  add('ip.src', ipv4ToString(r.src));
  add('ip.dst', ipv4ToString(r.dst));
});

registerFields('icmp', (l, add) => {
  const r = l.repr as IcmpRepr;
  add('icmp.type', String(r.type));
  add('icmp.code', String(r.code));
  add('icmp.checksum', hex(l.checksum!.stored, 4));
  if (r.kind === 'echo') {
    add('icmp.ident', String(r.ident));
    add('icmp.seq', String(r.seq));
  } else if (r.kind === 'error' && r.nextHopMtu !== undefined) {
    add('icmp.mtu', String(r.nextHopMtu));
  } else if (r.kind === 'error' && r.gateway !== undefined) {
    add('icmp.redir_gw', ipv4ToString(r.gateway));
  }
});

registerFields('udp', (l, add) => {
  const r = l.repr as UdpRepr;
  add('udp.srcport', String(r.srcPort));
  add('udp.dstport', String(r.dstPort));
  add('udp.length', String(r.length));
  add('udp.checksum', hex(r.checksum!, 4));
});

/** DNS names as Wireshark shows them: no trailing dot, the root as <Root>. */
function dnsName(n: string): string {
  return n === '.' || n === '' ? '<Root>' : n.replace(/\.$/, '');
}

registerFields('dns', (l, add) => {
  const m = l.repr as DnsMessage;
  add('dns.id', hex(m.id, 4));
  add('dns.flags.response', bool(m.qr));
  add('dns.flags.opcode', String(m.opcode));
  // Wireshark shows AA, RA and RCODE only in responses
  if (m.qr) add('dns.flags.authoritative', bool(m.aa));
  add('dns.flags.truncated', bool(m.tc));
  add('dns.flags.recdesired', bool(m.rd));
  if (m.qr) add('dns.flags.recavail', bool(m.ra));
  if (m.qr) add('dns.flags.rcode', String(m.rcode & 0xf));
  add('dns.count.queries', String(m.questions.length));
  add('dns.count.answers', String(m.answers.length));
  add('dns.count.auth_rr', String(m.authorities.length));
  add('dns.count.add_rr', String(m.additionals.length + (m.edns ? 1 : 0)));
  for (const q of m.questions) {
    add('dns.qry.name', dnsName(q.name));
    add('dns.qry.type', String(q.type));
    add('dns.qry.class', hex(q.class, 4));
  }
  for (const rr of [...m.answers, ...m.authorities, ...m.additionals]) record(rr, add);
  if (m.edns) {
    // the OPT pseudo-record (our encoder writes it last in the additional section); no TTL field
    add('dns.resp.name', '<Root>');
    add('dns.resp.type', '41');
    add('dns.rr.udp_payload_size', String(m.edns.udpSize));
  }
});

function record(rr: DnsRecord, add: Emit): void {
  add('dns.resp.name', dnsName(rr.name));
  add('dns.resp.type', String(rr.type));
  add('dns.resp.ttl', String(rr.ttl));
  switch (rr.type) {
    case DnsType.A: add('dns.a', ipv4ToString((rr.data as ARdata).address)); break;
    case DnsType.AAAA: add('dns.aaaa', ipv6ToString((rr.data as AaaaRdata).address)); break;
    case DnsType.CNAME: add('dns.cname', dnsName((rr.data as NameRdata).target)); break;
    case DnsType.NS: add('dns.ns', dnsName((rr.data as NameRdata).target)); break;
    case DnsType.PTR: add('dns.ptr.domain_name', dnsName((rr.data as NameRdata).target)); break;
    case DnsType.MX:
      add('dns.mx.preference', String((rr.data as MxRdata).preference));
      add('dns.mx.mail_exchange', dnsName((rr.data as MxRdata).exchange));
      break;
  }
}

// Linux cooked capture (tcpdump -i any), as tshark 4.0 names its fields.
registerFields('sll', (l, add) => {
  const r = l.repr as SllInfo;
  if (r.version === 2) {
    add('sll.etype', hex(r.protocol, 4));
    add('sll.ifindex', String(r.ifIndex));
    add('sll.hatype', String(r.haType));
    add('sll.pkttype', String(r.pktType));
  } else {
    add('sll.pkttype', String(r.pktType));
    add('sll.hatype', String(r.haType));
    add('sll.etype', hex(r.protocol, 4));
  }
  add('sll.halen', String(r.addr.length));
});
