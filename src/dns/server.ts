// The DNS server core, independent of transport: query bytes in, response bytes out into a caller
// buffer, `now` passed in. Answers come from a chain of plugins tried in order, as CoreDNS chains
// its plugins: zone files, a hosts file, and later a Kubernetes service registry, forwarding and a
// cache. A plugin either answers (fills the reply, returns DONE) or passes (NEXT); when nobody
// answers the server REFUSES (it is not a recursive resolver).
//
// Header handling follows RFC 1035 §4.1.1 and common authoritative practice (BIND, NSD): the ID,
// opcode, RD and CD are copied; the question is echoed byte for byte so its case is preserved
// (and answers compress against it, so owners carry the query's case too); EDNS0 (RFC 6891) is
// answered with an OPT when the query had one; a response that does not fit the client's UDP
// size (512 without EDNS0) is cut at an RRset boundary with TC set (RFC 2181 §9).
import { put16 } from '../bytes.ts';
import { DnsView, HEADER_LEN, UDP_MAX_PLAIN } from './message.ts';
import { NameCompressor, NameReader, wireNameToText } from './name.ts';
import { WireRecordList } from './wire-record.ts';
import { DnsClass, DnsOpcode, DnsRcode, DnsType } from './types.ts';

export const PluginResult = { NEXT: 0, DONE: 1 } as const;
export type PluginResult = (typeof PluginResult)[keyof typeof PluginResult];

/** The question being answered. Borrowed: valid only during serve(). */
export class DnsQuery {
  id = 0;
  rd = false;
  cd = false;
  /** Lower-cased uncompressed wire name, `nameLen` bytes. */
  readonly name = new Uint8Array(256);
  nameLen = 0;
  /** hashWireName(name) (int32) — the key RecordStore tables use. */
  hash = 0;
  type = 0;
  class = 0;
  /** The query carried an OPT record. */
  edns = false;
  /** Requester's UDP payload size (512 without EDNS0). */
  udpSize = UDP_MAX_PLAIN;
  dnssecOk = false;
  /** Presentation form (allocates; for plugins that work on strings, e.g. service registries). */
  nameText(): string {
    return wireNameToText(this.name, 0);
  }
}

/**
 * What plugins fill in: pre-encoded records (WireRecord, built once from a DnsRecord when the data
 * is loaded), by reference, in lists reused from query to query.
 */
export class DnsReply {
  rcode = 0;
  aa = false;
  readonly answers = new WireRecordList();
  readonly authorities = new WireRecordList();
  readonly additionals = new WireRecordList();
  reset(): void {
    this.rcode = 0;
    this.aa = false;
    this.answers.clear();
    this.authorities.clear();
    this.additionals.clear();
  }
}

/**
 * An answer source. serve() must be synchronous; a future `forward` plugin that waits on an
 * upstream would complete through the transport (which owns the socket), not by blocking here.
 */
export interface DnsPlugin {
  readonly name: string;
  serve(q: DnsQuery, r: DnsReply, now: number): PluginResult;
}

export interface DnsServerOptions {
  /** Largest UDP payload we send with EDNS0 and advertise in our OPT (default 1232, DNS flag day 2020). */
  maxUdpSize?: number;
}

/** Counters named for what happened, printable like `ip -s`. */
export interface DnsServerStats {
  queries: number;
  responses: number;
  dropped: number;
  truncated: number;
  /** Responses by RCODE. */
  rcodes: number[];
}

const QR = 0x8000, AA = 0x0400, TC = 0x0200, RD = 0x0100, CD = 0x0010;
const OPT_LEN = 11;

export class DnsServer {
  readonly stats: DnsServerStats = { queries: 0, responses: 0, dropped: 0, truncated: 0, rcodes: new Array(24).fill(0) };
  readonly maxUdpSize: number;
  private readonly view = new DnsView();
  private readonly q = new DnsQuery();
  private readonly r = new DnsReply();
  private readonly comp = new NameCompressor();
  private readonly reader = new NameReader();
  private readonly counts = new Int32Array(3);

  constructor(readonly plugins: DnsPlugin[], opts: DnsServerOptions = {}) {
    this.maxUdpSize = Math.max(UDP_MAX_PLAIN, opts.maxUdpSize ?? 1232);
  }

