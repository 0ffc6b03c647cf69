// RFC 1035 §5 master files: one record per entry, `$ORIGIN` / `$TTL` (RFC 2308 §4) directives,
// `@` for the origin, names without a trailing dot relative to it, a blank owner repeating the
// previous one, parentheses continuing an entry over lines (the usual multi-line SOA), `;` comments
// and quoted character-strings. TTL and class may come in either order; TTLs accept BIND's unit
// suffixes (1h30m, 2d, 1w). Any type may use the RFC 3597 generic form `TYPEnnn \# len hex`.
// Control plane: errors throw ZoneFileError naming the file and line.
import { tryParseIpv4 } from '../ip/address.ts';
import { textToWireName, MAX_NAME_LEN } from './name.ts';
import { parseIpv6, type RData } from './rdata.ts';
import type { DnsRecord } from './message.ts';
import { DnsClass, DnsType, parseDnsClass, parseDnsType } from './types.ts';

export class ZoneFileError extends Error {
  constructor(readonly file: string, readonly line: number, msg: string) {
    super(`${file}:${line}: ${msg}`);
  }
}

export interface ZoneFileOptions {
  /** Initial $ORIGIN (absolute; default "."). */
  origin?: string;
  /** TTL before any $TTL (default: none, so a record without a TTL is an error). */
  defaultTtl?: number;
  /** Name used in error messages. */
  file?: string;
}

export interface ZoneFile {
  /** The origin in effect at the first SOA (or the initial one): the zone apex. */
  origin: string;
  records: DnsRecord[];
}

interface Token { text: string; quoted: boolean }
interface Entry { line: number; blankOwner: boolean; tokens: Token[] }

/** Splits master-file text into entries (parentheses joined, comments dropped). */
function tokenize(text: string, file: string): Entry[] {
  const entries: Entry[] = [];
  let cur: Entry | null = null;
  let depth = 0;
  let line = 1;
  let atLineStart = true;
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      atLineStart = true;
      if (depth === 0 && cur) { if (cur.tokens.length) entries.push(cur); cur = null; }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      if (atLineStart && depth === 0 && !cur) cur = { line, blankOwner: true, tokens: [] };
      atLineStart = false;
      i++;
      continue;
    }
    atLineStart = false;
    if (c === ';') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (!cur) cur = { line, blankOwner: false, tokens: [] };
    if (c === '(') { depth++; i++; continue; }
    if (c === ')') {
      if (--depth < 0) throw new ZoneFileError(file, line, 'unbalanced ")"');
      i++;
      continue;
    }
    if (c === '"') {
      let s = '';
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < n) { s += text[i]! + text[i + 1]!; i += 2; continue; }
        if (text[i] === '\n') line++;
        s += text[i++]!;
      }
      if (i >= n) throw new ZoneFileError(file, line, 'unterminated quoted string');
      i++;
      cur.tokens.push({ text: s, quoted: true });
      continue;
    }
    let s = '';
    while (i < n && !' \t\r\n;()"'.includes(text[i]!)) {
      if (text[i] === '\\' && i + 1 < n) { s += text[i]! + text[i + 1]!; i += 2; continue; }
      s += text[i++]!;
    }
    cur.tokens.push({ text: s, quoted: false });
  }
  if (depth !== 0) throw new ZoneFileError(file, line, 'unbalanced "(" at end of file');
  if (cur && cur.tokens.length) entries.push(cur);
  return entries;
}

/** "3600", "1h", "1h30m", "2d", "1w" → seconds; -1 when not a TTL. */
export function parseTtl(s: string): number {
  if (/^\d+$/.test(s)) {
    const v = Number(s);
    return v <= 0xffffffff ? v : -1;
  }
  const re = /(\d+)([smhdw])/gy;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0, m: RegExpExecArray | null, used = 0;
  const low = s.toLowerCase();
  while ((m = re.exec(low))) { total += Number(m[1]) * unit[m[2]!]!; used = re.lastIndex; }
  return used === low.length && used > 0 && total <= 0xffffffff ? total : -1;
}

/** Unescapes a character-string token (\X and \DDD) into bytes; text is UTF-8. */
function charString(t: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (c === '\\' && i + 1 < t.length) {
      if (/^\d{3}$/.test(t.slice(i + 1, i + 4))) { out.push(Number(t.slice(i + 1, i + 4)) & 0xff); i += 3; }
      else { out.push(...Buffer.from(t[i + 1]!, 'utf8')); i += 1; }
    } else out.push(...Buffer.from(c, 'utf8'));
  }
  return Uint8Array.from(out);
}

