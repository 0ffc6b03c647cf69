// An IPv4 routing table (one FIB table, as Linux's "main" or "local") with longest-prefix match.
//
// Semantics follow the Linux FIB (net/ipv4/fib_trie.c, fib_semantics.c) as observed with iproute2 6.1
// on kernel 6.x:
// - identity of a route is (dst, len, tos, metric): `add` of an existing identity fails with EEXIST
//   whatever its type/gateway/dev (NLM_F_EXCL); `replace` overwrites the route with that identity or
//   inserts; `del` removes the FIRST route in list order that matches every field given (no metric
//   given → the lowest metric);
// - lookup: longest prefix, then lowest metric; routes with tos ≠ 0 only match packets with that tos
//   and so never match `lookup(dst)` (which is a tos-0 lookup);
// - list order is the fib trie's dump order: dst ascending, then longer prefix first, then tos
//   descending, then metric ascending — what `ip route show` and `route -n` print.
//
// Lookup structure (measured in bench/tables.bench.ts): one open-addressing hash table of uint32
// prefixes per prefix length, probed from the longest populated length down; a population mask of
// lengths lets the probe skip empty lengths with Math.clz32 — the mask is kept per top-12-bit bucket
// of the address space, so a destination only probes lengths present near it (and a length ≤ 12 in
// that mask is a certain hit). Each slot holds the best
// (lowest-metric, tos-0) route for that prefix, so a lookup is at most one hash probe per populated
// length, with no allocation. Updates are incremental (no rebuild), which a multibit trie or
// DIR-24-8 would not give as cheaply; DIR-24-8 would also cost 64 MB per namespace.
import { prefixMask } from './address.ts';

export type RouteScope = 'host' | 'link' | 'global';
export type RouteProto = 'kernel' | 'boot' | 'static';
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'unreachable' | 'blackhole' | 'prohibit';

export interface Route {
  dst: number;
  len: number;
  /** Next hop, 0 = none (directly connected). */
  gateway: number;
  /** Output interface index, 0 = none (blackhole/unreachable/prohibit). */
  ifindex: number;
  dev: string;
  metric: number;
  scope: RouteScope;
  proto: RouteProto;
  /** Preferred source address, 0 = none. */
  prefsrc: number;
  type: RouteType;
  /** TOS selector (0 = any), as `ip route add … tos N`. */
  tos?: number;
}

/** A routing operation the kernel would refuse; `message` is what iproute2 prints. */
export class RouteError extends Error {
  constructor(
    message: string,
    /** errno name the kernel returned (EEXIST, ESRCH, EINVAL, ENETUNREACH, …). */
    readonly errno: string,
  ) {
    super(message);
    this.name = 'RouteError';
  }
}

export const ROUTE_EEXIST = 'RTNETLINK answers: File exists';
export const ROUTE_ESRCH = 'RTNETLINK answers: No such process';
export const ROUTE_BAD_PREFIX = 'Error: Invalid prefix for given prefix length.';
export const ROUTE_BAD_GATEWAY = 'Error: Nexthop has invalid gateway.';

/** Fields `del` may match on; dst and len are required, the rest match only when given. */
export interface RouteSelector {
  dst: number;
  len: number;
  gateway?: number;
  ifindex?: number;
  dev?: string;
  metric?: number;
  scope?: RouteScope;
  proto?: RouteProto;
  prefsrc?: number;
  type?: RouteType;
  tos?: number;
}

const EMPTY = 0xffffffff; // never a valid key: keys are masked prefixes and 255.255.255.255/32 is
// stored in its own one-entry slot (see Level.bcast)
const EMPTY_I32 = -1; // EMPTY as an int32
const BCAST_SLOT = -2; // Level.slot() for the key 255.255.255.255 (kept in Level.bcast)

/** Open-addressing table (linear probing, backward-shift delete) of prefixes of one length. */
class Level {
  keys: Uint32Array;
  vals: (Route | null)[];
  /**
   * Per slot the next hop of its route, [2i] = ifindex, [2i+1] = gateway as int32: forwarding reads
   * these instead of the Route object, which on a cold flow set is one more cache miss per packet.
   */
  hops: Int32Array;
  mask: number;
  size = 0;
  /** The key 0xffffffff (only possible at /32) lives here instead of in the table. */
  bcast: Route | null = null;

