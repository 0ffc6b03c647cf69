// A resource record pre-encoded for answering (what the server emits per query): the owner name and
// the RDATA as uncompressed wire bytes, built once when the record is loaded. Emitting copies bytes
// and compresses the owner and the RDATA names of the RFC 1035 types (NS, CNAME, PTR, MX, SOA; RFC
// 3597 §4 forbids compressing later types) against the message so far — the same bytes, and the
// same NO_SPACE decisions, as emitRecord() writing the repr, without text → wire work per query.
import { WireError } from '../wire-error.ts';
import type { DnsRecord } from './message.ts';
import { NameCompressor, MAX_NAME_LEN, textToWireName } from './name.ts';
import { emitRdata } from './rdata.ts';
import { DnsType } from './types.ts';

function nameLen(b: Uint8Array, off: number): number {
  let p = off;
  while (b[p]! !== 0) p += b[p]! + 1;
  return p + 1 - off;
}

function copy(src: Uint8Array, from: number, to: number, out: Uint8Array, at: number): void {
  for (let i = from; i < to; i++) out[at++] = src[i]!;
}

export class WireRecord {
  /** Uncompressed owner name, case as loaded. */
  readonly owner: Uint8Array;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** Uncompressed RDATA. */
  readonly rdata: Uint8Array;
  /** Names inside `rdata` compressed on emit: count, then offset and length of each (at most 2). */
  readonly names: number;
  readonly name1At: number;
  readonly name1Len: number;
  readonly name2At: number;
  readonly name2Len: number;
  /** 0, or the negated WireError the repr cannot be encoded with (emitted as that error). */
  readonly error: number;

  constructor(readonly rr: DnsRecord) {
    const ow = new Uint8Array(MAX_NAME_LEN + 1);
    const on = textToWireName(rr.name, ow, 0);
    this.owner = on < 0 ? new Uint8Array(0) : ow.slice(0, on);
    this.type = rr.type;
    this.class = rr.class;
    this.ttl = rr.ttl;
    const tmp = new Uint8Array(65535);
    const n = emitRdata(rr.type, rr.data, tmp, 0, tmp.length, null);
    this.error = on < 0 ? on : n < 0 ? n : 0;
    this.rdata = n < 0 ? new Uint8Array(0) : tmp.slice(0, n);
    let names = 0, a1 = 0, a2 = 0;
    if (n >= 0) {
      const t = rr.type;
      if (t === DnsType.NS || t === DnsType.CNAME || t === DnsType.PTR) { names = 1; a1 = 0; }
      else if (t === DnsType.MX) { names = 1; a1 = 2; }
      else if (t === DnsType.SOA) { names = 2; a1 = 0; a2 = nameLen(this.rdata, 0); }
    }
    this.names = names;
    this.name1At = a1;
    this.name1Len = names > 0 ? nameLen(this.rdata, a1) : 0;
    this.name2At = a2;
    this.name2Len = names > 1 ? nameLen(this.rdata, a2) : 0;
  }

  /**
   * Writes the record at out[p] (bytes up to `end` usable), compressing with `comp`. Returns the
   * end offset or a negated WireError (NO_SPACE when a piece does not fit uncompressed where it
   * goes, as emitRecord() decides).
   */
  emit(out: Uint8Array, p: number, end: number, comp: NameCompressor): number {
    if (this.error !== 0) return this.error;
    const o = this.owner, ol = o.length;
    if (p + ol > end) return -WireError.NO_SPACE;
    copy(o, 0, ol, out, p);
    p = comp.compress(out, p, ol);
    if (p + 10 > end) return -WireError.NO_SPACE;
    const t = this.type, c = this.class, ttl = this.ttl;
    out[p] = t >>> 8; out[p + 1] = t;
    out[p + 2] = c >>> 8; out[p + 3] = c;
    out[p + 4] = ttl >>> 24; out[p + 5] = ttl >>> 16; out[p + 6] = ttl >>> 8; out[p + 7] = ttl;
    const rs = p + 10;
    const rd = this.rdata;
    let q = rs, from = 0;
    for (let k = 0; k < this.names; k++) {
      const at = k === 0 ? this.name1At : this.name2At;
      const nl = k === 0 ? this.name1Len : this.name2Len;
      if (q + (at - from) > end) return -WireError.NO_SPACE;
      copy(rd, from, at, out, q);
      q += at - from;
      if (q + nl > end) return -WireError.NO_SPACE;
      copy(rd, at, at + nl, out, q);
      q = comp.compress(out, q, nl);
      from = at + nl;
    }
    const rest = rd.length - from;
    if (q + rest > end) return -WireError.NO_SPACE;
    copy(rd, from, rd.length, out, q);
    q += rest;
    const rl = q - rs;
    out[p + 8] = rl >>> 8;
    out[p + 9] = rl;
    return q;
  }
}

/**
 * A reusable list of records for one reply section: push() stores into slots kept from earlier
 * queries (an array emptied with `length = 0` would drop its backing store and reallocate).
 */
export class WireRecordList {
  private readonly items: WireRecord[] = [];
  length = 0;
  push(w: WireRecord): void {
    if (this.length < this.items.length) this.items[this.length] = w;
    else this.items.push(w);
    this.length++;
  }
  at(i: number): WireRecord {
    return this.items[i]!;
  }
  clear(): void {
    this.length = 0;
  }
}
