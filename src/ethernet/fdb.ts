// A Linux-style bridge forwarding database keyed by (MAC, VLAN), in typed arrays with open addressing
// (linear probing, backward-shift delete): no strings, no per-lookup allocation.
//
// Kernel behaviour followed (net/bridge/br_fdb.c, checked against a real bridge on kernel 6.x):
// - learning refreshes `updated`, and moves an entry to the port the MAC was last seen on — static
//   entries too (only "sticky" entries, not modelled, stay put); local entries are never moved;
// - ageing_time 0 means "always flood": nothing is learned and dynamic entries expire at once;
// - a dynamic entry is gone once `now >= updated + ageingTime` (the kernel's gc runs at exactly the
//   earliest expiry; checking in lookup makes the result independent of when age() is called);
// - kinds: local (`permanent`: the bridge's and its ports' own MACs, or `bridge fdb add … master`,
//   frames to it are delivered to the bridge itself), static (`bridge fdb add … master static`:
//   forwarded, never aged), dynamic (learned);
// - learning is bounded by `maxLearned` (the kernel's fdb_max_learned): past it, new MACs are
//   not learned (counted in `learnDropped`) and frames to them are flooded.
import { macToString } from './mac.ts';

export const FDB_LOCAL = 1;
export const FDB_STATIC = 2;

/** lookup() result for an entry that is the bridge's own (deliver up the stack, do not forward). */
export const FDB_DELIVER_LOCAL = -2;

export type FdbKind = 'local' | 'static' | 'dynamic';

export interface FdbEntry {
  mac: number;
  vlan: number;
  port: number;
  kind: FdbKind;
  /** Last time (ns) the MAC was seen as a source (dynamic) or the entry was added. */
  updated: number;
  /** Last time (ns) a lookup hit it. */
  used: number;
}

/** An FDB operation the kernel would refuse; `message` is what `bridge fdb` prints. */
export class FdbError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FdbError';
  }
}
export const FDB_EEXIST = 'RTNETLINK answers: File exists';
export const FDB_ENOENT = 'RTNETLINK answers: No such file or directory';

const TWO32 = 0x100000000;
const NS_PER_S = 1e9;

export interface FdbOptions {
  /** Seconds; Linux default 300 (BR_DEFAULT_AGEING_TIME). 0 = never learn, flood everything. */
  ageingTime?: number;
  /** Most dynamic entries; default 16384 (the kernel's default, fdb_max_learned = 0, is unbounded). */
  maxLearned?: number;
}

export class Fdb {
  private cap: number;
  private mask: number;
  // One 32-byte slot per entry in one buffer, seen through two views, so a probe touches one cache
  // line for key and times together (the cold flow set is bound by cache misses): ks[8i..8i+3] = MAC
  // low 32 bits, MAC high 16 bits | vlan << 16, port (-1 = empty slot), flags; ts[4i+2] = updated,
  // ts[4i+3] = used (the same bytes as ks[8i+4..8i+7]). Keys are int32 (Smi) halves, so the fast
  // path never boxes a 48-bit MAC into a heap number.
  private ks: Int32Array;
  private ts: Float64Array;
  private count = 0;
  private learnedCount = 0;
  /** Ageing time in ns. */
  private ageingNs: number;
  readonly maxLearned: number;
  /** New MACs not learned because the table held maxLearned dynamic entries. */
  learnDropped = 0;

  constructor(opts: FdbOptions = {}) {
    this.ageingNs = (opts.ageingTime ?? 300) * NS_PER_S;
    this.maxLearned = opts.maxLearned ?? 16384;
    this.cap = 64;
    this.mask = 63;
    this.ks = newSlots(64);
    this.ts = new Float64Array(this.ks.buffer);
  }

  get size(): number {
    return this.count;
  }

  /** Seconds, as `ip link set BR type bridge ageing_time` takes it (the kernel keeps centiseconds). */
  get ageingTime(): number {
    return this.ageingNs / NS_PER_S;
  }
  set ageingTime(s: number) {
    this.ageingNs = s * NS_PER_S;
  }

