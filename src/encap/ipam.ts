// Weave-style IP address management (Weave Net's ipam/: a ring of address ranges owned by peers).
//
// - The allocation range (default 10.32.0.0/12, Weave's --ipalloc-range default) is split among the
//   peers that start the cluster in equal contiguous shares (Weave's initial ring after consensus).
// - Its first and last addresses are never handed out (Weave: "first and last addresses are
//   excluded"), so 10.32.0.0/12 offers 2^20 − 2 addresses.
// - Each peer allocates only from ranges it owns, so two peers can never hand out the same address;
//   ownership moves only by donation. A peer with no free address asks the peer with the most free
//   addresses, which donates at most half of its biggest free run (Weave's Space.Donate), the upper
//   half so its own low addresses stay dense.
// - allocate/claim/free/lookup are per container ID; allocate is idempotent per (peer, container).
// - The state (ring + allocations) serialises to JSON and back; `check()` verifies the invariants.
//
// This is the converged view that Weave's gossip (CRDT ring + donation messages) reaches; the message
// exchange itself belongs to the router.
import { parseCidr, ipv4ToString } from '../ip/address.ts';

export const WEAVE_DEFAULT_RANGE = '10.32.0.0/12';

/** A half-open address range [start, end) of uint32 addresses. */
export interface AddrRange {
  start: number;
  end: number;
}

interface PeerState {
  ranges: AddrRange[]; // sorted, disjoint, non-adjacent (merged)
  byAddr: Map<number, string>;
  byId: Map<string, number>;
}

export interface IpamJson {
  range: string;
  peers: { name: string; ranges: [string, string][]; allocations: [string, string][] }[];
}

export class Ipam {
  readonly cidr: string;
  /** Allocatable addresses: [first, last) — the CIDR minus its first and last address. */
  readonly first: number;
  readonly last: number;
  private readonly peers = new Map<string, PeerState>();

  private constructor(cidr: string) {
    const c = parseCidr(cidr);
    if (c.len > 30) throw new Error(`allocation range ${cidr} too small: at least a /30 is needed`);
    const size = 2 ** (32 - c.len);
    if (c.addr % size !== 0) throw new Error(`invalid allocation range ${cidr}: bits after the prefix are not zero`);
    this.cidr = cidr;
    this.first = c.addr + 1;
    this.last = c.addr + size - 1;
  }

  /** A cluster whose `peers` share the range equally (contiguous shares in the order given). */
  static create(peers: readonly string[], cidr = WEAVE_DEFAULT_RANGE): Ipam {
    const ipam = new Ipam(cidr);
    const n = peers.length;
    const total = ipam.last - ipam.first;
    peers.forEach((name, i) => {
      if (ipam.peers.has(name)) throw new Error(`duplicate peer ${name}`);
      const s = ipam.first + Math.floor((total * i) / n);
      const e = ipam.first + Math.floor((total * (i + 1)) / n);
      ipam.peers.set(name, { ranges: e > s ? [{ start: s, end: e }] : [], byAddr: new Map(), byId: new Map() });
    });
    return ipam;
  }

  /** A peer joining later owns nothing until it asks for space. */
  join(name: string): void {
    if (this.peers.has(name)) throw new Error(`peer ${name} already known`);
    this.peers.set(name, { ranges: [], byAddr: new Map(), byId: new Map() });
  }

  /** `weave rmpeer`: the peer's ranges go to `heir`; its allocations are forgotten. */
  removePeer(name: string, heir: string): void {
    const p = this.peer(name);
    const h = this.peer(heir);
    if (name === heir) throw new Error('a peer cannot inherit from itself');
    for (const r of p.ranges) addRange(h.ranges, r.start, r.end);
    this.peers.delete(name);
  }

  peerNames(): string[] {
    return [...this.peers.keys()];
  }

  private peer(name: string): PeerState {
    const p = this.peers.get(name);
    if (!p) throw new Error(`unknown peer ${name}`);
    return p;
  }

