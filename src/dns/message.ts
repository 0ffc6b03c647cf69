// A DNS message (RFC 1035 §4.1):
//
//                                   1  1  1  1  1  1
//     0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
//   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//   |                      ID                       |
//   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//   |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |   (AD/CD: RFC 4035 §3.2)
//   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//   |            QDCOUNT / ANCOUNT / NSCOUNT / ARCOUNT |
//   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//   question: QNAME QTYPE QCLASS; then answer, authority, additional resource records:
//   NAME TYPE(2) CLASS(2) TTL(4) RDLENGTH(2) RDATA
//
// The OPT pseudo-record (RFC 6891 §6.1.2) is lifted out of the additional section into `edns`:
// CLASS carries the requester's UDP payload size, TTL the extended RCODE, version and DO bit.
import { put16, put32 } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import { NameCompressor, NameDecoder, NameReader, textToWireName } from './name.ts';
import { emitRdata, formatRdata, parseRdata as parseRdataImport, rdataLength, type RData } from './rdata.ts';
import { DnsType, dnsClassName, dnsOpcodeName, dnsRcodeName, dnsTypeName } from './types.ts';

export const F = { ID: 0, FLAGS: 2, QDCOUNT: 4, ANCOUNT: 6, NSCOUNT: 8, ARCOUNT: 10 } as const;
export const HEADER_LEN = 12;
/** Largest message without EDNS0 (RFC 1035 §4.2.1). */
export const UDP_MAX_PLAIN = 512;

const QR = 0x8000, AA = 0x0400, TC = 0x0200, RD = 0x0100, RA = 0x0080, AD = 0x0020, CD = 0x0010;
const DO = 0x8000;
const T_OPT = DnsType.OPT;
// Module-local alias: one call per record, not a getter on the other module's exports each time.
const parseRdata = parseRdataImport;

// Local big-endian reads/writes: hot loops stay inside this module (a call through another
// module's export costs a property load per call under the tsx/CJS loader).
function r16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function r32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
function w16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}
/** A copy of b[s, e): a loop into a fresh (small, on-heap) array beats slice() for short ranges. */
function copyOut(b: Uint8Array, s: number, e: number): Uint8Array {
  const n = e - s;
  if (n > 64) return b.slice(s, e);
  const o = new Uint8Array(n);
  for (let i = 0; i < n; i++) o[i] = b[s + i]!;
  return o;
}

/**
 * View over one DNS message. check() walks every name and record once (no allocation) and
 * records where the question and the OPT record are, so the server needs nothing else.
 */
export class DnsView {
  buf: Uint8Array = new Uint8Array(0);
  off = 0;
  len = 0;
  /** After check(): offset of the OPT record's TYPE field, or -1 when there is none. */
  optAt = -1;
  /** After check(): offset of the first question's name, or -1 when QDCOUNT is 0. */
  questionAt = -1;
  /** After check(): offset just after the first question's name. */
  questionNameEnd = -1;
  private readonly reader = new NameReader();

