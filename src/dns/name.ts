// Domain names on the wire (RFC 1035 §3.1, §4.1.4): a sequence of length-prefixed labels ending
// in the zero-length root label, or in a 2-byte compression pointer (top bits 11) to an earlier
// occurrence of the rest of the name, with offsets counted from the start of the message.
//
//   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//   | 1  1|                OFFSET                   |     pointer
//   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//
// Decoding is the attack surface: a pointer must go strictly backwards (before the label sequence
// it appears in), so every hop makes progress and the walk ends; the hop count is bounded anyway.
// Labels are at most 63 octets and the whole uncompressed name at most 255 (§2.3.4).
//
// Encoding compresses against a small table of suffixes already written into the message, keyed
// by an integer hash of the lower-cased suffix and verified byte by byte (matching is
// case-insensitive, RFC 4343, so a pointer may carry the case of the earlier name).
import { WireError } from '../wire-error.ts';

export const MAX_NAME_LEN = 255;
export const MAX_LABEL_LEN = 63;
/** More hops than any sane message needs; the strictly-backwards rule already guarantees an end. */
const MAX_HOPS = 64;
/** Pointers hold 14 bits: a suffix at a later offset cannot be pointed at. */
const MAX_POINTER = 0x3fff;

function lower(b: number): number {
  return b >= 65 && b <= 90 ? b | 32 : b;
}

/**
 * Reads (possibly compressed) names into an uncompressed wire-format scratch buffer. Reusable:
 * one reader per decoding stage, no allocation per name.
 */
export class NameReader {
  /** The uncompressed name, original case, ending with the root label. */
  readonly wire = new Uint8Array(MAX_NAME_LEN + 1);
  /** Bytes of `wire` in use (including the root label). */
  len = 0;
  /** Offset just after the name where it was read (after the first pointer, if any). */
  next = 0;
  /** Compression pointers followed by the last read. */
  hops = 0;
  /** [start, pointer-offset] of every label run visited, to call a revisit a loop. */
  private readonly runs = new Int32Array(2 * (MAX_HOPS + 1));

  /**
   * Decodes the name at `pos` in the message `buf[msgOff, msgEnd)`. Returns 0 on success
   * (then `wire`, `len`, `next` are set) or a WireError code.
   */
  read(buf: Uint8Array, msgOff: number, msgEnd: number, pos: number): number {
    const out = this.wire;
    const runs = this.runs;
    let p = pos;
    let runStart = pos;
    let hops = 0;
    let n = 0;
    let next = -1;
    for (;;) {
      if (p >= msgEnd) return WireError.TRUNCATED;
      const b = buf[p]!;
      if (b === 0) {
        out[n++] = 0;
        if (next < 0) next = p + 1;
        break;
      }
      const kind = b & 0xc0;
      if (kind === 0xc0) {
        if (p + 1 >= msgEnd) return WireError.TRUNCATED;
        if (next < 0) next = p + 2;
        const target = msgOff + (((b & 0x3f) << 8) | buf[p + 1]!);
        if (target >= msgEnd) return WireError.BAD_POINTER;
        runs[2 * hops] = runStart;
        runs[2 * hops + 1] = p;
        for (let i = 0; i <= hops; i++) if (target >= runs[2 * i]! && target <= runs[2 * i + 1]!) return WireError.POINTER_LOOP;
        if (target > p || target >= runStart) return WireError.FORWARD_POINTER;
        if (++hops > MAX_HOPS) return WireError.POINTER_LOOP;
        p = runStart = target;
        continue;
      }
      // 01xxxxxx reads as a length of 64-127 (the EDNS0 extended label types are gone, RFC 6891 §5);
      // 10xxxxxx is reserved.
      if (kind === 0x40) return WireError.LABEL_TOO_LONG;
      if (kind === 0x80) return WireError.BAD_LABEL_TYPE;
      if (p + 1 + b > msgEnd) return WireError.TRUNCATED;
      if (n + 1 + b + 1 > MAX_NAME_LEN) return WireError.NAME_TOO_LONG;
      out[n++] = b;
      for (let i = 1; i <= b; i++) out[n++] = buf[p + i]!;
      p += 1 + b;
    }
    this.len = n;
    this.next = next;
    this.hops = hops;
    return 0;
  }