  constructor(cap = 8) {
    this.keys = new Uint32Array(cap).fill(EMPTY);
    this.vals = new Array<Route | null>(cap).fill(null);
    this.hops = new Int32Array(cap * 2);
    this.mask = cap - 1;
  }

  /** Slot of `key` (int32, as get()), BCAST_SLOT for 255.255.255.255 if present, or -1. */
  slot(key: number): number {
    if (key === EMPTY_I32) return this.bcast !== null ? BCAST_SLOT : -1;
    const keys = this.keys;
    const m = this.mask;
    let i = hash32(key) & m;
    for (;;) {
      const k = keys[i]! | 0;
      if (k === key) return i;
      if (k === EMPTY_I32) return -1;
      i = (i + 1) & m;
    }
  }

  /**
   * The route stored for `key`, given as an int32 (`prefix | 0`): the lookup fast path compares in
   * int32 so that no uint32 ≥ 2^31 (a heap number when passed to a call that is not inlined) is made.
   */
  get(key: number): Route | null {
    if (key === EMPTY_I32) return this.bcast;
    const keys = this.keys;
    const m = this.mask;
    let i = hash32(key) & m;
    for (;;) {
      const k = keys[i]! | 0;
      if (k === key) return this.vals[i]!;
      if (k === EMPTY_I32) return null;
      i = (i + 1) & m;
    }
  }

  set(key: number, r: Route): void {
    if (key === EMPTY) {
      if (!this.bcast) this.size++;
      this.bcast = r;
      return;
    }
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const m = this.mask;
    let i = hash32(key) & m;
    for (;;) {
      const k = this.keys[i]!;
      if (k === key) {
        this.vals[i] = r;
        this.hops[i * 2] = r.ifindex;
        this.hops[i * 2 + 1] = r.gateway | 0;
        return;
      }
      if (k === EMPTY) {
        this.keys[i] = key;
        this.vals[i] = r;
        this.hops[i * 2] = r.ifindex;
        this.hops[i * 2 + 1] = r.gateway | 0;
        this.size++;
        return;
      }
      i = (i + 1) & m;
    }
  }

  delete(key: number): void {
    if (key === EMPTY) {
      if (this.bcast) this.size--;
      this.bcast = null;
      return;
    }
    const keys = this.keys;
    const m = this.mask;
    let i = hash32(key) & m;
    for (;;) {
      const k = keys[i]!;
      if (k === EMPTY) return;
      if (k === key) break;
      i = (i + 1) & m;
    }
    // Backward-shift deletion keeps probe chains intact without tombstones.
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      const k = keys[j]!;
      if (k === EMPTY) break;
      const home = hash32(k) & m;
      // Move k into the hole at i if its home slot is not cyclically in (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        keys[i] = k;
        this.vals[i] = this.vals[j]!;
        this.hops[i * 2] = this.hops[j * 2]!;
        this.hops[i * 2 + 1] = this.hops[j * 2 + 1]!;
        i = j;
      }
    }
    keys[i] = EMPTY;
    this.vals[i] = null;
    this.size--;
  }

  private grow(): void {
    const oldK = this.keys;
    const oldV = this.vals;
    const cap = oldK.length * 2;
    this.keys = new Uint32Array(cap).fill(EMPTY);
    this.vals = new Array<Route | null>(cap).fill(null);
    this.hops = new Int32Array(cap * 2);
    this.mask = cap - 1;
    const bc = this.bcast;
    this.size = bc ? 1 : 0;
    for (let i = 0; i < oldK.length; i++) if (oldK[i] !== EMPTY) this.set(oldK[i]!, oldV[i]!);
  }
}

