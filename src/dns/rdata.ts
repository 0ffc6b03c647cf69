// RDATA of the record types we understand (RFC 1035 §3.3-3.4, RFC 3596 AAAA, RFC 2782 SRV); every
// other type is kept as raw bytes and re-emitted unchanged (RFC 3597). OPT lives in message.ts since
// it is a pseudo-record of the message, not data.
//
// Names inside RDATA may be compressed on decode for any type; on encode only the RFC 1035 types
// (NS, CNAME, SOA, PTR, MX) are compressed — RFC 3597 §4 forbids it for later types such as SRV.
import { put16, put32 } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import { ipv4ToString } from '../ip/address.ts';
import { DnsType } from './types.ts';
import { NameDecoder, NameCompressor, textToWireName } from './name.ts';

export interface ARdata { address: number }
/** 16 bytes, network order. */
export interface AaaaRdata { address: Uint8Array }
/** CNAME, NS, PTR. */
export interface NameRdata { target: string }
export interface MxRdata { preference: number; exchange: string }
/** Each character-string is up to 255 bytes (RFC 1035 §3.3). */
export interface TxtRdata { strings: Uint8Array[] }
export interface SrvRdata { priority: number; weight: number; port: number; target: string }
export interface SoaRdata {
  mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number;
}
/** Unknown types (RFC 3597): bytes as received. */
export interface RawRdata { raw: Uint8Array }
export type RData = ARdata | AaaaRdata | NameRdata | MxRdata | TxtRdata | SrvRdata | SoaRdata | RawRdata;

// Local big-endian reads: the decode loop stays inside this module (a call through another
// module's export costs a property load per call under the tsx/CJS loader).
function r16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function r32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
/** A copy of b[s, e): a loop into a fresh (small, on-heap) array beats slice() for short ranges. */
function copyOut(b: Uint8Array, s: number, e: number): Uint8Array {
  const n = e - s;
  if (n > 64) return b.slice(s, e);
  const o = new Uint8Array(n);
  for (let i = 0; i < n; i++) o[i] = b[s + i]!;
  return o;
}
const T_A = DnsType.A, T_AAAA = DnsType.AAAA, T_CNAME = DnsType.CNAME, T_NS = DnsType.NS, T_PTR = DnsType.PTR;
const T_MX = DnsType.MX, T_SRV = DnsType.SRV, T_SOA = DnsType.SOA, T_TXT = DnsType.TXT;

// A name inside RDATA must end inside it; its pointers may reach anywhere earlier in the message.
function rdataName(buf: Uint8Array, msgOff: number, msgEnd: number, at: number, end: number, d: NameDecoder): string | WireError {
  const e = d.decode(buf, msgOff, msgEnd, at);
  if (e !== 0) return e as WireError;
  if (d.next > end) return WireError.BAD_RDATA;
  return d.text;
}

/**
 * Decodes RDATA at buf[pos, pos+rdlen) of the message buf[msgOff, msgEnd). Allocates the repr.
 * `d` is the message's NameDecoder (names in RDATA may point at earlier names of the message).
 */