  /**
   * read() without the copy: the same validation and error codes, setting `len`, `next` and
   * `hops` but not `wire`. What check() uses to walk a message.
   */
  skip(buf: Uint8Array, msgOff: number, msgEnd: number, pos: number): number {
    const runs = this.runs;
    let p = pos;
    let runStart = pos;
    let hops = 0;
    let n = 0;
    let next = -1;
    for (;;) {
      if (p >= msgEnd) return WireError.TRUNCATED;
      const b = buf[p]!;
      if (b === 0) {
        n++;
        if (next < 0) next = p + 1;
        break;
      }
      const kind = b & 0xc0;
      if (kind === 0xc0) {
        if (p + 1 >= msgEnd) return WireError.TRUNCATED;
        if (next < 0) next = p + 2;
        const target = msgOff + (((b & 0x3f) << 8) | buf[p + 1]!);
        if (target >= msgEnd) return WireError.BAD_POINTER;
        runs[2 * hops] = runStart;
        runs[2 * hops + 1] = p;
        for (let i = 0; i <= hops; i++) if (target >= runs[2 * i]! && target <= runs[2 * i + 1]!) return WireError.POINTER_LOOP;
        if (target > p || target >= runStart) return WireError.FORWARD_POINTER;
        if (++hops > MAX_HOPS) return WireError.POINTER_LOOP;
        p = runStart = target;
        continue;
      }
      if (kind === 0x40) return WireError.LABEL_TOO_LONG;
      if (kind === 0x80) return WireError.BAD_LABEL_TYPE;
      if (p + 1 + b > msgEnd) return WireError.TRUNCATED;
      if (n + 1 + b + 1 > MAX_NAME_LEN) return WireError.NAME_TOO_LONG;
      n += 1 + b;
      p += 1 + b;
    }
    this.len = n;
    this.next = next;
    this.hops = hops;
    return 0;
  }

  /** Presentation form of the last name read ("www.example.com." / "."). Allocates: not for the fast path. */
  text(): string {
    return wireNameToText(this.wire, 0);
  }
}

/**
 * Skips a name without copying it, validating it as NameReader does. Returns the offset after it
 * or a negated WireError code. Used by check() to walk a whole message without allocating.
 */
export function skipName(r: NameReader, buf: Uint8Array, msgOff: number, msgEnd: number, pos: number): number {
  const e = r.read(buf, msgOff, msgEnd, pos);
  return e === 0 ? r.next : -e;
}

/**
 * FNV-1a over the lower-cased labels of an uncompressed wire name: the integer key for tables.
 * An int32 (not uint32), so it stays a small integer in V8 and never boxes on the fast path.
 */
export function hashWireName(b: Uint8Array, off: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = off; i < off + len; i++) h = Math.imul(h ^ lower(b[i]!), 0x01000193);
  return h | 0;
}

/** Case-insensitive equality of two uncompressed wire names. */
export function wireNamesEqual(a: Uint8Array, ao: number, alen: number, b: Uint8Array, bo: number, blen: number): boolean {
  if (alen !== blen) return false;
  for (let i = 0; i < alen; i++) if (lower(a[ao + i]!) !== lower(b[bo + i]!)) return false;
  return true;
}

/** True when uncompressed wire name `a` equals `b` or lies below it (label-aligned suffix match). */
export function wireNameIsSubdomain(a: Uint8Array, ao: number, alen: number, b: Uint8Array, bo: number, blen: number): boolean {
  if (blen > alen) return false;
  // walk a's labels until the remaining length equals b's, then compare
  let p = ao;
  let rest = alen;
  while (rest > blen) {
    const l = a[p]!;
    if (l === 0) return false;
    p += l + 1;
    rest -= l + 1;
  }
  return rest === blen && wireNamesEqual(a, p, rest, b, bo, blen);
}

/** Number of labels (not counting the root) in an uncompressed wire name. */
export function wireLabelCount(b: Uint8Array, off: number): number {
  let n = 0;
  for (let p = off; b[p]! !== 0; p += b[p]! + 1) n++;
  return n;
}

// Characters that need a backslash in presentation format (RFC 1035 §5.1).
function special(c: number): boolean {
  return c === 0x2e || c === 0x5c || c === 0x22 || c === 0x28 || c === 0x29 || c === 0x3b || c === 0x40 || c === 0x24;
}

const textScratch: number[] = [];