  constructor(buf?: Uint8Array, off = 0, len = buf ? buf.length - off : 0) {
    if (buf) this.wrap(buf, off, len);
  }
  wrap(buf: Uint8Array, off = 0, len = buf.length - off): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.optAt = this.questionAt = this.questionNameEnd = -1;
    return this;
  }

  get id(): number { return r16(this.buf, this.off + F.ID); }
  set id(v: number) { w16(this.buf, this.off + F.ID, v); }
  get flags(): number { return r16(this.buf, this.off + F.FLAGS); }
  set flags(v: number) { w16(this.buf, this.off + F.FLAGS, v); }
  get qr(): boolean { return (this.flags & QR) !== 0; }
  get opcode(): number { return (this.flags >> 11) & 0xf; }
  get aa(): boolean { return (this.flags & AA) !== 0; }
  get tc(): boolean { return (this.flags & TC) !== 0; }
  get rd(): boolean { return (this.flags & RD) !== 0; }
  get ra(): boolean { return (this.flags & RA) !== 0; }
  get ad(): boolean { return (this.flags & AD) !== 0; }
  get cd(): boolean { return (this.flags & CD) !== 0; }
  get rcode(): number { return this.flags & 0xf; }
  get qdcount(): number { return r16(this.buf, this.off + F.QDCOUNT); }
  get ancount(): number { return r16(this.buf, this.off + F.ANCOUNT); }
  get nscount(): number { return r16(this.buf, this.off + F.NSCOUNT); }
  get arcount(): number { return r16(this.buf, this.off + F.ARCOUNT); }

  /** The first question's QTYPE / QCLASS (valid after check() when qdcount > 0). */
  get qtype(): number { return r16(this.buf, this.questionNameEnd); }
  get qclass(): number { return r16(this.buf, this.questionNameEnd + 2); }
  /** EDNS0 fields (valid after check() when optAt >= 0). */
  get ednsUdpSize(): number { return r16(this.buf, this.optAt + 2); }
  get ednsExtendedRcode(): number { return this.buf[this.optAt + 4]!; }
  get ednsVersion(): number { return this.buf[this.optAt + 5]!; }
  get ednsDo(): boolean { return (r16(this.buf, this.optAt + 6) & DO) !== 0; }

  /** Validates the whole message structure; 0 when every accessor and section walk is in bounds. */
  check(): number {
    const b = this.buf, start = this.off, end = this.off + this.len;
    if (this.len < HEADER_LEN) return WireError.TRUNCATED;
    const qd = r16(b, start + 4), an = r16(b, start + 6), ns = r16(b, start + 8), ar = r16(b, start + 10);
    // a question takes at least 5 bytes and a record 11: reject impossible counts before walking
    if (qd * 5 + (an + ns + ar) * 11 > this.len - HEADER_LEN) return WireError.BAD_COUNT;
    const r = this.reader;
    let p = start + HEADER_LEN;
    this.optAt = -1;
    this.questionAt = -1;
    for (let i = 0; i < qd; i++) {
      const e = r.skip(b, start, end, p);
      if (e !== 0) return e;
      if (i === 0) { this.questionAt = p; this.questionNameEnd = r.next; }
      p = r.next + 4;
      if (p > end) return WireError.TRUNCATED;
    }
    const total = an + ns + ar;
    for (let i = 0; i < total; i++) {
      if (p >= end) return WireError.BAD_COUNT;
      const e = r.skip(b, start, end, p);
      if (e !== 0) return e;
      const t = r.next;
      if (t + 10 > end) return WireError.TRUNCATED;
      if (r16(b, t) === T_OPT) {
        // RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root
        if (i < an + ns || this.optAt >= 0 || r.len !== 1) return WireError.BAD_OPT;
        this.optAt = t;
      }
      p = t + 10 + r16(b, t + 8);
      if (p > end) return WireError.BAD_RDATA;
    }
    if (p !== end) return WireError.TRAILING_BYTES;
    return 0;
  }
}

export interface DnsQuestion { name: string; type: number; class: number }
export interface DnsRecord { name: string; type: number; class: number; ttl: number; data: RData }
export interface EdnsOption { code: number; data: Uint8Array }
export interface Edns {
  /** Requester's UDP payload size (values below 512 are treated as 512, RFC 6891 §6.2.5). */
  udpSize: number;
  version: number;
  dnssecOk: boolean;
  /** Options kept raw (RFC 6891 §6.1.2): code + data. */
  options: EdnsOption[];
}
export interface DnsMessage {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
  /** Full RCODE: the header's 4 bits, plus the OPT's extended 8 bits above them when edns is set. */
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  /** Additional records other than OPT. */
  additionals: DnsRecord[];
  edns: Edns | null;
}

/** A message with every field defaulted; handy for building queries and responses. */
export function dnsMessage(m: Partial<DnsMessage> = {}): DnsMessage {
  return {
    id: 0, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0,
    questions: [], answers: [], authorities: [], additionals: [], edns: null, ...m,
  };
}

const sharedNames = new NameDecoder();

/**
 * Decodes a view into a repr, validating everything check() validates (and sets what it sets)
 * plus the RDATA and OPT contents.
 */
export function parseDnsMessage(v: DnsView): DnsMessage | WireError {
  const m = parseOnce(v);
  if (typeof m !== 'number') return m;
  // One pass validates and decodes at once. On failure, report what check-then-parse reports: a
  // structural error anywhere in the message wins over an RDATA error found before it.
  const e = v.check();
  return (e !== 0 ? e : m) as WireError;
}

