// IPv4 fragment reassembly (RFC 791 §3.2 "Reassembly", RFC 815), following Linux's
// net/ipv4/ip_fragment.c + net/ipv4/inet_fragment.c where the RFC leaves room:
//  - a datagram is keyed by (src, dst, id, protocol) (RFC 791 §3.2);
//  - its timer starts with the first fragment to arrive and is not refreshed by later ones
//    (inet_frag_create), 30 s by default (net.ipv4.ipfrag_time);
//  - a fragment lying wholly inside one fragment already held is a duplicate: dropped, the
//    datagram kept; any other overlap drops the whole datagram (Linux since the FragmentSmack fix
//    for CVE-2018-5391, commit 7969e5c40dfd "ip: discard IPv4 datagrams with overlapping
//    segments", and inet_frag_queue_insert's IPFRAG_DUP/IPFRAG_OVERLAP; RFC 5722 for IPv6);
//  - a last fragment (MF=0) that disagrees with the known end, data beyond a known end, or an
//    empty fragment discard the datagram (ip_frag_queue's discard_qp), and non-last fragment data
//    is trimmed to a multiple of 8 as Linux does;
//  - the reassembled header is the first fragment's, with DF set if any fragment had DF (Linux's
//    max_df, for path MTU discovery), offset/MF cleared and the checksum recomputed;
//  - more than 65535 bytes is a ping of death: dropped (ip_frag_reasm "Oversized IP packet").
// Differences from Linux: when memory passes maxBytes we evict the oldest datagrams (Linux ≥ 4.17
// drops the new fragment instead); ECN mixing (ip_frag_ecn_table) and ipfrag_max_dist are not
// checked. The header checksum of pushed fragments is the caller's to verify (ip_rcv does it
// before ip_defrag).
//
// Memory: a datagram's fragments are stored compactly in arrival order in one growable buffer,
// with a (start, end, position) triple per fragment kept sorted by start; the completed datagram is
// assembled into one buffer owned by the Reassembler. heldBytes counts the real capacity of every
// per-datagram buffer plus a fixed overhead, so it bounds what hostile fragments can pin.
import { put16, copyBytesNoAlloc } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import { internetChecksum } from './checksum.ts';
import { Ipv4View, F, IPV4_MAX_HEADER, IPV4_MAX_DATAGRAM } from './ipv4.ts';

export interface ReassemblerOptions {
  /** Nanoseconds from a datagram's first fragment to its expiry; default 30 s (ipfrag_time). */
  timeoutNs?: number;
  /** Bound on heldBytes; default 4 MiB (ipfrag_high_thresh). */
  maxBytes?: number;
  /** Datagrams in reassembly at once; the oldest is evicted to make room. Default 4096. */
  maxDatagrams?: number;
  /** Seed for the key hash, so that peers cannot aim collisions (Linux keys jhash randomly). */
  seed?: number;
  /**
   * Called for every datagram that times out having received its first fragment (offset 0), with
   * that fragment's bytes (its header verbatim, then its data), so the caller can send ICMP time
   * exceeded, code 1 "fragment reassembly time exceeded" (RFC 792), as Linux's ip_expire does.
   * The bytes are borrowed for the duration of the call.
   */
  onTimeout?: (buf: Uint8Array, off: number, len: number) => void;
}

/** A completed datagram. The reassembler reuses this one object: read it before the next push/expire. */
export interface Reassembled {
  buf: Uint8Array;
  off: number;
  len: number;
}

/** Counters named after Linux's IP SNMP MIB (ReasmReqds, ReasmOKs, ReasmFails, ReasmTimeout, ReasmOverlaps). */
export interface ReassemblyCounters {
  reasmReqds: number;   // fragments pushed
  reasmOk: number;      // datagrams completed
  reasmFails: number;   // datagrams given up, for any reason below
  reasmTimeout: number;
  reasmOverlaps: number;
  duplicates: number;   // fragments ignored (datagram kept)
  oversize: number;     // datagrams that would exceed 65535 bytes
  evicted: number;      // datagrams dropped for memory or maxDatagrams
  malformed: number;    // datagrams dropped for inconsistent fragments, or unparseable fragments
}

