// In-memory record stores. Owner names are kept as lower-cased uncompressed wire bytes in a table
// keyed by their integer hash (no strings on the lookup path), records pre-encoded as WireRecords
// for the server; matching is case-insensitive as RFC 4343 requires. A Zone adds an apex with its SOA and the empty non-terminals between the apex
// and every owner, so that a name with nothing but descendants is NODATA, not NXDOMAIN
// (RFC 8020 §2).
import type { DnsRecord } from './message.ts';
import type { SoaRdata, NameRdata } from './rdata.ts';
import { DnsType } from './types.ts';
import { hashWireName, wireName, wireNameIsSubdomain, wireNamesEqual } from './name.ts';
import { WireRecord } from './wire-record.ts';

function lowerWire(w: Uint8Array): Uint8Array {
  const o = w.slice();
  for (let i = 0; i < o.length; i++) if (o[i]! >= 65 && o[i]! <= 90) o[i]! |= 32;
  return o;
}

/** All records of one owner name. */
export class DnsNode {
  /** Lower-cased wire name. */
  readonly wire: Uint8Array;
  readonly hash: number;
  /** RRsets by type, pre-encoded for answering. */
  readonly rrsets = new Map<number, WireRecord[]>();
  /** The same RRsets in insertion order (what ANY returns), walked without an iterator. */
  readonly sets: WireRecord[][] = [];
  /** The CNAME record, if the owner is an alias (then it holds nothing else, RFC 1034 §3.6.2). */
  cname: WireRecord | null = null;
  /** The CNAME target, lower-cased wire and hash, for chasing without strings. */
  cnameWire: Uint8Array | null = null;
  cnameHash = 0;
  constructor(readonly name: string, wire: Uint8Array) {
    this.wire = wire;
    this.hash = hashWireName(wire, 0, wire.length);
  }
}

/**
 * Owner names in an open-addressing table (linear probing) keyed by the int32 name hash: a lookup
 * reads two typed arrays and compares the wire bytes, with no allocation.
 */
export class RecordStore {
  private keys = new Int32Array(64);
  /** Node index + 1 per slot; 0 = empty. */
  private slots = new Int32Array(64);
  private readonly nodes: DnsNode[] = [];
  private count = 0;

  get size(): number { return this.count; }

  /** The node for a lower- or mixed-case uncompressed wire name, if any (`hash` = hashWireName). */
  find(w: Uint8Array, off: number, len: number, hash: number): DnsNode | undefined {
    const keys = this.keys, slots = this.slots, mask = keys.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return undefined;
      if (keys[i] === hash) {
        const n = this.nodes[s - 1]!;
        if (wireNamesEqual(n.wire, 0, n.wire.length, w, off, len)) return n;
      }
    }
  }

  /** The node for presentation text (control plane). */
  get(name: string): DnsNode | undefined {
    const w = wireName(name);
    return this.find(w, 0, w.length, hashWireName(w, 0, w.length));
  }

  protected node(name: string): DnsNode {
    const w = lowerWire(wireName(name));
    const h = hashWireName(w, 0, w.length);
    const found = this.find(w, 0, w.length, h);
    if (found) return found;
    const n = new DnsNode(name, w);
    this.nodes.push(n);
    if (2 * this.nodes.length > this.keys.length) this.rehash(this.keys.length * 2);
    else this.insert(h, this.nodes.length);
    return n;
  }

  private insert(h: number, idx: number): void {
    const mask = this.keys.length - 1;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.keys[i] = h;
    this.slots[i] = idx;
  }

  private rehash(cap: number): void {
    this.keys = new Int32Array(cap);
    this.slots = new Int32Array(cap);
    for (let i = 0; i < this.nodes.length; i++) this.insert(this.nodes[i]!.hash, i + 1);
  }

  /** Adds a record; throws on a CNAME beside other data (RFC 1034 §3.6.2, RFC 2181 §10.1). */
  add(rr: DnsRecord): void {
    const n = this.node(rr.name);
    if (rr.type === DnsType.CNAME) {
      if (n.rrsets.size > 0 || n.cname) throw new Error(`${rr.name}: CNAME cannot coexist with other records`);
      n.cname = new WireRecord(rr);
      n.cnameWire = lowerWire(wireName((rr.data as NameRdata).target));
      n.cnameHash = hashWireName(n.cnameWire, 0, n.cnameWire.length);
      this.count++;
      return;
    }
    if (n.cname) throw new Error(`${rr.name}: CNAME cannot coexist with other records`);
    const set = n.rrsets.get(rr.type);
    if (set) set.push(new WireRecord(rr));
    else {
      const fresh = [new WireRecord(rr)];
      n.rrsets.set(rr.type, fresh);
      n.sets.push(fresh);
    }
    this.count++;
  }
}

/** An authoritative zone: apex, SOA, records at or below the apex. */
export class Zone extends RecordStore {
  readonly originWire: Uint8Array;
  readonly soa: DnsRecord;
  /** The SOA as it goes in negative answers: TTL = min(SOA TTL, MINIMUM) (RFC 2308 §3). */
  readonly negativeSoa: DnsRecord;
  /** negativeSoa pre-encoded for answering. */
  readonly negativeSoaWire: WireRecord;

  constructor(readonly origin: string, records: DnsRecord[]) {
    super();
    this.originWire = lowerWire(wireName(origin));
    const soa = records.find((r) => r.type === DnsType.SOA && this.isOwnName(r.name));
    if (!soa) throw new Error(`zone ${origin}: no SOA record at the apex`);
    this.soa = soa;
    this.negativeSoa = { ...soa, ttl: Math.min(soa.ttl, (soa.data as SoaRdata).minimum) };
    this.negativeSoaWire = new WireRecord(this.negativeSoa);
    this.node(origin);
    for (const rr of records) {
      const w = wireName(rr.name);
      if (!wireNameIsSubdomain(w, 0, w.length, this.originWire, 0, this.originWire.length))
        throw new Error(`zone ${origin}: ${rr.name} is outside the zone`);
      this.add(rr);
      // empty non-terminals: every ancestor between the owner and the apex exists
      for (let p = 0; w.length - p > this.originWire.length; p += w[p]! + 1) this.node(textOfSuffix(rr.name, w, p));
    }
  }

  private isOwnName(n: string): boolean {
    const w = wireName(n);
    return wireNamesEqual(w, 0, w.length, this.originWire, 0, this.originWire.length);
  }

  /** True when the wire name is at or below the apex. */
  contains(w: Uint8Array, off: number, len: number): boolean {
    return wireNameIsSubdomain(w, off, len, this.originWire, 0, this.originWire.length);
  }
}

// The presentation text of the suffix of `name` starting at wire offset p (labels dropped from the left).
function textOfSuffix(name: string, w: Uint8Array, p: number): string {
  if (p === 0) return name;
  let labels = 0;
  for (let q = 0; q < p; q += w[q]! + 1) labels++;
  // split on unescaped dots
  const parts = name.replace(/\.$/, '').split(/(?<!\\)\./);
  return parts.slice(labels).join('.') + '.';
}
