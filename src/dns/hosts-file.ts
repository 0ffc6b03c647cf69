// /etc/hosts (hosts(5)): "address canonical_name [aliases…]" per line, '#' comments. Each name gets
// an A or AAAA record; the canonical (first) name also gets the PTR record under in-addr.arpa /
// ip6.arpa, which is what glibc's files backend returns for reverse lookups.
import { tryParseIpv4 } from '../ip/address.ts';
import { parseIpv6 } from './rdata.ts';
import type { DnsRecord } from './message.ts';
import { DnsClass, DnsType } from './types.ts';

export interface HostsEntry {
  /** uint32 for IPv4, 16 bytes for IPv6. */
  address: number | Uint8Array;
  names: string[];
  line: number;
}

export interface HostsParse {
  entries: HostsEntry[];
  /** Lines that were skipped, with why (bad address, no names). */
  warnings: string[];
}

/** Parses hosts-file text. Bad lines are skipped with a warning, as glibc skips them. */
export function parseHostsFile(text: string): HostsParse {
  const entries: HostsEntry[] = [];
  const warnings: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [addr, ...names] = line.split(/\s+/);
    if (names.length === 0) { warnings.push(`line ${i + 1}: no host names`); return; }
    const v4 = tryParseIpv4(addr!);
    const address = v4 >= 0 ? v4 : parseIpv6(addr!.replace(/%.*/, ''));
    if (address === null) { warnings.push(`line ${i + 1}: bad address "${addr}"`); return; }
    entries.push({ address, names, line: i + 1 });
  });
  return { entries, warnings };
}

function fqdn(n: string): string {
  return n.endsWith('.') ? n : `${n}.`;
}

/** in-addr.arpa / ip6.arpa owner for an address (RFC 1035 §3.5, RFC 3596 §2.5). */
export function reverseName(address: number | Uint8Array): string {
  if (typeof address === 'number')
    return `${address & 255}.${(address >>> 8) & 255}.${(address >>> 16) & 255}.${address >>> 24}.in-addr.arpa.`;
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) nibbles.push((address[i]! & 15).toString(16), (address[i]! >> 4).toString(16));
  return `${nibbles.join('.')}.ip6.arpa.`;
}

/** Hosts entries → A/AAAA records for every name plus a PTR to each canonical name. */
export function hostsToRecords(entries: HostsEntry[], ttl = 3600): DnsRecord[] {
  const out: DnsRecord[] = [];
  for (const e of entries) {
    const type = typeof e.address === 'number' ? DnsType.A : DnsType.AAAA;
    for (const n of e.names) out.push({ name: fqdn(n), type, class: DnsClass.IN, ttl, data: { address: e.address } as never });
    out.push({ name: reverseName(e.address), type: DnsType.PTR, class: DnsClass.IN, ttl, data: { target: fqdn(e.names[0]!) } });
  }
  return out;
}