function parseOnce(v: DnsView): DnsMessage | number {
  const b = v.buf, start = v.off, len = v.len, end = start + len;
  if (len < HEADER_LEN) return WireError.TRUNCATED;
  const qd = r16(b, start + 4), an = r16(b, start + 6), ns = r16(b, start + 8), ar = r16(b, start + 10);
  if (qd * 5 + (an + ns + ar) * 11 > len - HEADER_LEN) return WireError.BAD_COUNT;
  v.optAt = -1;
  v.questionAt = -1;
  const d = sharedNames;
  d.reset();
  let p = start + HEADER_LEN;
  // the usual single question goes into an exact-size array literal; push() onto [] would
  // allocate a 17-slot backing store per message
  let questions: DnsQuestion[] = [];
  for (let i = 0; i < qd; i++) {
    const e = d.decode(b, start, end, p);
    if (e !== 0) return e;
    const t = d.next;
    if (i === 0) { v.questionAt = p; v.questionNameEnd = t; }
    p = t + 4;
    if (p > end) return WireError.TRUNCATED;
    const q: DnsQuestion = { name: d.text, type: r16(b, t), class: r16(b, t + 2) };
    if (qd === 1) questions = [q];
    else questions.push(q);
  }
  const fl = r16(b, start + 2);
  const m: DnsMessage = {
    id: r16(b, start), qr: (fl & QR) !== 0, opcode: (fl >> 11) & 0xf, aa: (fl & AA) !== 0, tc: (fl & TC) !== 0,
    rd: (fl & RD) !== 0, ra: (fl & RA) !== 0, ad: (fl & AD) !== 0, cd: (fl & CD) !== 0, rcode: fl & 0xf,
    questions, answers: [], authorities: [], additionals: [], edns: null,
  };
  const total = an + ns + ar;
  for (let i = 0; i < total; i++) {
    if (p >= end) return WireError.BAD_COUNT;
    const e = d.decode(b, start, end, p);
    if (e !== 0) return e;
    const owner = d.text;
    const t = d.next;
    if (t + 10 > end) return WireError.TRUNCATED;
    const type = r16(b, t), cls = r16(b, t + 2), ttl = r32(b, t + 4), rdlen = r16(b, t + 8);
    p = t + 10;
    if (p + rdlen > end) return WireError.BAD_RDATA;
    if (type === T_OPT) {
      // RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root
      if (i < an + ns || v.optAt >= 0 || d.len !== 1) return WireError.BAD_OPT;
      v.optAt = t;
      let options: EdnsOption[] = [];
      for (let q = p, oe = p + rdlen; q < oe; ) {
        if (q + 4 > oe) return WireError.BAD_OPT;
        const olen = r16(b, q + 2);
        if (q + 4 + olen > oe) return WireError.BAD_OPT;
        const o: EdnsOption = { code: r16(b, q), data: copyOut(b, q + 4, q + 4 + olen) };
        // exact-size literal for the first option (as for questions above)
        if (options.length === 0) options = [o];
        else options.push(o);
        q += 4 + olen;
      }
      m.rcode |= (ttl >>> 24) << 4;
      m.edns = { udpSize: cls, version: (ttl >>> 16) & 0xff, dnssecOk: (ttl & DO) !== 0, options };
    } else {
      const data = parseRdata(type, b, start, end, p, rdlen, d);
      if (typeof data === 'number') return data;
      const rr: DnsRecord = { name: owner, type, class: cls, ttl, data };
      (i < an ? m.answers : i < an + ns ? m.authorities : m.additionals).push(rr);
    }
    p += rdlen;
  }
  if (p !== end) return WireError.TRAILING_BYTES;
  return m;
}

/** Convenience: bytes → repr. */
const sharedView = new DnsView();
export function decodeDnsMessage(buf: Uint8Array, off = 0, len = buf.length - off): DnsMessage | WireError {
  return parseDnsMessage(sharedView.wrap(buf, off, len));
}

function plainName(s: string, buf: Uint8Array, pos: number, end: number): number {
  const n = textToWireName(s, buf, pos, end);
  return n < 0 ? n : pos + n;
}

/** Writes a question at buf[pos]; returns the end offset or a negated WireError. */
export function emitQuestion(q: DnsQuestion, buf: Uint8Array, pos: number, end: number, comp: NameCompressor | null): number {
  const p = comp ? comp.putName(q.name, buf, pos, end) : plainName(q.name, buf, pos, end);
  if (p < 0) return p;
  if (p + 4 > end) return -WireError.NO_SPACE;
  put16(buf, p, q.type);
  put16(buf, p + 2, q.class);
  return p + 4;
}

/** Writes a resource record at buf[pos]; returns the end offset or a negated WireError. */
export function emitRecord(rr: DnsRecord, buf: Uint8Array, pos: number, end: number, comp: NameCompressor | null): number {
  const p = comp ? comp.putName(rr.name, buf, pos, end) : plainName(rr.name, buf, pos, end);
  if (p < 0) return p;
  if (p + 10 > end) return -WireError.NO_SPACE;
  put16(buf, p, rr.type);
  put16(buf, p + 2, rr.class);
  put32(buf, p + 4, rr.ttl);
  const q = emitRdata(rr.type, rr.data, buf, p + 10, end, comp);
  if (q < 0) return q;
  put16(buf, p + 8, q - p - 10);
  return q;
}