/** Uncompressed wire name → presentation text with a trailing dot, escaping as RFC 1035 §5.1. */
export function wireNameToText(b: Uint8Array, off: number): string {
  if (b[off] === 0) return '.';
  // char codes into a scratch array, one string made at the end: far cheaper than += per char
  const o = textScratch;
  let n = 0;
  for (let p = off; b[p]! !== 0; ) {
    const l = b[p]!;
    for (let i = p + 1; i <= p + l; i++) {
      const c = b[i]!;
      if (c <= 0x20 || c >= 0x7f) {
        o[n++] = 0x5c;
        o[n++] = 0x30 + ((c / 100) | 0);
        o[n++] = 0x30 + (((c / 10) | 0) % 10);
        o[n++] = 0x30 + (c % 10);
      } else {
        if (special(c)) o[n++] = 0x5c;
        o[n++] = c;
      }
    }
    o[n++] = 0x2e;
    p += l + 1;
  }
  o.length = n;
  return String.fromCharCode.apply(null, o);
}

/**
 * Writes presentation text ("www.example.com", trailing dot optional; always taken as absolute)
 * uncompressed at `buf[pos]`. Handles `\.` and `\DDD` escapes. Returns the bytes written, or a
 * negated WireError (LABEL_TOO_LONG, NAME_TOO_LONG, NO_SPACE, BAD_LABEL_TYPE for an empty label).
 */
export function textToWireName(s: string, buf: Uint8Array, pos: number, end = buf.length): number {
  const n = s.length;
  if (n === 0 || (n === 1 && s.charCodeAt(0) === 0x2e)) {
    if (pos >= end) return -WireError.NO_SPACE;
    buf[pos] = 0;
    return 1;
  }
  let lenAt = pos;
  let w = pos + 1;
  let labelLen = 0;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (labelLen === 0) return -WireError.BAD_LABEL_TYPE;
      buf[lenAt] = labelLen;
      if (i === n - 1) {
        lenAt = -1;
        break;
      }
      lenAt = w++;
      labelLen = 0;
      continue;
    }
    if (c === 0x5c && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0x30 && d <= 0x39 && i + 3 < n) {
        c = (d - 0x30) * 100 + (s.charCodeAt(i + 2) - 0x30) * 10 + (s.charCodeAt(i + 3) - 0x30);
        if (c > 255) return -WireError.BAD_LABEL_TYPE;
        i += 3;
      } else {
        c = d;
        i += 1;
      }
    } else if (c > 0xff) return -WireError.BAD_LABEL_TYPE;
    if (++labelLen > MAX_LABEL_LEN) return -WireError.LABEL_TOO_LONG;
    if (w - pos + 2 > MAX_NAME_LEN) return -WireError.NAME_TOO_LONG; // this byte and the root still to come
    if (w >= end) return -WireError.NO_SPACE;
    buf[w++] = c;
  }
  if (lenAt >= 0) buf[lenAt] = labelLen;
  if (w >= end) return -WireError.NO_SPACE;
  buf[w++] = 0;
  if (w - pos > MAX_NAME_LEN) return -WireError.NAME_TOO_LONG;
  return w - pos;
}

/** Presentation text → uncompressed wire bytes (allocates; control plane). Throws on bad names. */
export function wireName(s: string): Uint8Array {
  const tmp = new Uint8Array(MAX_NAME_LEN + 2);
  const n = textToWireName(s, tmp, 0);
  if (n < 0) throw new Error(`bad domain name "${s}"`);
  return tmp.slice(0, n);
}

/**
 * Compression table for one message being written: message offsets of name suffixes already
 * written and their hashes. Linear scan of a few dozen integers beats a Map for DNS-sized messages.
 */
export class NameCompressor {
  /** Off = no compression (e.g. to compare with encoders that do not compress). */
  enabled = true;
  private msgOff = 0;
  private n = 0;
  private readonly offs = new Int32Array(128);
  private readonly hashes = new Int32Array(128);
  private readonly starts = new Int32Array(128);
  private readonly sufHash = new Int32Array(128);
  // names (as text) already written into this message: where a pointer to the whole name goes,
  // and its uncompressed length
  private ns = 0;
  private readonly nameStrs: string[] = new Array<string>(32).fill('');
  private readonly nameAt = new Int32Array(32);
  private readonly nameLen = new Int32Array(32);

