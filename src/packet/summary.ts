// tshark's one-line packet list (`tshark -n`): No., Time (relative to the first frame), Source,
// Destination, Protocol, Length, Info — with the same column padding (number 5, time 10, source
// right-aligned 12, destination left-aligned 12) and the protocol dissectors' Info wording, taken
// from the format functions of each codec. The innermost dissected protocol names the row.
import { macToString } from '../ethernet/mac.ts';
import { ipv4ToString } from '../ip/address.ts';
import { etherTypeName, type EthernetRepr } from '../ethernet/frame.ts';
import { formatArp, type ArpRepr } from '../arp/packet.ts';
import { ipProtoName, type Ipv4Repr } from '../ip/ipv4.ts';
import { formatIcmp, type IcmpRepr } from '../ip/icmp.ts';
import { formatUdp, type UdpRepr } from '../ip/udp.ts';
import type { DnsMessage } from '../dns/message.ts';
import { dnsTypeName, dnsOpcodeName, dnsRcodeName } from '../dns/types.ts';
import { formatRdata } from '../dns/rdata.ts';
import type { Dissection, Layer, VlanTagInfo } from './dissect.ts';

export interface Summary {
  source: string;
  destination: string;
  protocol: string;
  info: string;
}

export type InfoFn = (layer: Layer, d: Dissection) => { protocol: string; info: string } | null;
const infoFns = new Map<string, InfoFn>();
/** Registers how a protocol's layer names the row (protocol column and Info). */
export function registerInfo(proto: string, fn: InfoFn): void {
  infoFns.set(proto, fn);
}

export function summarize(d: Dissection): Summary {
  // the innermost addressed layer names the ends, as tshark does for overlays (VXLAN's inner frame)
  let eth: Layer | undefined, ip: Layer | undefined;
  for (let i = d.layers.length - 1; i >= 0; i--) {
    const l = d.layers[i]!;
    if (l.quoted || (l.proto !== 'eth' && l.proto !== 'ip')) continue;
    if (l.proto === 'ip') ip = l;
    else eth = l;
    break;
  }
  let source = '', destination = '';
  if (ip) {
    source = ipv4ToString((ip.repr as Ipv4Repr).src);
    destination = ipv4ToString((ip.repr as Ipv4Repr).dst);
  } else if (eth) {
    source = macToString((eth.repr as EthernetRepr).src);
    destination = macToString((eth.repr as EthernetRepr).dst);
  }
  let protocol = 'Ethernet', info = '';
  // the innermost non-quoted layer that knows how to describe the frame
  for (let i = d.layers.length - 1; i >= 0; i--) {
    const l = d.layers[i]!;
    if (l.quoted) continue;
    const r = infoFns.get(l.proto)?.(l, d);
    if (r) {
      protocol = r.protocol;
      info = r.info;
      break;
    }
  }
  if (d.error) {
    protocol = protocolOf(d.error.proto);
    info += `${info ? ' ' : ''}[Malformed Packet: ${d.error.proto}: ${d.error.name}]`;
  } else if (d.truncated) {
    info += '[Packet size limited during capture]'; // tshark appends it without a space
  }
  return { source, destination, protocol, info };
}

function protocolOf(proto: string): string {
  const names: Record<string, string> = { eth: 'Ethernet', arp: 'ARP', ip: 'IPv4', icmp: 'ICMP', udp: 'UDP', dns: 'DNS' };
  return names[proto] ?? proto.toUpperCase();
}

registerInfo('eth', (l) => {
  const r = l.repr as EthernetRepr;
  return { protocol: r.tags.length ? '802.1Q' : etherTypeName(r.type), info: r.type <= 1500 ? 'IEEE 802.3 Ethernet' : 'Ethernet II' };
});
registerInfo('vlan', (l) => {
  const t = l.repr as VlanTagInfo;
  return { protocol: '802.1Q', info: `PRI: ${t.pcp}  DEI: ${t.dei}  ID: ${t.vid}` };
});
registerInfo('arp', (l) => ({ protocol: 'ARP', info: formatArp(l.repr as ArpRepr) }));
registerInfo('ip', (l) => {
  const r = l.repr as Ipv4Repr;
  if (r.fragOffset !== 0) {
    const id = r.id.toString(16).padStart(4, '0');
    return { protocol: 'IPv4', info: `Fragmented IP protocol (proto=${ipProtoName(r.protocol)} ${r.protocol}, off=${r.fragOffset * 8}, ID=${id})` };
  }
  return { protocol: 'IPv4', info: `${ipProtoName(r.protocol)}` };
});
registerInfo('icmp', (l) => ({ protocol: 'ICMP', info: formatIcmp(l.repr as IcmpRepr, { ttl: l.info?.ttl as number }) }));
registerInfo('udp', (l) => ({ protocol: 'UDP', info: formatUdp(l.repr as UdpRepr, l.info!.payloadLength as number) }));
registerInfo('dns', (l) => ({ protocol: 'DNS', info: dnsInfo(l.repr as DnsMessage) }));

const RCODE_TEXT: Record<number, string> = {
  1: 'Format error', 2: 'Server failure', 3: 'No such name', 4: 'Not implemented', 5: 'Refused',
};

/** Wireshark's DNS Info: names without the trailing dot, rcode name only when not NOERROR. */
function dnsInfo(m: DnsMessage): string {
  const name = (n: string) => n.replace(/\.$/, '') || '<Root>';
  const op = m.opcode === 0 ? 'Standard query' : dnsOpcodeName(m.opcode).toLowerCase();
  let s = `${op}${m.qr ? ' response' : ''} 0x${m.id.toString(16).padStart(4, '0')}`;
  if (m.qr && m.rcode !== 0) s += ` ${RCODE_TEXT[m.rcode] ?? dnsRcodeName(m.rcode)}`;
  for (const q of m.questions) s += ` ${dnsTypeName(q.type)} ${name(q.name)}`;
  for (const rr of [...m.answers, ...m.authorities, ...m.additionals]) s += ` ${dnsTypeName(rr.type)} ${formatRdata(rr.type, rr.data).replace(/\.$/, '')}`;
  if (m.edns) s += ' OPT';
  return s;
}

/** Relative time as tshark prints it: 6 decimals for microsecond captures, 9 for nanosecond ones. */
export function formatRelTime(ns: number, digits: 6 | 9): string {
  const neg = ns < 0;
  const a = Math.abs(Math.round(ns));
  const sec = Math.floor(a / 1e9);
  let frac = a - sec * 1e9;
  if (digits === 6) frac = Math.round(frac / 1000);
  return `${neg ? '-' : ''}${sec}.${String(frac).padStart(digits, '0')}`;
}

/** One packet-list row in tshark's layout. */
export function formatRow(no: number, relTime: string, s: Summary, length: number): string {
  return `${String(no).padStart(5)} ${relTime.padStart(10)} ${s.source.padStart(12)} → ${s.destination.padEnd(12)} ${s.protocol} ${length} ${s.info}`;
}