/** Writes an OPT pseudo-record carrying `edns` and the upper bits of `rcode`. */
export function emitOpt(edns: Edns, rcode: number, buf: Uint8Array, pos: number, end: number): number {
  let olen = 0;
  for (const o of edns.options) olen += 4 + o.data.length;
  if (pos + 11 + olen > end) return -WireError.NO_SPACE;
  buf[pos] = 0;
  put16(buf, pos + 1, DnsType.OPT);
  put16(buf, pos + 3, edns.udpSize);
  buf[pos + 5] = rcode >> 4;
  buf[pos + 6] = edns.version;
  put16(buf, pos + 7, edns.dnssecOk ? DO : 0);
  put16(buf, pos + 9, olen);
  let p = pos + 11;
  for (const o of edns.options) {
    put16(buf, p, o.code);
    put16(buf, p + 2, o.data.length);
    buf.set(o.data, p + 4);
    p += 4 + o.data.length;
  }
  return p;
}

/** Header flags word for a repr (RCODE's low 4 bits only). */
export function dnsFlags(m: DnsMessage): number {
  return (m.qr ? QR : 0) | ((m.opcode & 0xf) << 11) | (m.aa ? AA : 0) | (m.tc ? TC : 0) | (m.rd ? RD : 0) |
    (m.ra ? RA : 0) | (m.ad ? AD : 0) | (m.cd ? CD : 0) | (m.rcode & 0xf);
}

const defaultComp = new NameCompressor();

/**
 * Encodes `m` at buf[off] with name compression (pass a disabled compressor, or `null`, for none).
 * Returns the message length, or a negated WireError (NO_SPACE when the buffer is too small).
 */
export function emitDnsMessage(m: DnsMessage, buf: Uint8Array, off = 0, comp: NameCompressor | null = defaultComp): number {
  const end = buf.length;
  if (off + HEADER_LEN > end) return -WireError.NO_SPACE;
  comp?.reset(off);
  put16(buf, off, m.id);
  put16(buf, off + 2, dnsFlags(m));
  put16(buf, off + 4, m.questions.length);
  put16(buf, off + 6, m.answers.length);
  put16(buf, off + 8, m.authorities.length);
  put16(buf, off + 10, m.additionals.length + (m.edns ? 1 : 0));
  let p = off + HEADER_LEN;
  for (let i = 0; i < m.questions.length; i++) {
    p = emitQuestion(m.questions[i]!, buf, p, end, comp);
    if (p < 0) return p;
  }
  for (let s = 0; s < 3; s++) {
    const rrs = s === 0 ? m.answers : s === 1 ? m.authorities : m.additionals;
    for (let i = 0; i < rrs.length; i++) {
      p = emitRecord(rrs[i]!, buf, p, end, comp);
      if (p < 0) return p;
    }
  }
  if (m.edns) {
    p = emitOpt(m.edns, m.rcode, buf, p, end);
    if (p < 0) return p;
  }
  return p - off;
}

/** Upper bound of the encoded length (no compression). */
export function dnsMessageLength(m: DnsMessage): number {
  let n = HEADER_LEN;
  for (const q of m.questions) n += Math.min(255, q.name.length + 2) + 4;
  for (const rrs of [m.answers, m.authorities, m.additionals])
    for (const rr of rrs) n += Math.min(255, rr.name.length + 2) + 10 + rdataLength(rr.type, rr.data);
  if (m.edns) n += 11 + m.edns.options.reduce((a, o) => a + 4 + o.data.length, 0);
  return n;
}

/** Allocating convenience: repr → fresh bytes. */
export function encodeDnsMessage(m: DnsMessage, compress = true): Uint8Array {
  const buf = new Uint8Array(Math.max(dnsMessageLength(m), HEADER_LEN));
  const c = new NameCompressor();
  c.enabled = compress;
  const n = emitDnsMessage(m, buf, 0, c);
  if (n < 0) throw new Error(`cannot encode DNS message: error ${-n}`);
  return buf.subarray(0, n);
}

/** One record as dig prints it: `name. TTL CLASS TYPE rdata` (tab separated). */
export function formatRecord(rr: DnsRecord): string {
  return `${rr.name}\t${rr.ttl}\t${dnsClassName(rr.class)}\t${dnsTypeName(rr.type)}\t${formatRdata(rr.type, rr.data)}`;
}

/** One-line summary in the style of tshark's Info column. */
export function formatDnsMessage(m: DnsMessage): string {
  const op = m.opcode === 0 ? 'Standard query' : dnsOpcodeName(m.opcode).toLowerCase();
  let s = `${op}${m.qr ? ' response' : ''} 0x${m.id.toString(16).padStart(4, '0')}`;
  if (m.qr && m.rcode !== 0) s += ` ${dnsRcodeName(m.rcode)}`;
  for (const q of m.questions) s += ` ${dnsTypeName(q.type)} ${q.name.replace(/\.$/, '') || '<Root>'}`;
  for (const rr of m.answers) s += ` ${dnsTypeName(rr.type)} ${formatRdata(rr.type, rr.data)}`;
  if (m.edns) s += ' OPT';
  return s;
}