const FIRST_IN = 1;
const LAST_IN = 2;
const ANY_DF = 4;
/** Charged per datagram on top of its buffers: slot arrays, header copy, bookkeeping. */
const SLOT_OVERHEAD = 128;
const INITIAL_FRAGS = 4;

export class Reassembler {
  readonly timeoutNs: number;
  readonly maxBytes: number;
  readonly maxDatagrams: number;
  readonly counters: ReassemblyCounters = {
    reasmReqds: 0, reasmOk: 0, reasmFails: 0, reasmTimeout: 0, reasmOverlaps: 0,
    duplicates: 0, oversize: 0, evicted: 0, malformed: 0,
  };
  /** Bytes currently charged to held datagrams; never above maxBytes after a call returns. */
  heldBytes = 0;
  /** Datagrams currently held. */
  count = 0;

  private readonly seed: number;
  private readonly onTimeout: ReassemblerOptions['onTimeout'];
  private readonly view = new Ipv4View();
  private readonly result: Reassembled;
  private readonly outBuf = new Uint8Array(IPV4_MAX_DATAGRAM);

  // Per-slot state, struct-of-arrays, indexed by slot 0..maxDatagrams-1.
  private readonly kSrc: Uint32Array;
  private readonly kDst: Uint32Array;
  private readonly kIdProto: Uint32Array; // id << 8 | protocol
  private readonly created: Float64Array;
  private readonly flags: Uint8Array;
  private readonly qlen: Int32Array; // end of data known so far (exact once LAST_IN)
  private readonly meat: Int32Array; // data bytes held (fragments never overlap, so a plain sum)
  private readonly hdrLen: Uint8Array;
  private readonly hdr: Uint8Array; // first fragment's header, IPV4_MAX_HEADER bytes per slot
  private readonly charge: Int32Array;
  private readonly data: (Uint8Array | null)[];
  private readonly dataUsed: Int32Array;
  private readonly frags: (Int32Array | null)[]; // [start, end, pos] triples sorted by start
  private readonly nfrags: Int32Array;
  // Creation-ordered doubly linked list: head is the oldest (first to expire, first to evict).
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private head = -1;
  private tail = -1;
  private readonly freeSlots: Int32Array;
  private nfree: number;
  // Open-addressing hash (linear probing, backward-shift deletion): slot index or -1.
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(opts: ReassemblerOptions = {}) {
    this.timeoutNs = opts.timeoutNs ?? 30e9;
    this.maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
    const n = (this.maxDatagrams = Math.max(1, opts.maxDatagrams ?? 4096));
    this.seed = (opts.seed ?? 0x9e3779b9) >>> 0;
    this.onTimeout = opts.onTimeout;
    this.result = { buf: this.outBuf, off: 0, len: 0 };
    this.kSrc = new Uint32Array(n);
    this.kDst = new Uint32Array(n);
    this.kIdProto = new Uint32Array(n);
    this.created = new Float64Array(n);
    this.flags = new Uint8Array(n);
    this.qlen = new Int32Array(n);
    this.meat = new Int32Array(n);
    this.hdrLen = new Uint8Array(n);
    this.hdr = new Uint8Array(n * IPV4_MAX_HEADER);
    this.charge = new Int32Array(n);
    this.data = new Array<Uint8Array | null>(n).fill(null);
    this.dataUsed = new Int32Array(n);
    this.frags = new Array<Int32Array | null>(n).fill(null);
    this.nfrags = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.next = new Int32Array(n);
    this.freeSlots = new Int32Array(n);
    for (let i = 0; i < n; i++) this.freeSlots[i] = n - 1 - i;
    this.nfree = n;
    let cap = 2;
    while (cap < n * 2) cap <<= 1;
    this.table = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  /**
   * Takes one IPv4 datagram (buf[off, off+len), borrowed: bytes are copied when held). Returns
   *  - null: the fragment is held, the datagram incomplete;
   *  - a Reassembled view: the complete datagram — either the input itself when it is not a
   *    fragment, or the assembled datagram in a buffer owned by this Reassembler, valid until the
   *    next push() or expire() call (copy it to keep it);
   *  - a WireError number: the fragment was dropped. FRAG_DUPLICATE drops only the fragment; FRAG_OVERLAP,
   *    FRAG_OVERSIZE, BAD_FRAGMENT and FRAG_EVICTED also drop the datagram it belonged to; a
   *    check() error (TRUNCATED, BAD_IHL, …) means the fragment itself is malformed.
   * `now` is in nanoseconds; datagrams whose time is up are expired first.
   */
  push(buf: Uint8Array, off: number, len: number, now: number): Reassembled | WireError | null {
    this.expire(now);
    const v = this.view.wrap(buf, off, len);
    const err = v.check();
    if (err) {
      this.counters.malformed++;
      return err as WireError;
    }
    if (!v.isFragment) {
      const r = this.result;
      r.buf = buf; r.off = off; r.len = v.totalLength;
      return r;
    }
    this.counters.reasmReqds++;
    const hl = v.headerLength;
    const offset = v.fragOffset << 3;
    let end = offset + v.totalLength - hl;
    const mf = v.mf;
    const src = v.src, dst = v.dst, idp = ((v.id << 8) | v.protocol) >>> 0;

    let s = this.lookup(src, dst, idp);
    if (end + hl > IPV4_MAX_DATAGRAM) {
      // Ping of death: this datagram can never be valid.
      if (s >= 0) this.fail(s);
      else this.counters.reasmFails++;
      this.counters.oversize++;
      return WireError.FRAG_OVERSIZE;
    }
    if (s < 0) {
      s = this.create(src, dst, idp, now);
      if (s < 0) return WireError.FRAG_EVICTED;
    }

    // Where does this fragment end, and is that consistent with what we know? (ip_frag_queue)
    const fl = this.flags[s]!;
    if (!mf) {
      if (end < this.qlen[s]! || ((fl & LAST_IN) !== 0 && end !== this.qlen[s]!)) return this.malformed(s);
      this.flags[s] = fl | LAST_IN;
      this.qlen[s] = end;
    } else {
      end &= ~7;
      if (end > this.qlen[s]!) {
        if (fl & LAST_IN) return this.malformed(s);
        this.qlen[s] = end;
      }
    }
    if (end <= offset) return this.malformed(s);

    // Find the first held fragment ending after our start; it is the only one we could touch first.
    const fr = this.frags[s]!;
    const nf = this.nfrags[s]!;
    let lo = 0, hi = nf;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (fr[m * 3 + 1]! <= offset) lo = m + 1;
      else hi = m;
    }
    if (lo < nf && fr[lo * 3]! < end) {
      if (offset >= fr[lo * 3]! && end <= fr[lo * 3 + 1]!) {
        this.counters.duplicates++;
        return WireError.FRAG_DUPLICATE;
      }
      this.counters.reasmOverlaps++;
      this.fail(s);
      return WireError.FRAG_OVERLAP;
    }

    const n = end - offset;
    if (!this.reserve(s, n)) {
      this.counters.evicted++;
      this.fail(s);
      return WireError.FRAG_EVICTED;
    }
    const d = this.data[s]!;
    const pos = this.dataUsed[s]!;
    copyBytesNoAlloc(buf, v.payloadOffset, d, pos, n);
    this.dataUsed[s] = pos + n;
    const f = this.frags[s]!; // reserve() may have grown it
    f.copyWithin((lo + 1) * 3, lo * 3, nf * 3);
    f[lo * 3] = offset;
    f[lo * 3 + 1] = end;
    f[lo * 3 + 2] = pos;
    this.nfrags[s] = nf + 1;
    this.meat[s] = this.meat[s]! + n;
    if (v.df) this.flags[s] = this.flags[s]! | ANY_DF;
    if (offset === 0) {
      this.flags[s] = this.flags[s]! | FIRST_IN;
      this.hdrLen[s] = hl;
      copyBytesNoAlloc(buf, off, this.hdr, s * IPV4_MAX_HEADER, hl);
    }

    const flags = this.flags[s]!;
    if ((flags & (FIRST_IN | LAST_IN)) !== (FIRST_IN | LAST_IN) || this.meat[s] !== this.qlen[s]) return null;
    const fhl = this.hdrLen[s]!;
    const total = fhl + this.qlen[s]!;
    if (total > IPV4_MAX_DATAGRAM) {
      this.counters.oversize++;
      this.fail(s);
      return WireError.FRAG_OVERSIZE;
    }
    const o = this.outBuf;
    copyBytesNoAlloc(this.hdr, s * IPV4_MAX_HEADER, o, 0, fhl);
    for (let i = 0; i < this.nfrags[s]!; i++) {
      const a = f[i * 3]!, b = f[i * 3 + 1]!, p = f[i * 3 + 2]!;
      copyBytesNoAlloc(d, p, o, fhl + a, b - a);
    }
    put16(o, F.TOTAL_LEN, total);
    put16(o, F.FLAGS_FRAG, flags & ANY_DF ? 0x4000 : 0);
    put16(o, F.CSUM, 0);
    put16(o, F.CSUM, internetChecksum(o, 0, fhl));
    this.free(s);
    this.counters.reasmOk++;
    const r = this.result;
    r.buf = o; r.off = 0; r.len = total;
    return r;
  }