export function parseRdata(
  type: number, buf: Uint8Array, msgOff: number, msgEnd: number, pos: number, rdlen: number, d: NameDecoder,
): RData | WireError {
  const end = pos + rdlen;
  if (end > msgEnd) return WireError.BAD_RDATA;
  switch (type) {
    case T_A:
      if (rdlen !== 4) return WireError.BAD_RDATA;
      return { address: r32(buf, pos) };
    case T_AAAA:
      if (rdlen !== 16) return WireError.BAD_RDATA;
      return { address: copyOut(buf, pos, end) };
    case T_CNAME:
    case T_NS:
    case T_PTR: {
      const t = rdataName(buf, msgOff, msgEnd, pos, end, d);
      if (typeof t === 'number') return t;
      return d.next === end ? { target: t } : WireError.BAD_RDATA;
    }
    case T_MX: {
      if (rdlen < 3) return WireError.BAD_RDATA;
      const t = rdataName(buf, msgOff, msgEnd, pos + 2, end, d);
      if (typeof t === 'number') return t;
      return d.next === end ? { preference: r16(buf, pos), exchange: t } : WireError.BAD_RDATA;
    }
    case T_SRV: {
      if (rdlen < 7) return WireError.BAD_RDATA;
      const t = rdataName(buf, msgOff, msgEnd, pos + 6, end, d);
      if (typeof t === 'number') return t;
      if (d.next !== end) return WireError.BAD_RDATA;
      return { priority: r16(buf, pos), weight: r16(buf, pos + 2), port: r16(buf, pos + 4), target: t };
    }
    case T_SOA: {
      const m = rdataName(buf, msgOff, msgEnd, pos, end, d);
      if (typeof m === 'number') return m;
      const rn = rdataName(buf, msgOff, msgEnd, d.next, end, d);
      if (typeof rn === 'number') return rn;
      const p = d.next;
      if (p + 20 !== end) return WireError.BAD_RDATA;
      return {
        mname: m, rname: rn, serial: r32(buf, p), refresh: r32(buf, p + 4), retry: r32(buf, p + 8),
        expire: r32(buf, p + 12), minimum: r32(buf, p + 16),
      };
    }
    case T_TXT: {
      if (rdlen === 0) return WireError.BAD_RDATA; // at least one character-string
      const strings: Uint8Array[] = [];
      for (let p = pos; p < end; ) {
        const l = buf[p]!;
        if (p + 1 + l > end) return WireError.BAD_RDATA;
        strings.push(copyOut(buf, p + 1, p + 1 + l));
        p += 1 + l;
      }
      return { strings };
    }
    default:
      return { raw: copyOut(buf, pos, end) };
  }
}

function putName(s: string, buf: Uint8Array, pos: number, end: number, comp: NameCompressor | null): number {
  if (comp) return comp.putName(s, buf, pos, end);
  const n = textToWireName(s, buf, pos, end);
  return n < 0 ? n : pos + n;
}

/**
 * Writes RDATA at buf[pos] (the RDLENGTH field is the caller's). Returns the end offset or a
 * negated WireError (NO_SPACE when `end` would be passed, BAD_RDATA when the repr is invalid).
 */
export function emitRdata(type: number, d: RData, buf: Uint8Array, pos: number, end: number, comp: NameCompressor | null): number {
  switch (type) {
    case DnsType.A:
      if (pos + 4 > end) return -WireError.NO_SPACE;
      put32(buf, pos, (d as ARdata).address);
      return pos + 4;
    case DnsType.AAAA: {
      const a = (d as AaaaRdata).address;
      if (a.length !== 16) return -WireError.BAD_RDATA;
      if (pos + 16 > end) return -WireError.NO_SPACE;
      buf.set(a, pos);
      return pos + 16;
    }
    case DnsType.CNAME:
    case DnsType.NS:
    case DnsType.PTR:
      return putName((d as NameRdata).target, buf, pos, end, comp);
    case DnsType.MX: {
      const m = d as MxRdata;
      if (pos + 2 > end) return -WireError.NO_SPACE;
      put16(buf, pos, m.preference);
      return putName(m.exchange, buf, pos + 2, end, comp);
    }
    case DnsType.SRV: {
      const s = d as SrvRdata;
      if (pos + 6 > end) return -WireError.NO_SPACE;
      put16(buf, pos, s.priority);
      put16(buf, pos + 2, s.weight);
      put16(buf, pos + 4, s.port);
      return putName(s.target, buf, pos + 6, end, null);
    }
    case DnsType.SOA: {
      const s = d as SoaRdata;
      let p = putName(s.mname, buf, pos, end, comp);
      if (p < 0) return p;
      p = putName(s.rname, buf, p, end, comp);
      if (p < 0) return p;
      if (p + 20 > end) return -WireError.NO_SPACE;
      put32(buf, p, s.serial);
      put32(buf, p + 4, s.refresh);
      put32(buf, p + 8, s.retry);
      put32(buf, p + 12, s.expire);
      put32(buf, p + 16, s.minimum);
      return p + 20;
    }
    case DnsType.TXT: {
      let p = pos;
      const ss = (d as TxtRdata).strings;
      if (ss.length === 0) return -WireError.BAD_RDATA;
      for (let i = 0; i < ss.length; i++) {
        const s = ss[i]!;
        if (s.length > 255) return -WireError.BAD_RDATA;
        if (p + 1 + s.length > end) return -WireError.NO_SPACE;
        buf[p] = s.length;
        buf.set(s, p + 1);
        p += 1 + s.length;
      }
      return p;
    }
    default: {
      const raw = (d as RawRdata).raw;
      if (!raw) return -WireError.BAD_RDATA;
      if (pos + raw.length > end) return -WireError.NO_SPACE;
      buf.set(raw, pos);
      return pos + raw.length;
    }
  }
}