/** Multiplicative (Fibonacci-style) mix; the low bits index the table. */
function hash32(k: number): number {
  // Same bits for a key given as int32 or uint32; the int32 result (callers mask it) is never boxed.
  const h = Math.imul(k ^ (k >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

/** List order of the Linux fib dump: dst asc, len desc, tos desc, metric asc. */
function compare(a: Route, b: Route): number {
  if (a.dst !== b.dst) return a.dst < b.dst ? -1 : 1;
  if (a.len !== b.len) return b.len - a.len;
  const at = a.tos ?? 0;
  const bt = b.tos ?? 0;
  if (at !== bt) return bt - at;
  return a.metric - b.metric;
}

const MASKS = Array.from({ length: 33 }, (_, l) => prefixMask(l));
/** MASKS as int32, for the lookup fast path. */
const MASKS_I32 = Int32Array.from(MASKS, (m) => m | 0);

export class RouteTable {
  /** Routes in list order (see compare). Owned by the table; callers get them read-only. */
  private routes: Route[] = [];
  private levels: Level[] = Array.from({ length: 33 }, () => new Level());
  /** Bit (31 - len) of `popHi` set ⇔ some tos-0 route of length len (1..32) exists; popZero for /0. */
  private popHi = 0;
  private popZero = false;
  /**
   * Per top-12-bit bucket of the address space, the lengths 1..32 (same bit encoding as popHi)
   * that have a prefix inside or covering that bucket: a random destination then probes only the
   * few lengths actually present near it instead of every populated length (16 KB per table). Bits
   * for lengths 1..12 are exact (the covering prefix exists), those for 13..32 are candidates.
   */
  private top = new Uint32Array(4096);
  /** How many prefixes of each (bucket, length > 12) exist, to know when to clear a `top` bit. */
  private topCount = new Map<number, number>();

  get size(): number {
    return this.routes.length;
  }

  /** `ip route add`: throws RouteError on host bits set or an existing (dst, len, tos, metric). */
  add(route: Route): Route {
    const r = this.normalise(route);
    const i = this.lowerBound(r);
    const at = this.routes[i];
    if (at && compare(at, r) === 0) throw new RouteError(ROUTE_EEXIST, 'EEXIST');
    this.routes.splice(i, 0, r);
    this.reindex(r.dst, r.len);
    return r;
  }

  /**
   * `ip route append` (NLM_F_CREATE|NLM_F_APPEND, and how the kernel adds connected routes in
   * fib_magic): another route with the same (dst, len, tos, metric) is allowed and goes AFTER the
   * existing ones (so lookup keeps the older one); only a route identical in every field
   * (fib_table_insert's fa_match) is EEXIST. Two devices with addresses in one subnet so get one
   * `proto kernel` route each.
   */
  append(route: Route): Route {
    const r = this.normalise(route);
    let i = this.lowerBound(r);
    for (; i < this.routes.length && compare(this.routes[i]!, r) === 0; i++) if (sameRoute(this.routes[i]!, r)) throw new RouteError(ROUTE_EEXIST, 'EEXIST');
    this.routes.splice(i, 0, r);
    this.reindex(r.dst, r.len);
    return r;
  }

  /** `ip route replace`: overwrites the route with the same (dst, len, tos, metric) or adds it. */
  replace(route: Route): Route {
    const r = this.normalise(route);
    const i = this.lowerBound(r);
    const at = this.routes[i];
    if (at && compare(at, r) === 0) this.routes[i] = r;
    else this.routes.splice(i, 0, r);
    this.reindex(r.dst, r.len);
    return r;
  }

  /** `ip route del`: removes the first route (list order) matching every given field. */
  del(sel: RouteSelector): Route {
    const dst = sel.dst >>> 0;
    const tos = sel.tos ?? 0;
    let i = this.lowerBound({ dst, len: sel.len, tos: 255, metric: -1 } as Route);
    for (; i < this.routes.length; i++) {
      const r = this.routes[i]!;
      if (r.dst !== dst || r.len !== sel.len) break;
      if ((r.tos ?? 0) !== tos) continue; // the kernel matches tos exactly (0 only matches tos 0)
      if (sel.metric !== undefined && r.metric !== sel.metric) continue;
      if (sel.gateway !== undefined && sel.gateway !== 0 && r.gateway !== sel.gateway >>> 0) continue;
      if (sel.ifindex !== undefined && sel.ifindex !== 0 && r.ifindex !== sel.ifindex) continue;
      if (sel.dev !== undefined && r.dev !== sel.dev) continue;
      if (sel.scope !== undefined && r.scope !== sel.scope) continue;
      if (sel.proto !== undefined && r.proto !== sel.proto) continue;
      if (sel.prefsrc !== undefined && sel.prefsrc !== 0 && r.prefsrc !== sel.prefsrc >>> 0) continue;
      if (sel.type !== undefined && r.type !== sel.type) continue;
      this.routes.splice(i, 1);
      this.reindex(r.dst, r.len);
      return r;
    }
    throw new RouteError(ROUTE_ESRCH, 'ESRCH');
  }

  /**
   * Removes every route through `ifindex`, as IPv4 does when a link goes down or is deleted
   * (fib_sync_down_dev + fib_flush: unlike IPv6, static routes are not kept). Returns them.
   */
  removeDev(ifindex: number): Route[] {
    const gone: Route[] = [];
    const keep: Route[] = [];
    for (const r of this.routes) (r.ifindex === ifindex ? gone : keep).push(r);
    if (gone.length === 0) return gone;
    this.routes = keep;
    for (const r of gone) this.reindex(r.dst, r.len);
    return gone;
  }

  /** Removes everything (`ip route flush table …`). */
  clear(): void {
    this.routes = [];
    this.levels = Array.from({ length: 33 }, () => new Level());
    this.popHi = 0;
    this.popZero = false;
    this.top.fill(0);
    this.topCount.clear();
  }

  /** Routes in `ip route show` order. The array is a copy; the routes are the table's own. */
  list(): Route[] {
    return this.routes.slice();
  }

  /**
   * Longest-prefix match, then lowest metric, for a tos-0 lookup. Allocation-free. Returns the
   * route whatever its type: the caller turns unreachable/blackhole/prohibit into the right error.
   */
  lookup(dst: number): Route | null {
    dst = dst | 0; // int32 or uint32 accepted; compared as int32 (see Level.get)
    let pop = this.top[dst >>> 20]!;
    const levels = this.levels;
    while (pop !== 0) {
      const z = Math.clz32(pop); // highest set bit ↔ longest populated length
      const len = 32 - z;
      const r = levels[len]!.get(dst & MASKS_I32[len]!);
      if (r !== null) return r;
      pop &= ~(1 << (31 - z));
    }
    return this.popZero ? levels[0]!.get(0) : null;
  }

  /**
   * lookup() for the forwarding fast path: the output ifindex of the best route for `dst` (0 for a
   * route without a device: blackhole, unreachable, prohibit), or -1 when nothing matches. Its
   * gateway (int32, 0 = directly connected) is left in `hopGateway` and the route itself is
   * available from hopRoute() until the next call. Reads no Route object, allocates nothing.
   */
  lookupHop(dst: number): number {
    dst = dst | 0;
    let pop = this.top[dst >>> 20]!;
    const levels = this.levels;
    let len = 0;
    let s = -1;
    while (pop !== 0) {
      const z = Math.clz32(pop);
      len = 32 - z;
      s = levels[len]!.slot(dst & MASKS_I32[len]!);
      if (s !== -1) break;
      pop &= ~(1 << (31 - z));
    }
    if (s === -1) {
      if (!this.popZero) return -1;
      len = 0;
      s = levels[0]!.slot(0);
    }
    this.hopLen = len;
    this.hopSlot = s;
    if (s === BCAST_SLOT) {
      const r = levels[len]!.bcast!;
      this.hopGateway = r.gateway | 0;
      return r.ifindex;
    }
    const h = levels[len]!.hops;
    this.hopGateway = h[s * 2 + 1]!;
    return h[s * 2]!;
  }

  /** Gateway of the route found by the last lookupHop() (int32; 0 = directly connected). */
  hopGateway = 0;
  private hopLen = 0;
  private hopSlot = -1;

  /** The route found by the last successful lookupHop() (valid until the table changes). */
  hopRoute(): Route {
    const l = this.levels[this.hopLen]!;
    return (this.hopSlot === BCAST_SLOT ? l.bcast : l.vals[this.hopSlot])!;
  }

  /**
   * Restricted lookup (control plane, linear): the best route for `dst` among those that pass
   * `accept`, as the kernel's fib lookup backtracks past routes its flow key rejects.
   */
  lookupWhere(dst: number, accept: (r: Route) => boolean): Route | null {
    dst = dst >>> 0;
    let best: Route | null = null;
    for (const r of this.routes) {
      if ((r.tos ?? 0) !== 0) continue;
      if (((dst & MASKS[r.len]!) >>> 0) !== r.dst) continue;
      if (!accept(r)) continue;
      if (!best || r.len > best.len || (r.len === best.len && r.metric < best.metric)) best = r;
    }
    return best;
  }

  private normalise(route: Route): Route {
    if (!Number.isInteger(route.len) || route.len < 0 || route.len > 32)
      throw new RouteError(ROUTE_BAD_PREFIX, 'EINVAL');
    const dst = route.dst >>> 0;
    if (((dst & MASKS[route.len]!) >>> 0) !== dst) throw new RouteError(ROUTE_BAD_PREFIX, 'EINVAL');
    return { ...route, dst, gateway: route.gateway >>> 0, prefsrc: route.prefsrc >>> 0 };
  }

  /** Index of the first route not ordered before r. */
  private lowerBound(r: Route): number {
    let lo = 0;
    let hi = this.routes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.routes[mid]!, r) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Recomputes the best tos-0 route for one prefix after a change (its routes are contiguous). */
  private reindex(dst: number, len: number): void {
    let i = this.lowerBound({ dst, len, tos: 255, metric: -1 } as Route);
    let best: Route | null = null;
    for (; i < this.routes.length; i++) {
      const r = this.routes[i]!;
      if (r.dst !== dst || r.len !== len) break;
      if ((r.tos ?? 0) === 0) {
        best = r; // first tos-0 route in list order has the lowest metric
        break;
      }
    }
    const level = this.levels[len]!;
    const before = level.size;
    if (best) level.set(dst, best);
    else level.delete(dst);
    if (len > 0 && len <= 12 && level.size !== before) {
      // A prefix of 12 bits or fewer covers 2^(12 - len) whole buckets; there is at most one prefix
      // of that length per bucket, so its bit is set exactly while the prefix exists, and a lookup
      // reaching that bit always hits (no probes spent on short lengths that cannot match).
      const first = dst >>> 20;
      const end = first + (1 << (12 - len));
      const bit = 1 << (len - 1);
      const top = this.top;
      if (level.size > before) for (let b = first; b < end; b++) top[b] = top[b]! | bit;
      else for (let b = first; b < end; b++) top[b] = top[b]! & ~bit;
    }
    if (len > 12 && level.size !== before) {
      // A prefix longer than 12 bits lies inside exactly one top-12 bucket.
      const key = (dst >>> 20) * 32 + len;
      const n = (this.topCount.get(key) ?? 0) + (level.size > before ? 1 : -1);
      if (n === 0) {
        this.topCount.delete(key);
        this.top[dst >>> 20] = this.top[dst >>> 20]! & ~(1 << (len - 1));
      } else {
        this.topCount.set(key, n);
        this.top[dst >>> 20] = this.top[dst >>> 20]! | (1 << (len - 1));
      }
    }
    const populated = level.size > 0;
    if (len === 0) this.popZero = populated;
    else if (populated) this.popHi |= 1 << (len - 1);
    else this.popHi &= ~(1 << (len - 1));
  }
}

/** Same next hop and attributes (the kernel's identical fib_info), given the same identity. */
function sameRoute(a: Route, b: Route): boolean {
  return a.gateway === b.gateway && a.ifindex === b.ifindex && a.type === b.type && a.scope === b.scope && a.proto === b.proto && a.prefsrc === b.prefsrc;
}

/**
 * Gateway validation as `ip route add … via GW [dev D]` does it (fib_check_nh_v4_gw): the gateway
 * must be covered by a route of scope link or host (never via another gateway route), on `ifindex`
 * if given, of type unicast or local. Tables are searched in order (pass [local, main] to include
 * local addresses). Returns null if valid, else iproute2's message.
 */
export function checkGatewayOnLink(
  table: RouteTable | readonly RouteTable[],
  gateway: number,
  ifindex?: number,
): string | null {
  const tables = table instanceof RouteTable ? [table] : table;
  for (const t of tables) {
    const r = t.lookupWhere(
      gateway,
      (x) => x.scope !== 'global' && (!ifindex || x.ifindex === ifindex),
    );
    if (r) return r.type === 'unicast' || r.type === 'local' ? null : ROUTE_BAD_GATEWAY;
  }
  return ROUTE_BAD_GATEWAY;
}