  // The first name of a message has nothing to compress against, and in a query it is the only
  // name: its suffixes are hashed and registered only when a second name arrives (pendPos >= 0).
  private pendPos = -1;

  /** Starts a new message whose header is at `msgOff`. */
  reset(msgOff: number): void {
    this.msgOff = msgOff;
    this.n = 0;
    this.ns = 0;
    this.pendPos = -1;
  }

  /**
   * textToWireName + compress(): writes the name `s` at buf[pos] and returns the end offset or a
   * negated WireError. A name written before in this message (same text) becomes the pointer
   * compress() would find for it — the first suffix entry equal to the whole name — without
   * converting and hashing it again; NO_SPACE is still decided on its uncompressed length.
   */
  putName(s: string, buf: Uint8Array, pos: number, end: number): number {
    if (this.enabled) {
      const strs = this.nameStrs;
      for (let i = 0; i < this.ns; i++) {
        if (strs[i] === s) {
          if (pos + this.nameLen[i]! > end) return -WireError.NO_SPACE;
          const at = this.nameAt[i]!;
          buf[pos] = 0xc0 | (at >> 8);
          buf[pos + 1] = at & 0xff;
          return pos + 2;
        }
      }
    }
    const n = textToWireName(s, buf, pos, end);
    if (n < 0) return n;
    if (!this.enabled) return pos + n;
    const before = this.n;
    const e = this.compress(buf, pos, n);
    // remember where the whole name can be pointed at: its own start if compress() registered it
    // (it registers the start first) or deferred it, or the pointer it became
    let at = -1;
    if (buf[pos] === 0) at = -1; // the root: nothing to point at
    else if (this.pendPos === pos) at = pos - this.msgOff <= MAX_POINTER ? pos - this.msgOff : -1;
    else if (this.n > before && this.offs[before] === pos - this.msgOff) at = pos - this.msgOff;
    else if (e === pos + 2) at = ((buf[pos]! & 0x3f) << 8) | buf[pos + 1]!;
    if (at >= 0 && this.ns < 32) {
      const k = this.ns++;
      this.nameStrs[k] = s;
      this.nameAt[k] = at;
      this.nameLen[k] = n;
    }
    return e;
  }

  /**
   * The uncompressed name of `len` bytes at `buf[pos]` was just written: replace its longest
   * already-written suffix by a pointer and remember its new suffixes. Returns the end offset.
   */
  compress(buf: Uint8Array, pos: number, len: number): number {
    if (!this.enabled) return pos + len;
    if (this.n === 0 && this.pendPos < 0) {
      // first name of the message: no earlier suffix to find; register it later if needed
      if (buf[pos] !== 0) this.pendPos = pos;
      return pos + len;
    }
    if (this.pendPos >= 0) {
      // a second name: register the first one's suffixes now, exactly as if done at its turn
      const first = this.pendPos;
      this.pendPos = -1;
      const fk = this.suffixes(buf, first);
      this.register(fk);
    }
    const k = this.suffixes(buf, pos);
    const starts = this.starts;
    const sh = this.sufHash;
    let hit = -1;
    let at = k;
    for (let i = 0; i < k && hit < 0 && this.n > 0; i++) {
      const hv = sh[i]!;
      for (let e = 0; e < this.n; e++) {
        if (this.hashes[e] === hv && this.matches(buf, starts[i]!, this.msgOff + this.offs[e]!)) {
          hit = this.offs[e]!;
          at = i;
          break;
        }
      }
    }
    this.register(at);
    if (hit < 0) return pos + len;
    const p = starts[at]!;
    buf[p] = 0xc0 | (hit >> 8);
    buf[p + 1] = hit & 0xff;
    return p + 2;
  }

  /** Label starts and suffix hashes of the uncompressed name at buf[pos] into starts/sufHash; returns the label count. */
  private suffixes(buf: Uint8Array, pos: number): number {
    const starts = this.starts;
    const sh = this.sufHash;
    let k = 0;
    for (let p = pos; buf[p]! !== 0 && k < 128; p += buf[p]! + 1) starts[k++] = p;
    // suffix hashes right to left: h(label_i . suffix_{i+1})
    let h = 0x811c9dc5;
    for (let i = k - 1; i >= 0; i--) {
      const s = starts[i]!;
      const e = s + buf[s]! + 1;
      for (let j = s; j < e; j++) h = Math.imul(h ^ lower(buf[j]!), 0x01000193);
      sh[i] = h;
    }
    return k;
  }