  ownedRanges(name: string): readonly AddrRange[] {
    return this.peer(name).ranges;
  }

  owned(name: string): number {
    return this.peer(name).ranges.reduce((n, r) => n + r.end - r.start, 0);
  }

  freeCount(name: string): number {
    const p = this.peer(name);
    return this.owned(name) - p.byAddr.size;
  }

  /** The peer that owns `addr`, if any. */
  ownerOf(addr: number): string | undefined {
    for (const [name, p] of this.peers) if (p.ranges.some((r) => addr >= r.start && addr < r.end)) return name;
    return undefined;
  }

  /**
   * The container's address on `peer` (the same one if it already has one). Asks other peers for
   * space when `peer` has none free; null when the whole range is exhausted.
   */
  allocate(peer: string, containerId: string): number | null {
    const p = this.peer(peer);
    const had = p.byId.get(containerId);
    if (had !== undefined) return had;
    for (;;) {
      const a = lowestFree(p);
      if (a !== null) {
        p.byAddr.set(a, containerId);
        p.byId.set(containerId, a);
        return a;
      }
      if (!this.requestSpace(peer)) return null;
    }
  }

  /**
   * Records that `containerId` uses `addr` on `peer` (restart of a container that kept its address).
   * Fails if the address is outside the range, owned by another peer, or used by another container.
   */
  claim(peer: string, containerId: string, addr: number): string | null {
    const p = this.peer(peer);
    const a = addr >>> 0;
    if (a < this.first || a >= this.last) return `address ${ipv4ToString(a)} is outside the allocation range ${this.cidr}`;
    const owner = this.ownerOf(a);
    if (owner !== peer) return `address ${ipv4ToString(a)} is owned by ${owner === undefined ? 'no peer' : `peer ${owner}`}`;
    const user = p.byAddr.get(a);
    if (user !== undefined && user !== containerId) return `address ${ipv4ToString(a)} is already owned by ${user}`;
    const had = p.byId.get(containerId);
    if (had !== undefined && had !== a) return `container ${containerId} already has address ${ipv4ToString(had)}`;
    p.byAddr.set(a, containerId);
    p.byId.set(containerId, a);
    return null;
  }

  /** Releases the container's address on `peer`; false if it had none. */
  free(peer: string, containerId: string): boolean {
    const p = this.peer(peer);
    const a = p.byId.get(containerId);
    if (a === undefined) return false;
    p.byId.delete(containerId);
    p.byAddr.delete(a);
    return true;
  }

  /** Which peer gave `containerId` which address. */
  lookup(containerId: string): { peer: string; addr: number } | undefined {
    for (const [name, p] of this.peers) {
      const a = p.byId.get(containerId);
      if (a !== undefined) return { peer: name, addr: a };
    }
    return undefined;
  }

  /**
   * `peer` asks the peer with the most free addresses; that peer donates the upper half (rounded up)
   * of its biggest free run. Returns false when nobody has anything free.
   */
  requestSpace(peer: string): boolean {
    const me = this.peer(peer);
    let donor: PeerState | null = null;
    let best = 0;
    for (const [name, p] of this.peers) {
      if (name === peer) continue;
      const f = this.freeCount(name);
      if (f > best) {
        best = f;
        donor = p;
      }
    }
    if (!donor) return false;
    const run = biggestFreeRun(donor);
    if (!run) return false;
    const size = run.end - run.start;
    const start = run.end - Math.ceil(size / 2);
    subtractRange(donor.ranges, start, run.end);
    addRange(me.ranges, start, run.end);
    return true;
  }