  /**
   * Drops every datagram whose reassembly time is up at `now` (ns): counts reasmTimeout and
   * reasmFails, and hands each one's first fragment, if it arrived, to `onTimeout` (the argument,
   * else the constructor option). Returns how many datagrams timed out.
   */
  expire(now: number, onTimeout = this.onTimeout): number {
    let n = 0;
    while (this.head >= 0 && this.created[this.head]! + this.timeoutNs <= now) {
      const s = this.head;
      if (onTimeout && this.flags[s]! & FIRST_IN) {
        // The first fragment: its header verbatim, then the data of the fragment at offset 0.
        const hl = this.hdrLen[s]!;
        const f = this.frags[s]!;
        const dlen = f[1]! - f[0]!;
        const o = this.outBuf;
        copyBytesNoAlloc(this.hdr, s * IPV4_MAX_HEADER, o, 0, hl);
        copyBytesNoAlloc(this.data[s]!, f[2]!, o, hl, dlen);
        onTimeout(o, 0, hl + dlen);
      }
      this.counters.reasmTimeout++;
      this.counters.reasmFails++;
      this.free(s);
      n++;
    }
    return n;
  }

  /** When the oldest held datagram times out (ns), or Infinity: when a scheduler should call expire(). */
  nextDeadline(): number {
    return this.head >= 0 ? this.created[this.head]! + this.timeoutNs : Infinity;
  }