  /** Registers the first `k` suffixes found by suffixes() (pointers reach only 14 bits of offset). */
  private register(k: number): void {
    const starts = this.starts;
    const sh = this.sufHash;
    for (let i = 0; i < k && this.n < 128; i++) {
      const o = starts[i]! - this.msgOff;
      if (o > MAX_POINTER) break;
      this.offs[this.n] = o;
      this.hashes[this.n++] = sh[i]!;
    }
  }

  /** Uncompressed suffix at `a` vs a (possibly compressed, written by us) name at `b`. */
  private matches(buf: Uint8Array, a: number, b: number): boolean {
    for (let guard = 0; guard < 256; guard++) {
      let lb = buf[b]!;
      while ((lb & 0xc0) === 0xc0) {
        b = this.msgOff + (((lb & 0x3f) << 8) | buf[b + 1]!);
        lb = buf[b]!;
      }
      const la = buf[a]!;
      if (la !== lb) return false;
      if (la === 0) return true;
      for (let i = 1; i <= la; i++) if (lower(buf[a + i]!) !== lower(buf[b + i]!)) return false;
      a += la + 1;
      b += lb + 1;
    }
    return false;
  }
}

/**
 * How each octet appears in presentation text (RFC 1035 §5.1, as wireNameToText writes it):
 * 0 as itself, 1 after a backslash (. \ " ( ) ; @ $), 2 as \DDD (controls, space, DEL, 8-bit).
 * One table load per character instead of a chain of comparisons.
 */
const TEXT_CLASS = new Uint8Array(256);
for (let ch = 0; ch < 256; ch++) {
  if (ch <= 0x20 || ch >= 0x7f) TEXT_CLASS[ch] = 2;
  else if (special(ch)) TEXT_CLASS[ch] = 1;
}

/** Offsets of decoded names remembered per message; past this many, names are decoded in full. */
const TEXT_CACHE = 64;
// Codes of a name's presentation text: at most 255 wire bytes, each escaped to 4 characters.
const MAX_TEXT = 4 * MAX_NAME_LEN;
/**
 * One packed array per text length, made on first use, for String.fromCharCode.apply: writing into
 * an array of the exact length avoids `length =` (which reallocates the array's backing store).
 */
const charArrays: number[][] = [];
function charArray(n: number): number[] {
  let a = charArrays[n];
  if (a === undefined) {
    a = new Array<number>(n).fill(0);
    charArrays[n] = a;
  }
  return a;
}

/**
 * Decodes names of one message straight to presentation text, building each string once per
 * message offset: compression pointers only point backwards, so the suffix a pointer names was
 * already decoded (as a whole name or as the tail of one) and its text is reused, not rebuilt.
 * Validation and error codes are exactly NameReader.read's: a name that is not the plain
 * "labels, then root or a pointer to a known suffix" case is handed to NameReader in full.
 * reset() before each message; no allocation besides the strings themselves.
 */
export class NameDecoder {
  /** After decode(): the name in presentation form ("www.example.com." / "."). */
  text = '.';
  /** After decode(): offset just after the name (after its first pointer, if any). */
  next = 0;
  /** After decode(): length of the name uncompressed, root label included. */
  len = 0;
  private n = 0;
  // cache entries: message offset of a label, the text the suffix from there has (lazily cut
  // from `strs` at `chr` characters in), its uncompressed wire length and pointer hops
  private readonly offs = new Int32Array(TEXT_CACHE);
  private readonly chr = new Int32Array(TEXT_CACHE);
  private readonly wlen = new Int32Array(TEXT_CACHE);
  private readonly hops = new Int32Array(TEXT_CACHE);
  private readonly strs: string[] = new Array<string>(TEXT_CACHE).fill('');
  private readonly codes = new Uint8Array(MAX_TEXT);
  private readonly labAt = new Int32Array(128);
  private readonly labChr = new Int32Array(128);
  private readonly labWire = new Int32Array(128);
  private readonly reader = new NameReader();

  /** Forgets the names of the previous message. */
  reset(): void {
    this.n = 0;
  }