  /** Invariants: ranges inside [first,last), disjoint across peers; every allocation inside its peer's ranges, 1:1. */
  check(): string | null {
    const all: (AddrRange & { peer: string })[] = [];
    for (const [name, p] of this.peers) {
      for (const r of p.ranges) {
        if (r.start < this.first || r.end > this.last || r.start >= r.end) return `peer ${name} owns bad range ${fmtRange(r)}`;
        all.push({ ...r, peer: name });
      }
      if (p.byAddr.size !== p.byId.size) return `peer ${name}: allocation maps disagree`;
      for (const [a, id] of p.byAddr) {
        if (p.byId.get(id) !== a) return `peer ${name}: ${id} maps inconsistently`;
        if (!p.ranges.some((r) => a >= r.start && a < r.end)) return `peer ${name} allocated ${ipv4ToString(a)} outside its ranges`;
      }
    }
    all.sort((x, y) => x.start - y.start);
    for (let i = 1; i < all.length; i++)
      if (all[i]!.start < all[i - 1]!.end) return `ranges overlap: ${all[i - 1]!.peer} ${fmtRange(all[i - 1]!)} and ${all[i]!.peer} ${fmtRange(all[i]!)}`;
    return null;
  }

  toJSON(): IpamJson {
    return {
      range: this.cidr,
      peers: [...this.peers].map(([name, p]) => ({
        name,
        ranges: p.ranges.map((r) => [ipv4ToString(r.start), ipv4ToString(r.end - 1)] as [string, string]),
        allocations: [...p.byId].map(([id, a]) => [id, ipv4ToString(a)] as [string, string]),
      })),
    };
  }

  static fromJSON(j: IpamJson): Ipam {
    const ipam = new Ipam(j.range);
    for (const pj of j.peers) {
      const p: PeerState = { ranges: [], byAddr: new Map(), byId: new Map() };
      for (const [s, e] of pj.ranges) addRange(p.ranges, parseCidr(s).addr, parseCidr(e).addr + 1);
      ipam.peers.set(pj.name, p);
      for (const [id, a] of pj.allocations) {
        const err = ipam.claim(pj.name, id, parseCidr(a).addr);
        if (err) throw new Error(`bad IPAM state: ${err}`);
      }
    }
    const err = ipam.check();
    if (err) throw new Error(`bad IPAM state: ${err}`);
    return ipam;
  }
}

function fmtRange(r: AddrRange): string {
  return `${ipv4ToString(r.start)}-${ipv4ToString(r.end - 1)}`;
}

function lowestFree(p: PeerState): number | null {
  for (const r of p.ranges) for (let a = r.start; a < r.end; a++) if (!p.byAddr.has(a)) return a;
  return null;
}

function biggestFreeRun(p: PeerState): AddrRange | null {
  const used = [...p.byAddr.keys()].sort((a, b) => a - b);
  let best: AddrRange | null = null;
  let i = 0;
  for (const r of p.ranges) {
    let s = r.start;
    while (i < used.length && used[i]! < r.start) i++;
    while (i < used.length && used[i]! < r.end) {
      const u = used[i]!;
      if (u > s && (!best || u - s > best.end - best.start)) best = { start: s, end: u };
      s = u + 1;
      i++;
    }
    if (r.end > s && (!best || r.end - s > best.end - best.start)) best = { start: s, end: r.end };
  }
  return best;
}

/** Adds [s,e) to a sorted disjoint list, merging neighbours. */
function addRange(list: AddrRange[], s: number, e: number): void {
  list.push({ start: s, end: e });
  list.sort((x, y) => x.start - y.start);
  const merged: AddrRange[] = [];
  for (const r of list) {
    const m = merged[merged.length - 1];
    if (m && r.start <= m.end) m.end = Math.max(m.end, r.end);
    else merged.push({ ...r });
  }
  list.length = 0;
  list.push(...merged);
}

function subtractRange(list: AddrRange[], s: number, e: number): void {
  const out: AddrRange[] = [];
  for (const r of list) {
    if (r.end <= s || r.start >= e) out.push(r);
    else {
      if (r.start < s) out.push({ start: r.start, end: s });
      if (r.end > e) out.push({ start: e, end: r.end });
    }
  }
  list.length = 0;
  list.push(...out);
}