  /** Slot of (mac, vlan) or -1. */
  private find(mac: number, vlan: number): number {
    return this.findKey(mac | 0, Math.floor(mac / TWO32) | (vlan << 16));
  }

  /** Slot of the key (l = MAC low 32 bits, h = MAC high 16 bits | vlan << 16, both int32) or -1. */
  private findKey(l: number, h: number): number {
    const m = this.mask;
    let i = hashKey(l, h) & m;
    const ks = this.ks;
    for (;;) {
      const k = i << 3;
      if (ks[k + 2]! < 0) return -1;
      if (ks[k] === l && ks[k + 1] === h) return i;
      i = (i + 1) & m;
    }
  }

  private insert(mac: number, vlan: number, port: number, flags: number, now: number): void {
    this.insertKey(mac | 0, Math.floor(mac / TWO32) | (vlan << 16), port, flags, now);
  }

  private insertKey(l: number, h: number, port: number, flags: number, now: number): void {
    // load ≤ 1/2: measured on the cold flow set, a denser table (3/4) was slower, its longer probe
    // chains (sources not learned past maxLearned probe to an empty slot every frame) costing more
    // than its smaller footprint saved
    if ((this.count + 1) * 2 > this.cap) this.grow();
    const m = this.mask;
    let i = hashKey(l, h) & m;
    while (this.ks[i * 8 + 2]! >= 0) i = (i + 1) & m;
    this.ks[i * 8] = l;
    this.ks[i * 8 + 1] = h;
    this.ks[i * 8 + 2] = port;
    this.ks[i * 8 + 3] = flags;
    this.ts[i * 4 + 2] = now;
    this.ts[i * 4 + 3] = now;
    this.count++;
    if (flags === 0) this.learnedCount++;
  }