/** Parses a master file into records. Throws ZoneFileError on the first bad entry. */
export function parseZoneFile(text: string, opts: ZoneFileOptions = {}): ZoneFile {
  const file = opts.file ?? '<zone>';
  let origin = absolute(opts.origin ?? '.', '.');
  let apex: string | null = null;
  let ttl = opts.defaultTtl ?? -1;
  let lastTtl = -1;
  let lastOwner: string | null = null;
  const records: DnsRecord[] = [];
  const scratch = new Uint8Array(MAX_NAME_LEN + 2);

  for (const e of tokenize(text, file)) {
    const fail = (msg: string): never => { throw new ZoneFileError(file, e.line, msg); };
    const name = (t: string): string => {
      const a = absolute(t, origin);
      const r = textToWireName(a, scratch, 0);
      if (r < 0) fail(`bad domain name "${t}"`);
      return a;
    };
    const toks = e.tokens;
    const first = toks[0]!.text;
    if (!e.blankOwner && first.startsWith('$')) {
      const d = first.toUpperCase();
      if (d === '$ORIGIN') {
        if (!toks[1]) fail('$ORIGIN needs a name');
        origin = name(toks[1]!.text);
      } else if (d === '$TTL') {
        const v = toks[1] ? parseTtl(toks[1].text) : -1;
        if (v < 0) fail(`bad $TTL "${toks[1]?.text ?? ''}"`);
        ttl = v;
      } else fail(`unsupported directive ${first}`);
      continue;
    }
    let i = 0;
    let owner: string;
    if (e.blankOwner) {
      if (lastOwner === null) fail('no owner name and no previous owner');
      owner = lastOwner!;
    } else {
      owner = name(toks[i++]!.text);
    }
    lastOwner = owner;
    let rttl = -1;
    let cls: number = DnsClass.IN;
    for (let k = 0; k < 2 && i < toks.length; k++) {
      const t = toks[i]!.text;
      const tv = parseTtl(t);
      if (tv >= 0 && rttl < 0) { rttl = tv; i++; continue; }
      const cv = parseDnsClass(t);
      if (cv !== undefined && parseDnsType(t) === undefined) { cls = cv; i++; continue; }
      break;
    }
    if (i >= toks.length) fail('missing record type');
    const tname = toks[i++]!.text;
    const type = parseDnsType(tname);
    if (type === undefined) fail(`unknown record type "${tname}"`);
    const rd = toks.slice(i);
    const data = rdata(type!, rd, name, fail);
    if (rttl < 0) rttl = ttl >= 0 ? ttl : lastTtl;
    if (rttl < 0) fail('no TTL for this record and no $TTL before it');
    lastTtl = rttl;
    if (type === DnsType.SOA && apex === null) apex = owner;
    records.push({ name: owner, type: type!, class: cls, ttl: rttl, data });
  }
  return { origin: apex ?? origin, records };
}

function rdata(type: number, rd: Token[], name: (t: string) => string, fail: (m: string) => never): RData {
  const need = (n: number) => { if (rd.length !== n) fail(`${n} RDATA field(s) expected, got ${rd.length}`); };
  const int = (t: Token, max: number): number => {
    const v = /^\d+$/.test(t.text) ? Number(t.text) : -1;
    if (v < 0 || v > max) fail(`bad number "${t.text}"`);
    return v;
  };
  const time = (t: Token): number => {
    const v = parseTtl(t.text);
    if (v < 0) fail(`bad time value "${t.text}"`);
    return v;
  };
  if (rd[0] && !rd[0].quoted && rd[0].text === '\\#') {
    // RFC 3597 §5 generic form: \# <length> <hex words>
    const len = rd[1] ? int(rd[1], 65535) : fail('\\# needs a length');
    const hex = rd.slice(2).map((t) => t.text).join('');
    if (!/^([0-9a-fA-F]{2})*$/.test(hex) || hex.length / 2 !== len) fail('\\# length does not match its hex data');
    const raw = Uint8Array.from(Buffer.from(hex, 'hex'));
    if (type === DnsType.A && len === 4) return { address: ((raw[0]! << 24) | (raw[1]! << 16) | (raw[2]! << 8) | raw[3]!) >>> 0 };
    if (type === DnsType.AAAA && len === 16) return { address: raw };
    if ([DnsType.A, DnsType.AAAA, DnsType.NS, DnsType.CNAME, DnsType.PTR, DnsType.MX, DnsType.SOA, DnsType.SRV, DnsType.TXT].includes(type as 1))
      fail('generic \\# RDATA is only supported here for types without a text form');
    return { raw };
  }
  switch (type) {
    case DnsType.A: {
      need(1);
      const a = tryParseIpv4(rd[0]!.text);
      if (a < 0) fail(`bad IPv4 address "${rd[0]!.text}"`);
      return { address: a };
    }
    case DnsType.AAAA: {
      need(1);
      const a = parseIpv6(rd[0]!.text);
      if (!a) fail(`bad IPv6 address "${rd[0]!.text}"`);
      return { address: a! };
    }
    case DnsType.NS: case DnsType.CNAME: case DnsType.PTR:
      need(1);
      return { target: name(rd[0]!.text) };
    case DnsType.MX:
      need(2);
      return { preference: int(rd[0]!, 65535), exchange: name(rd[1]!.text) };
    case DnsType.SRV:
      need(4);
      return { priority: int(rd[0]!, 65535), weight: int(rd[1]!, 65535), port: int(rd[2]!, 65535), target: name(rd[3]!.text) };
    case DnsType.SOA:
      need(7);
      return {
        mname: name(rd[0]!.text), rname: name(rd[1]!.text), serial: int(rd[2]!, 0xffffffff),
        refresh: time(rd[3]!), retry: time(rd[4]!), expire: time(rd[5]!), minimum: time(rd[6]!),
      };
    case DnsType.TXT: {
      if (rd.length === 0) fail('TXT needs at least one string');
      const strings = rd.map((t) => charString(t.text));
      if (strings.some((s) => s.length > 255)) fail('TXT string longer than 255 bytes');
      return { strings };
    }
    default:
      return fail(`type ${type} needs the generic form "\\# <length> <hex>"`);
  }
}

/** Makes a name absolute against `origin`: "@" → origin, "www" → "www.<origin>", "a.b." unchanged. */
export function absolute(name: string, origin: string): string {
  if (name === '@') return origin;
  if (name.endsWith('.') && !name.endsWith('\\.')) return name;
  return origin === '.' ? `${name}.` : `${name}.${origin}`;
}