  /** Recomputes heldBytes from the buffers actually held (for tests and assertions). */
  recountBytes(): number {
    let total = 0;
    for (let s = this.head; s >= 0; s = this.next[s]!) total += slotBytes(this.data[s]!, this.frags[s]!);
    return total;
  }

  // --- internals ---

  private hash(src: number, dst: number, idp: number): number {
    let h = Math.imul(src ^ this.seed, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ dst, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ idp, 0x27d4eb2f);
    return (h ^ (h >>> 15)) & this.mask;
  }

  private lookup(src: number, dst: number, idp: number): number {
    const t = this.table;
    for (let i = this.hash(src, dst, idp); ; i = (i + 1) & this.mask) {
      const s = t[i]!;
      if (s < 0) return -1;
      if (this.kSrc[s] === src && this.kDst[s] === dst && this.kIdProto[s] === idp) return s;
    }
  }

  private create(src: number, dst: number, idp: number, now: number): number {
    const dataCap = 64;
    const need = SLOT_OVERHEAD + dataCap + INITIAL_FRAGS * 12;
    if (need > this.maxBytes) return -1;
    while (this.nfree === 0 || this.heldBytes + need > this.maxBytes) this.evictOldest();
    const s = this.freeSlots[--this.nfree]!;
    this.kSrc[s] = src;
    this.kDst[s] = dst;
    this.kIdProto[s] = idp;
    this.created[s] = now;
    this.flags[s] = 0;
    this.qlen[s] = 0;
    this.meat[s] = 0;
    this.hdrLen[s] = 0;
    this.data[s] = new Uint8Array(dataCap);
    this.dataUsed[s] = 0;
    this.frags[s] = new Int32Array(INITIAL_FRAGS * 3);
    this.nfrags[s] = 0;
    this.charge[s] = need;
    this.heldBytes += need;
    this.count++;
    // append to the creation list
    this.prev[s] = this.tail;
    this.next[s] = -1;
    if (this.tail >= 0) this.next[this.tail] = s;
    else this.head = s;
    this.tail = s;
    let i = this.hash(src, dst, idp);
    while (this.table[i]! >= 0) i = (i + 1) & this.mask;
    this.table[i] = s;
    return s;
  }

