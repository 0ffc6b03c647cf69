// Answer sources for DnsServer. Each is a CoreDNS-style plugin: it answers the names it is
// responsible for and passes everything else to the next one in the chain.
import type { WireRecordList } from './wire-record.ts';
import { PluginResult, type DnsPlugin, type DnsQuery, type DnsReply } from './server.ts';
import { DnsRcode, DnsType } from './types.ts';
import type { DnsNode, RecordStore, Zone } from './zone.ts';

/** Longest CNAME chain followed inside our data before answering with what we have. */
const MAX_CNAME_HOPS = 8;

function pushSet(out: WireRecordList, node: DnsNode, type: number): boolean {
  if (type === DnsType.ANY) {
    let any = false;
    const sets = node.sets;
    for (let s = 0; s < sets.length; s++) {
      const set = sets[s]!;
      for (let i = 0; i < set.length; i++) { out.push(set[i]!); any = true; }
    }
    return any;
  }
  const set = node.rrsets.get(type);
  if (!set) return false;
  for (let i = 0; i < set.length; i++) out.push(set[i]!);
  return true;
}

/**
 * Authoritative data from zone files (RFC 1034 §4.3.2, without delegations or wildcards): AA set,
 * CNAMEs chased while the target stays in the same zone, NXDOMAIN / NODATA with the SOA in the
 * authority section (RFC 2308 §2-3). Names in none of its zones go to the next plugin.
 */
export class ZonePlugin implements DnsPlugin {
  readonly name = 'file';
  constructor(readonly zones: Zone[]) {}

  /** The most specific zone holding the name, if any. */
  zoneFor(w: Uint8Array, off: number, len: number): Zone | undefined {
    let best: Zone | undefined;
    for (let i = 0; i < this.zones.length; i++) {
      const z = this.zones[i]!;
      if (z.contains(w, off, len) && (!best || z.originWire.length > best.originWire.length)) best = z;
    }
    return best;
  }

  serve(q: DnsQuery, r: DnsReply, _now: number): PluginResult {
    const zone = this.zoneFor(q.name, 0, q.nameLen);
    if (!zone) return PluginResult.NEXT;
    r.aa = true;
    let node = zone.find(q.name, 0, q.nameLen, q.hash);
    for (let hops = 0; ; hops++) {
      if (!node) {
        // RFC 6604: after a CNAME the RCODE describes the last name in the chain
        r.rcode = DnsRcode.NXDOMAIN;
        r.authorities.push(zone.negativeSoaWire);
        return PluginResult.DONE;
      }
      if (node.cname && q.type !== DnsType.CNAME && q.type !== DnsType.ANY) {
        r.answers.push(node.cname);
        const t = node.cnameWire!;
        if (hops >= MAX_CNAME_HOPS || !zone.contains(t, 0, t.length)) return PluginResult.DONE;
        node = zone.find(t, 0, t.length, node.cnameHash);
        continue;
      }
      if (node.cname) { r.answers.push(node.cname); return PluginResult.DONE; }
      if (!pushSet(r.answers, node, q.type)) r.authorities.push(zone.negativeSoaWire); // NODATA
      return PluginResult.DONE;
    }
  }
}

/**
 * Names from a hosts file: answers A / AAAA / PTR for the names it knows (NODATA without SOA for
 * other types of a known name, as CoreDNS's hosts plugin does) and passes unknown names on.
 */
export class HostsPlugin implements DnsPlugin {
  readonly name = 'hosts';
  constructor(readonly store: RecordStore) {}

  serve(q: DnsQuery, r: DnsReply, _now: number): PluginResult {
    const node = this.store.find(q.name, 0, q.nameLen, q.hash);
    if (!node) return PluginResult.NEXT;
    r.aa = true;
    pushSet(r.answers, node, q.type);
    return PluginResult.DONE;
  }
}