  /**
   * Answers the query in `inp[off, off+len)` into `out[ooff…]` (at most out.length - ooff bytes).
   * Returns the response length, or 0 when nothing should be sent (shorter than a header, or a
   * response rather than a query — answering those invites reflection loops).
   * `maxLen` > 0 replaces the client's UDP size as the response limit: TCP passes 65535, since a
   * stream carries any message its 2-byte length prefix can describe (RFC 7766 §8, no TC there).
   */
  handle(inp: Uint8Array, off: number, len: number, out: Uint8Array, ooff: number, now: number, maxLen = 0): number {
    this.stats.queries++;
    const v = this.view.wrap(inp, off, len);
    if (len < HEADER_LEN || v.qr) { this.stats.dropped++; return 0; }
    const err = v.check();
    const cap = Math.min(out.length - ooff, 65535);
    if (err !== 0) return this.bare(out, ooff, DnsRcode.FORMERR, false);
    if (v.opcode !== DnsOpcode.QUERY) return this.bare(out, ooff, DnsRcode.NOTIMP, v.qdcount === 1);
    if (v.qdcount !== 1) return this.bare(out, ooff, DnsRcode.FORMERR, false);

    const q = this.q;
    q.id = v.id;
    q.rd = v.rd;
    q.cd = v.cd;
    q.type = v.qtype;
    q.class = v.qclass;
    q.edns = v.optAt >= 0;
    q.dnssecOk = q.edns && v.ednsDo;
    q.udpSize = q.edns ? Math.max(UDP_MAX_PLAIN, Math.min(v.ednsUdpSize, this.maxUdpSize)) : UDP_MAX_PLAIN;
    // re-read the question name (check() walked on): a query could even point into its header
    const rd = this.reader;
    rd.read(inp, off, off + len, v.questionAt);
    // lower-case and hash in one pass (FNV-1a, as hashWireName)
    const n = rd.len, w = rd.wire, qn = q.name;
    let h = 0x811c9dc5;
    for (let i = 0; i < n; i++) {
      let c = w[i]!;
      if (c >= 65 && c <= 90) c |= 32;
      qn[i] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    q.nameLen = n;
    q.hash = h | 0;

    const r = this.r;
    r.reset();
    if (q.edns && v.ednsVersion !== 0) r.rcode = DnsRcode.BADVERS; // RFC 6891 §6.1.3
    else if (q.type === DnsType.OPT) r.rcode = DnsRcode.FORMERR;
    else if (q.type === DnsType.AXFR || q.type === DnsType.IXFR) r.rcode = DnsRcode.NOTIMP; // zone transfers need TCP
    else if (q.class !== DnsClass.IN && q.class !== DnsClass.ANY) r.rcode = DnsRcode.REFUSED;
    else {
      let done = false;
      for (let i = 0; i < this.plugins.length && !done; i++) done = this.plugins[i]!.serve(q, r, now) === PluginResult.DONE;
      if (!done) { r.reset(); r.rcode = DnsRcode.REFUSED; }
    }
    return this.encode(out, ooff, Math.min(cap, maxLen > 0 ? maxLen : q.udpSize));
  }

  /** Header (+ echoed question) only: FORMERR / NOTIMP. */
  private bare(out: Uint8Array, o: number, rcode: number, withQuestion: boolean): number {
    const v = this.view;
    put16(out, o, v.id);
    put16(out, o + 2, QR | (v.opcode << 11) | (v.flags & RD) | rcode);
    put16(out, o + 4, 0);
    put16(out, o + 6, 0);
    put16(out, o + 8, 0);
    put16(out, o + 10, 0);
    let p = o + HEADER_LEN;
    const rd = this.reader;
    if (withQuestion && rd.read(v.buf, v.off, v.off + v.len, v.questionAt) === 0 && p + rd.len + 4 <= out.length) {
      for (let i = 0; i < rd.len; i++) out[p + i] = rd.wire[i]!;
      p += rd.len;
      put16(out, p, v.qtype);
      put16(out, p + 2, v.qclass);
      p += 4;
      put16(out, o + 4, 1);
    }
    return this.finish(rcode, p - o, false);
  }

  private finish(rcode: number, len: number, tc: boolean): number {
    this.stats.responses++;
    this.stats.rcodes[rcode < 24 ? rcode : 23]!++;
    if (tc) this.stats.truncated++;
    return len;
  }

  private encode(out: Uint8Array, o: number, limit: number): number {
    const q = this.q, r = this.r, comp = this.comp;
    const end = o + limit - (q.edns ? OPT_LEN : 0);
    comp.reset(o);
    put16(out, o, q.id);
    let flags = QR | (r.aa ? AA : 0) | (q.rd ? RD : 0) | (q.cd ? CD : 0) | (r.rcode & 0xf);
    put16(out, o + 4, 1);
    // question echoed with the client's case; registered for compression
    let p = o + HEADER_LEN;
    const rd = this.reader;
    // (a copy loop: subarray() would allocate a view per query)
    for (let i = 0; i < rd.len; i++) out[p + i] = rd.wire[i]!;
    comp.compress(out, p, rd.len);
    p += rd.len;
    put16(out, p, q.type);
    put16(out, p + 2, q.class);
    p += 4;
    let tc = false;
    const counts = this.counts;
    counts.fill(0);
    for (let s = 0; s < 3 && !tc; s++) {
      const rrs = s === 0 ? r.answers : s === 1 ? r.authorities : r.additionals;
      let setStart = p, setCount = 0;
      for (let i = 0; i < rrs.length; i++) {
        const rr = rrs.at(i);
        const prev = i > 0 ? rrs.at(i - 1) : null;
        if (!prev || prev.type !== rr.type || prev.rr.name !== rr.rr.name) { setStart = p; setCount = counts[s]!; }
        const e = rr.emit(out, p, end, comp);
        if (e < 0) {
          // drop the partial RRset; a missing additional record is not truncation (RFC 2181 §9)
          p = setStart;
          counts[s] = setCount;
          if (s < 2) tc = true;
          break;
        }
        p = e;
        counts[s]!++;
      }
      if (s < 2 && tc) break;
      if (s === 2) break;
    }
    if (tc) flags |= TC;
    put16(out, o + 2, flags);
    put16(out, o + 6, counts[0]!);
    put16(out, o + 8, counts[1]!);
    put16(out, o + 10, counts[2]! + (q.edns ? 1 : 0));
    if (q.edns) {
      // OPT: root owner, our UDP size, extended RCODE bits, version 0, DO echoed (RFC 3225 §3)
      out[p] = 0;
      put16(out, p + 1, DnsType.OPT);
      put16(out, p + 3, this.maxUdpSize);
      out[p + 5] = r.rcode >> 4;
      out[p + 6] = 0;
      put16(out, p + 7, q.dnssecOk ? 0x8000 : 0);
      put16(out, p + 9, 0);
      p += OPT_LEN;
    }
    return this.finish(r.rcode, p - o, tc);
  }
}