  /**
   * Makes room in slot s for n more data bytes and one more fragment triple, evicting older
   * datagrams while over maxBytes. False when s alone would exceed maxBytes.
   */
  private reserve(s: number, n: number): boolean {
    let d = this.data[s]!;
    let f = this.frags[s]!;
    const used = this.dataUsed[s]!;
    let dcap = d.length;
    if (used + n > dcap) {
      dcap = Math.max(used + n, Math.min(dcap * 2, IPV4_MAX_DATAGRAM));
      dcap = (dcap + 63) & ~63;
    }
    let fcap = f.length;
    if ((this.nfrags[s]! + 1) * 3 > fcap) fcap *= 2;
    if (dcap === d.length && fcap === f.length) return true;
    const newCharge = SLOT_OVERHEAD + dcap + fcap * 4;
    const delta = newCharge - this.charge[s]!;
    if (newCharge > this.maxBytes) return false;
    while (this.heldBytes + delta > this.maxBytes) {
      if (this.head === s && this.next[s] === -1) return false;
      // Evict the oldest other datagram (s is never evicted here: skip it if it is the oldest).
      this.evict(this.head === s ? this.next[s]! : this.head);
    }
    if (dcap !== d.length) {
      const nd = new Uint8Array(dcap);
      nd.set(d.subarray(0, used));
      this.data[s] = d = nd;
    }
    if (fcap !== f.length) {
      const nfr = new Int32Array(fcap);
      nfr.set(f);
      this.frags[s] = f = nfr;
    }
    this.heldBytes += delta;
    this.charge[s] = newCharge;
    return true;
  }

  private evictOldest(): void {
    this.evict(this.head);
  }

  private evict(s: number): void {
    this.counters.evicted++;
    this.counters.reasmFails++;
    this.free(s);
  }

  private fail(s: number): void {
    this.counters.reasmFails++;
    this.free(s);
  }

  private malformed(s: number): WireError {
    this.counters.malformed++;
    this.fail(s);
    return WireError.BAD_FRAGMENT;
  }

  private free(s: number): void {
    // unlink from the creation list
    const p = this.prev[s]!, nx = this.next[s]!;
    if (p >= 0) this.next[p] = nx;
    else this.head = nx;
    if (nx >= 0) this.prev[nx] = p;
    else this.tail = p;
    // remove from the hash table with backward-shift deletion (no tombstones)
    const t = this.table;
    let i = this.hash(this.kSrc[s]!, this.kDst[s]!, this.kIdProto[s]!);
    while (t[i] !== s) i = (i + 1) & this.mask;
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const e = t[j]!;
      if (e < 0) break;
      const home = this.hash(this.kSrc[e]!, this.kDst[e]!, this.kIdProto[e]!);
      // Move e into the hole at i unless its home lies cyclically in (i, j].
      if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
        t[i] = e;
        i = j;
      }
    }
    t[i] = -1;
    this.heldBytes -= this.charge[s]!;
    this.charge[s] = 0;
    this.data[s] = null;
    this.frags[s] = null;
    this.freeSlots[this.nfree++] = s;
    this.count--;
  }
}

function slotBytes(d: Uint8Array, f: Int32Array): number {
  return SLOT_OVERHEAD + d.byteLength + f.byteLength;
}