  private removeSlot(i: number): void {
    if (this.ks[i * 8 + 3] === 0) this.learnedCount--;
    this.count--;
    const m = this.mask;
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      if (this.ks[j * 8 + 2]! < 0) break;
      const home = hashKey(this.ks[j * 8]!, this.ks[j * 8 + 1]!) & m;
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        this.ks[i * 8] = this.ks[j * 8]!;
        this.ks[i * 8 + 1] = this.ks[j * 8 + 1]!;
        this.ks[i * 8 + 2] = this.ks[j * 8 + 2]!;
        this.ks[i * 8 + 3] = this.ks[j * 8 + 3]!;
        this.ts[i * 4 + 2] = this.ts[j * 4 + 2]!;
        this.ts[i * 4 + 3] = this.ts[j * 4 + 3]!;
        i = j;
      }
    }
    this.ks[i * 8 + 2] = -1;
  }

  private grow(): void {
    const { ks, cap } = this;
    this.cap = cap * 2;
    this.mask = this.cap - 1;
    this.ks = newSlots(this.cap);
    this.ts = new Float64Array(this.ks.buffer);
    const m = this.mask;
    for (let s = 0; s < cap; s++) {
      if (ks[s * 8 + 2]! < 0) continue;
      let i = hashKey(ks[s * 8]!, ks[s * 8 + 1]!) & m;
      while (this.ks[i * 8 + 2]! >= 0) i = (i + 1) & m;
      for (let f = 0; f < 8; f++) this.ks[i * 8 + f] = ks[s * 8 + f]!; // key, port, flags and both times
    }
  }

  private expired(i: number, now: number): boolean {
    return this.ks[i * 8 + 3] === 0 && now >= this.ts[i * 4 + 2]! + this.ageingNs;
  }

  /**
   * Learns `mac` as seen on `port` (br_fdb_update). Returns 1 if a new entry was made, 2 if the MAC
   * moved ports, 0 if an entry was refreshed or left alone (local), -1 if not learned (ageing time
   * 0, or the table is at maxLearned).
   */
  learn(mac: number, vlan: number, port: number, now: number): number {
    return this.learnKey(mac | 0, Math.floor(mac / TWO32) | (vlan << 16), port, now);
  }

  /**
   * learn() for the source MAC in a frame, read from buf[off, off+6) (the fast path: no 48-bit
   * number is made or passed, so nothing is boxed).
   */
  learnAt(buf: Uint8Array, off: number, vlan: number, port: number, now: number): number {
    return this.learnKey(macLo(buf, off), macHi(buf, off) | (vlan << 16), port, now);
  }

  private learnKey(l: number, h: number, port: number, now: number): number {
    if (this.ageingNs === 0) return -1; // "some users want to always flood"
    const i = this.findKey(l, h);
    if (i < 0) {
      if (this.learnedCount >= this.maxLearned) {
        this.learnDropped++;
        return -1;
      }
      this.insertKey(l, h, port, 0, now);
      return 1;
    }
    const f = this.ks[i * 8 + 3]!;
    if (f & FDB_LOCAL) return 0; // our own address as a source: the kernel warns and ignores it
    if (f === 0 && this.expired(i, now)) {
      this.ts[i * 4 + 2] = now;
      this.ks[i * 8 + 2] = port;
      return 1; // expired but not yet collected: as good as new
    }
    // only a changed time is written (br_fdb_update does the same): an unchanged line stays clean
    if (this.ts[i * 4 + 2] !== now) this.ts[i * 4 + 2] = now;
    if (this.ks[i * 8 + 2] !== port) {
      this.ks[i * 8 + 2] = port;
      return 2;
    }
    return 0;
  }

  /** Port to forward to, FDB_DELIVER_LOCAL for the bridge's own MACs, or -1 (unknown: flood). */
  lookup(mac: number, vlan: number, now: number): number {
    return this.lookupSlot(this.find(mac, vlan), now);
  }

  /** lookup() for the MAC at buf[off, off+6) (a frame's destination): allocation-free. */
  lookupAt(buf: Uint8Array, off: number, vlan: number, now: number): number {
    return this.lookupSlot(this.findKey(macLo(buf, off), macHi(buf, off) | (vlan << 16)), now);
  }

  /**
   * The bridge's per-frame FDB work for a frame at buf[off] with a unicast destination, in one call
   * (br_handle_frame_finish order): learnAt() for the source MAC at buf[off+6, off+12) on `port`
   * unless it is multicast or all-zero, then lookupAt() for the destination; returns what lookupAt()
   * returns. Same results as the two calls; the hash and probe loops are written out here so the
   * per-frame path is one call instead of six (V8 does not inline them all).
   */
  learnLookupAt(buf: Uint8Array, off: number, vlan: number, port: number, now: number): number {
    const m = this.mask;
    const ks = this.ks;
    const s0 = buf[off + 6]!;
    const sh = (s0 << 8) | buf[off + 7]!;
    const sl = (buf[off + 8]! << 24) | (buf[off + 9]! << 16) | (buf[off + 10]! << 8) | buf[off + 11]!;
    if ((s0 & 1) === 0 && (sh | sl) !== 0) {
      const h = sh | (vlan << 16);
      let x = Math.imul(sl ^ (sl >>> 15), 0x2c1b3c6d);
      x = Math.imul(x ^ h ^ (x >>> 12), 0x297a2d39);
      let i = (x ^ (x >>> 15)) & m;
      for (;;) {
        const k = i << 3;
        if (ks[k + 2]! < 0 || (ks[k] === sl && ks[k + 1] === h)) break;
        i = (i + 1) & m;
      }
      const k = i << 3;
      // a known source on its own port, already refreshed at `now`: nothing to write (the common case)
      if (!(ks[k + 2] === port && ks[k + 3] === 0 && this.ts[i * 4 + 2] === now && this.ageingNs !== 0)) this.learnKey(sl, h, port, now);
    }
    const dh = ((buf[off]! << 8) | buf[off + 1]!) | (vlan << 16);
    const dl = (buf[off + 2]! << 24) | (buf[off + 3]! << 16) | (buf[off + 4]! << 8) | buf[off + 5]!;
    const ks2 = this.ks; // learnKey may have grown the table
    const m2 = this.mask;
    let y = Math.imul(dl ^ (dl >>> 15), 0x2c1b3c6d);
    y = Math.imul(y ^ dh ^ (y >>> 12), 0x297a2d39);
    let j = (y ^ (y >>> 15)) & m2;
    for (;;) {
      const k = j << 3;
      if (ks2[k + 2]! < 0) return -1;
      if (ks2[k] === dl && ks2[k + 1] === dh) return this.lookupSlot(j, now);
      j = (j + 1) & m2;
    }
  }

  private lookupSlot(i: number, now: number): number {
    if (i < 0) return -1;
    const f = this.ks[i * 8 + 3]!;
    if (f === 0 && now >= this.ts[i * 4 + 2]! + this.ageingNs) return -1;
    if (this.ts[i * 4 + 3] !== now) this.ts[i * 4 + 3] = now; // as br_handle_frame_finish updates `used`
    return f & FDB_LOCAL ? FDB_DELIVER_LOCAL : this.ks[i * 8 + 2]!;
  }

  /** The port an entry is on, whatever its kind (local entries included), or -1. */
  portOf(mac: number, vlan: number, now: number): number {
    const i = this.find(mac, vlan);
    return i < 0 || this.expired(i, now) ? -1 : this.ks[i * 8 + 2]!;
  }

  /** `bridge fdb add MAC dev PORT master static [vlan V]`. Throws FdbError if it exists. */
  addStatic(mac: number, vlan: number, port: number, now = 0): void {
    this.addFixed(mac, vlan, port, FDB_STATIC, now);
  }

  /**
   * A `permanent` entry: the bridge's or a port's own MAC (or `bridge fdb add … master` without
   * `static`, which the kernel also makes local). Pass the bridge's own port number for its MAC.
   */
  addLocal(mac: number, vlan: number, port: number, now = 0): void {
    this.addFixed(mac, vlan, port, FDB_LOCAL | FDB_STATIC, now);
  }

  private addFixed(mac: number, vlan: number, port: number, flags: number, now: number): void {
    const i = this.find(mac, vlan);
    if (i >= 0) {
      if (!this.expired(i, now) && this.ks[i * 8 + 3] !== 0) throw new FdbError(FDB_EEXIST);
      // A learned entry is converted in place (NLM_F_CREATE|NLM_F_EXCL only refuses same-kind).
      if (this.ks[i * 8 + 3] === 0) this.learnedCount--;
      this.ks[i * 8 + 3] = flags;
      this.ks[i * 8 + 2] = port;
      this.ts[i * 4 + 2] = now;
      return;
    }
    this.insert(mac, vlan, port, flags, now);
  }

  /** `bridge fdb del MAC dev PORT master [vlan V]`; throws FdbError if there is no such entry. */
  del(mac: number, vlan: number, port?: number, now = Infinity): void {
    const i = this.find(mac, vlan);
    if (i < 0 || (port !== undefined && this.ks[i * 8 + 2] !== port) || (now !== Infinity && this.expired(i, now)))
      throw new FdbError(FDB_ENOENT);
    this.removeSlot(i);
  }

  /**
   * Removes a port's entries: dynamic ones only when the port goes down/blocking (`all` false,
   * br_fdb_delete_by_port(…, do_all=0)), everything including static and local when it leaves the
   * bridge (`all` true). Returns how many were removed.
   */
  flushPort(port: number, all = false): number {
    let n = 0;
    for (let i = 0; i < this.cap; ) {
      if (this.ks[i * 8 + 2] === port && (all || this.ks[i * 8 + 3] === 0)) {
        this.removeSlot(i); // backward shift may pull another entry into slot i: re-check it
        n++;
      } else i++;
    }
    return n;
  }

  /** Removes all dynamic entries (`bridge fdb flush dev BR dynamic`). */
  flushDynamic(): number {
    let n = 0;
    for (let i = 0; i < this.cap; ) {
      if (this.ks[i * 8 + 2]! >= 0 && this.ks[i * 8 + 3] === 0) {
        this.removeSlot(i);
        n++;
      } else i++;
    }
    return n;
  }

  /** Garbage-collects expired dynamic entries; returns how many were removed. */
  age(now: number): number {
    let n = 0;
    for (let i = 0; i < this.cap; ) {
      if (this.ks[i * 8 + 2]! >= 0 && this.expired(i, now)) {
        this.removeSlot(i);
        n++;
      } else i++;
    }
    return n;
  }

  /** When the next dynamic entry expires (ns), or Infinity: when the scheduler should call age(). */
  nextDeadline(): number {
    let t = Infinity;
    for (let i = 0; i < this.cap; i++)
      if (this.ks[i * 8 + 2]! >= 0 && this.ks[i * 8 + 3] === 0) t = Math.min(t, this.ts[i * 4 + 2]! + this.ageingNs);
    return t;
  }

  /** Live entries (expired ones left out when `now` is given), in table order. */
  entries(now?: number): FdbEntry[] {
    const out: FdbEntry[] = [];
    for (let i = 0; i < this.cap; i++) {
      if (this.ks[i * 8 + 2]! < 0) continue;
      if (now !== undefined && this.expired(i, now)) continue;
      const f = this.ks[i * 8 + 3]!;
      out.push({
        mac: (this.ks[i * 8]! >>> 0) + (this.ks[i * 8 + 1]! & 0xffff) * TWO32,
        vlan: this.ks[i * 8 + 1]! >>> 16,
        port: this.ks[i * 8 + 2]!,
        kind: f & FDB_LOCAL ? 'local' : f & FDB_STATIC ? 'static' : 'dynamic',
        updated: this.ts[i * 4 + 2]!,
        used: this.ts[i * 4 + 3]!,
      });
    }
    return out;
  }
}