/** Upper bound of the RDATA length (names uncompressed). */
export function rdataLength(type: number, d: RData): number {
  const nameLen = (s: string) => Math.min(255, s.length + 2);
  switch (type) {
    case DnsType.A: return 4;
    case DnsType.AAAA: return 16;
    case DnsType.CNAME: case DnsType.NS: case DnsType.PTR: return nameLen((d as NameRdata).target);
    case DnsType.MX: return 2 + nameLen((d as MxRdata).exchange);
    case DnsType.SRV: return 6 + nameLen((d as SrvRdata).target);
    case DnsType.SOA: return nameLen((d as SoaRdata).mname) + nameLen((d as SoaRdata).rname) + 20;
    case DnsType.TXT: return (d as TxtRdata).strings.reduce((n, s) => n + 1 + s.length, 0);
    default: return (d as RawRdata).raw.length;
  }
}

// ---- presentation format (what dig prints) ----

/** RFC 5952 text of a 16-byte IPv6 address (longest zero run compressed, lower-case hex). */
export function ipv6ToString(a: Uint8Array, off = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((a[off + 2 * i]! << 8) | a[off + 2 * i + 1]!);
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(w);
  return `${hex(w.slice(0, bestAt))}::${hex(w.slice(bestAt + bestLen))}`;
}

/** IPv6 text (with `::` and an optional trailing dotted quad) → 16 bytes, or null. */
export function parseIpv6(s: string): Uint8Array | null {
  const out = new Uint8Array(16);
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const ws: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes('.')) {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(it);
        if (!m) return null;
        const b = m.slice(1).map(Number);
        if (b.some((x) => x > 255)) return null;
        ws.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
        ws.push(parseInt(it, 16));
      }
    }
    return ws;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const ws = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  for (let i = 0; i < 8; i++) { out[2 * i] = ws[i]! >> 8; out[2 * i + 1] = ws[i]! & 0xff; }
  return out;
}

/** A character-string in quotes, escaping `"` and `\` and non-printables as \DDD (RFC 1035 §5.1). */
export function quoteCharString(s: Uint8Array): string {
  let o = '"';
  for (const c of s) {
    if (c === 0x22 || c === 0x5c) o += '\\' + String.fromCharCode(c);
    else if (c < 0x20 || c >= 0x7f) o += '\\' + c.toString().padStart(3, '0');
    else o += String.fromCharCode(c);
  }
  return o + '"';
}

/** RDATA in presentation format, as dig prints it. */
export function formatRdata(type: number, d: RData): string {
  switch (type) {
    case DnsType.A: return ipv4ToString((d as ARdata).address);
    case DnsType.AAAA: return ipv6ToString((d as AaaaRdata).address);
    case DnsType.CNAME: case DnsType.NS: case DnsType.PTR: return (d as NameRdata).target;
    case DnsType.MX: return `${(d as MxRdata).preference} ${(d as MxRdata).exchange}`;
    case DnsType.SRV: {
      const s = d as SrvRdata;
      return `${s.priority} ${s.weight} ${s.port} ${s.target}`;
    }
    case DnsType.SOA: {
      const s = d as SoaRdata;
      return `${s.mname} ${s.rname} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    case DnsType.TXT: return (d as TxtRdata).strings.map(quoteCharString).join(' ');
    default: {
      const raw = (d as RawRdata).raw;
      return raw.length === 0 ? '\\# 0' : `\\# ${raw.length} ${Buffer.from(raw).toString('hex').toUpperCase()}`;
    }
  }
}