  /** Decodes the name at `pos` of the message buf[msgOff, msgEnd). Returns 0 or a WireError code. */
  decode(buf: Uint8Array, msgOff: number, msgEnd: number, pos: number): number {
    const codes = this.codes;
    let p = pos;
    let wire = 0; // uncompressed bytes so far, root not counted
    let c = 0; // text characters so far
    let k = 0; // labels so far
    for (;;) {
      if (p >= msgEnd) return WireError.TRUNCATED;
      const l = buf[p]!;
      if (l === 0) {
        this.next = p + 1;
        this.len = wire + 1;
        this.text = c === 0 ? '.' : this.makeText(c);
        this.remember(k, wire + 1, 0, this.text);
        return 0;
      }
      const kind = l & 0xc0;
      if (kind === 0xc0) {
        if (p + 1 >= msgEnd) return WireError.TRUNCATED;
        const target = msgOff + (((l & 0x3f) << 8) | buf[p + 1]!);
        if (target >= msgEnd) return WireError.BAD_POINTER;
        if (target >= pos && target <= p) return WireError.POINTER_LOOP;
        if (target > p) return WireError.FORWARD_POINTER;
        const e = this.find(target);
        // unknown target, or the rules that span the whole chain might bite: do it the long way
        if (e < 0 || wire + this.wlen[e]! > MAX_NAME_LEN || 1 + this.hops[e]! > MAX_HOPS) return this.slow(buf, msgOff, msgEnd, pos);
        let suffix = this.strs[e]!;
        const cut = this.chr[e]!;
        if (cut > 0) {
          suffix = suffix.substring(cut);
          this.strs[e] = suffix;
          this.chr[e] = 0;
        }
        this.next = p + 2;
        const w = this.wlen[e]!;
        this.len = wire + w;
        this.text = c === 0 ? suffix : w === 1 ? this.makeText(c) : this.makeText(c) + suffix;
        this.remember(k, wire + w, 1 + this.hops[e]!, this.text);
        return 0;
      }
      if (kind === 0x40) return WireError.LABEL_TOO_LONG;
      if (kind === 0x80) return WireError.BAD_LABEL_TYPE;
      if (p + 1 + l > msgEnd) return WireError.TRUNCATED;
      if (wire + 1 + l + 1 > MAX_NAME_LEN) return WireError.NAME_TOO_LONG;
      if (k < 128) {
        this.labAt[k] = p;
        this.labChr[k] = c;
        this.labWire[k] = wire;
      }
      k++;
      wire += 1 + l;
      for (let i = p + 1, e = p + 1 + l; i < e; i++) {
        const ch = buf[i]!;
        const cls = TEXT_CLASS[ch]!;
        if (cls === 0) codes[c++] = ch;
        else if (cls === 1) {
          codes[c++] = 0x5c;
          codes[c++] = ch;
        } else {
          codes[c++] = 0x5c;
          codes[c++] = 0x30 + ((ch / 100) | 0);
          codes[c++] = 0x30 + (((ch / 10) | 0) % 10);
          codes[c++] = 0x30 + (ch % 10);
        }
      }
      codes[c++] = 0x2e;
      p += 1 + l;
    }
  }

  private makeText(c: number): string {
    const a = charArray(c);
    const codes = this.codes;
    for (let i = 0; i < c; i++) a[i] = codes[i]!;
    return String.fromCharCode.apply(null, a);
  }

  private find(off: number): number {
    const offs = this.offs;
    for (let i = this.n - 1; i >= 0; i--) if (offs[i] === off) return i;
    return -1;
  }

  /** Records the suffix at each of the `k` labels just read; the whole name has `w` wire bytes. */
  private remember(k: number, w: number, hops: number, text: string): void {
    const m = k < 128 ? k : 128;
    for (let i = 0; i < m && this.n < TEXT_CACHE; i++) {
      const j = this.n++;
      this.offs[j] = this.labAt[i]!;
      this.chr[j] = this.labChr[i]!;
      this.wlen[j] = w - this.labWire[i]!;
      this.hops[j] = hops;
      this.strs[j] = text;
    }
  }

  private slow(buf: Uint8Array, msgOff: number, msgEnd: number, pos: number): number {
    const r = this.reader;
    const e = r.read(buf, msgOff, msgEnd, pos);
    if (e !== 0) return e;
    this.next = r.next;
    this.len = r.len;
    this.text = wireNameToText(r.wire, 0);
    this.labAt[0] = pos;
    this.labChr[0] = 0;
    this.labWire[0] = 0;
    this.remember(1, r.len, r.hops, this.text);
    return 0;
  }
}