/** Low 32 bits of the MAC at b[o, o+6), as an int32. */
function macLo(b: Uint8Array, o: number): number {
  return (b[o + 2]! << 24) | (b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!;
}
/** High 16 bits of the MAC at b[o, o+6). */
function macHi(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** `cap` empty 32-byte slots (port -1), as the int32 view; the Float64 view shares its buffer. */
function newSlots(cap: number): Int32Array {
  const ks = new Int32Array(cap * 8);
  for (let i = 0; i < cap; i++) ks[i * 8 + 2] = -1;
  return ks;
}

// Bit-identical for int32 and uint32 inputs (imul, xor and >>> only see the 32 bits).

function hashKey(lo: number, hi: number): number {
  let h = Math.imul(lo ^ (lo >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ hi ^ (h >>> 12), 0x297a2d39);
  return h ^ (h >>> 15); // int32: callers mask it, and an int32 result is never boxed
}

/**
 * One `bridge fdb show` line for a bridge entry: `aa:bb:cc:dd:ee:ff dev veth-red-br [vlan 1] master
 * v-net-0 [permanent|static]` (iproute2 prints a trailing space after dynamic entries; trimmed).
 * `dev` names the entry's port (the bridge's own name for its own MAC).
 */
export function formatFdbEntry(e: FdbEntry, dev: string, bridge: string): string {
  let s = `${macToString(e.mac)} dev ${dev}`;
  if (e.vlan) s += ` vlan ${e.vlan}`;
  s += ` master ${bridge}`;
  if (e.kind === 'local') s += ' permanent';
  else if (e.kind === 'static') s += ' static';
  return s;
}

/** `bridge fdb show br BRIDGE` (master entries only; devices' own `self` address lists are not FDB). */
export function formatFdb(entries: readonly FdbEntry[], portName: (port: number) => string, bridge: string): string {
  let s = '';
  for (const e of entries) s += formatFdbEntry(e, portName(e.port), bridge) + '\n';
  return s;
}
