// The IPv4 neighbour (ARP) cache: Linux's NUD state machine (net/core/neighbour.c, net/ipv4/arp.c),
// RFC 1122 §2.3.2 timings, RFC 826's merge rule — as data with an explicit clock. It sends nothing:
// methods return actions the caller performs (send an ARP request, send the queued packets, report
// failure so the caller drops them with ICMP host unreachable). Times are ns.
//
// States and transitions (defaults are this kernel's net.ipv4.neigh.* sysctls):
//   (none) --resolve--> INCOMPLETE: broadcast request now and every retrans_time (1 s);
//       mcast_solicit (3) requests unanswered → FAILED at 3 s, queued packets reported.
//   INCOMPLETE --reply--> REACHABLE, queued packets flushed to the MAC.
//   REACHABLE --reachable_time (base 30 s × uniform [0.5, 1.5), re-drawn every 300 s)--> STALE
//       (or DELAY if used within delay_first_probe_time; the kernel's cached-header fast path does
//       not refresh `used`, so lookups of a REACHABLE entry do not either).
//   STALE --used--> DELAY (packets go out to the old MAC) --5 s, no confirmation--> PROBE: unicast
//       request every 1 s, ucast_solicit (3) unanswered → FAILED.  A reply in DELAY/PROBE → REACHABLE.
//   FAILED --resolve--> INCOMPLETE again.  PERMANENT / NOARP entries (ip neigh add … nud permanent)
//       are never changed by ARP and never time out.
// ARP input (arp_process, arp_accept = 0): a request whose target is ours creates/updates the
// sender's entry as STALE; any other ARP only updates an existing entry — REACHABLE for a reply
// unicast to us, else STALE; a different MAC is taken only after locktime (1 s) since the last
// update, so the first of several competing replies wins.
// Waiting packets: per entry at most unres_qlen (101) packets and unres_qlen_bytes (212992) bytes
// (Documentation/networking/ip-sysctl.rst; the kernel counts skb truesize, we count frame bytes);
// past either the OLDEST is dropped, as __neigh_event_send does. Frames are copied (callers' buffers
// are borrowed).
// Garbage collection: as in the kernel below gc_thresh1 (128 entries), where neigh_periodic_work
// does nothing, FAILED and STALE entries stay until reused or deleted; when the table is full
// (gc_thresh3, 1024) creating an entry first evicts the least recently used FAILED/STALE one.

import { ipv4ToString } from '../ip/address.ts';
import { macToString } from '../ethernet/mac.ts';

export const NUD_INCOMPLETE = 0x01;
export const NUD_REACHABLE = 0x02;
export const NUD_STALE = 0x04;
export const NUD_DELAY = 0x08;
export const NUD_PROBE = 0x10;
export const NUD_FAILED = 0x20;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;
export const NUD_NONE = 0x00;
const NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;
const NUD_CONNECTED = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE;
const NUD_IN_TIMER = NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE;

export type NudName = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'NOARP' | 'PERMANENT' | 'NONE';

export function nudName(s: number): NudName {
  switch (s) {
    case NUD_INCOMPLETE: return 'INCOMPLETE';
    case NUD_REACHABLE: return 'REACHABLE';
    case NUD_STALE: return 'STALE';
    case NUD_DELAY: return 'DELAY';
    case NUD_PROBE: return 'PROBE';
    case NUD_FAILED: return 'FAILED';
    case NUD_NOARP: return 'NOARP';
    case NUD_PERMANENT: return 'PERMANENT';
    default: return 'NONE';
  }
}

const S = 1e9;

export interface NeighParams {
  mcastSolicit: number;
  ucastSolicit: number;
  /** ns */
  retransTime: number;
  /** ns */
  baseReachableTime: number;
  /** ns */
  delayFirstProbeTime: number;
  /** ns */
  locktime: number;
  unresQlen: number;
  unresQlenBytes: number;
  /** gc_thresh3: most entries. */
  maxEntries: number;
}

export const DEFAULT_NEIGH_PARAMS: Readonly<NeighParams> = {
  mcastSolicit: 3,
  ucastSolicit: 3,
  retransTime: 1 * S,
  baseReachableTime: 30 * S,
  delayFirstProbeTime: 5 * S,
  locktime: 1 * S,
  unresQlen: 101,
  unresQlenBytes: 212992,
  maxEntries: 1024,
};

export const BROADCAST = 0xffffffffffff;

/** What the caller must do. */
export type NeighAction =
  /** Send an ARP request for `ip` on `ifindex`, to `dstMac` (BROADCAST, or the old MAC when probing). */
  | { kind: 'solicit'; ip: number; ifindex: number; dstMac: number }
  /** Resolution done: send these frames (owned copies, in arrival order) to `mac`. */
  | { kind: 'flush'; ip: number; ifindex: number; mac: number; packets: Uint8Array[] }
  /** Resolution failed: drop these frames, answering each with ICMP host unreachable. */
  | { kind: 'failed'; ip: number; ifindex: number; packets: Uint8Array[] };

export interface NeighEntry {
  ip: number;
  ifindex: number;
  /** -1 while unresolved. */
  mac: number;
  state: NudName;
  queued: number;
  updated: number;
  confirmed: number;
  used: number;
}

/** How an ARP packet relates to us (arp_process). */
export type ArpKind =
  /** A reply unicast to us: confirms reachability. */
  | 'reply'
  /** A request whose target address is one of ours: we will answer, and learn the sender. */
  | 'request-for-us'
  /** Anything else (broadcast reply, request for someone else): refreshes an existing entry only. */
  | 'other';

export class NeighborError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NeighborError';
  }
}
export const NEIGH_EEXIST = 'RTNETLINK answers: File exists';
export const NEIGH_ENOENT = 'RTNETLINK answers: No such file or directory';

const NONE: readonly NeighAction[] = Object.freeze([]);

export class NeighborCache {
  readonly params: NeighParams;
  private readonly random: () => number;
  /** Current randomized reachable time (ns) and when it was drawn. */
  reachableTime: number;
  private lastRand: number;

  // Index: open addressing on the IP (so a lookup without ifindex finds any entry for the IP),
  // slot → entry id; entry fields in typed arrays indexed by id.
  private idxIp: Int32Array; // int32 so a lookup compares without making a uint32 (see connectedId)
  private idxId: Int32Array; // -1 empty
  private idxMask: number;
  private ip: Uint32Array;
  private ifx: Int32Array;
  private state: Uint8Array;
  private mac: Float64Array;
  /** The same MACs as 6 bytes per entry: the fast path copies them into frames (writeMac). */
  private macBytes: Uint8Array;
  private updated: Float64Array;
  private confirmed: Float64Array;
  private used: Float64Array;
  private timer: Float64Array; // Infinity = none
  private probes: Int32Array;
  private queue: (Uint8Array[] | null)[];
  private queueBytes: Float64Array;
  private free: number[] = [];
  private count = 0;
  /** Packets dropped from full resolution queues (the kernel's unresolved_discards). */
  unresolvedDiscards = 0;
  /** Entries not created because the table was full ("neighbour table overflow"). */
  tableFulls = 0;

  constructor(opts: { random: () => number; now?: number; params?: Partial<NeighParams> }) {
    this.params = { ...DEFAULT_NEIGH_PARAMS, ...opts.params };
    this.random = opts.random;
    this.lastRand = opts.now ?? 0;
    this.reachableTime = this.drawReachable();
    const n = this.params.maxEntries;
    let cap = 16;
    while (cap < n * 2) cap *= 2;
    this.idxIp = new Int32Array(cap);
    this.idxId = new Int32Array(cap).fill(-1);
    this.idxMask = cap - 1;
    this.ip = new Uint32Array(n);
    this.ifx = new Int32Array(n);
    this.state = new Uint8Array(n);
    this.mac = new Float64Array(n).fill(-1);
    this.macBytes = new Uint8Array(n * 6);
    this.updated = new Float64Array(n);
    this.confirmed = new Float64Array(n);
    this.used = new Float64Array(n);
    this.timer = new Float64Array(n).fill(Infinity);
    this.probes = new Int32Array(n);
    this.queue = new Array<Uint8Array[] | null>(n).fill(null);
    this.queueBytes = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) this.free.push(i);
  }

  get size(): number {
    return this.count;
  }

  /** neigh_rand_reach_time: uniform in [base/2, 3·base/2). */
  private drawReachable(): number {
    const base = this.params.baseReachableTime;
    return Math.floor(base / 2 + this.random() * base);
  }

  /** The kernel re-draws reachable_time every 300 s (neigh_periodic_work). */
  private maybeRedraw(now: number): void {
    if (now >= this.lastRand + 300 * S) {
      this.lastRand = now;
      this.reachableTime = this.drawReachable();
    }
  }

  private findId(ip: number, ifindex: number): number {
    ip = ip | 0; // int32 or uint32 accepted; the index holds int32
    const m = this.idxMask;
    let i = hashIp(ip) & m;
    for (;;) {
      const id = this.idxId[i]!;
      if (id < 0) return -1;
      if (this.idxIp[i] === ip && (ifindex === 0 || this.ifx[id] === ifindex)) return id;
      i = (i + 1) & m;
    }
  }

  private create(ip: number, ifindex: number, now: number): number {
    if (this.free.length === 0 && !this.forcedGc(now)) {
      this.tableFulls++;
      return -1;
    }
    const id = this.free.pop()!;
    ip = ip >>> 0;
    this.ip[id] = ip;
    this.ifx[id] = ifindex;
    this.state[id] = NUD_NONE;
    this.mac[id] = -1;
    this.updated[id] = now;
    this.confirmed[id] = now - 2 * this.params.baseReachableTime; // "not confirmed", as neigh_alloc
    this.used[id] = now;
    this.timer[id] = Infinity;
    this.probes[id] = 0;
    this.queue[id] = null;
    this.queueBytes[id] = 0;
    const m = this.idxMask;
    let i = hashIp(ip) & m;
    while (this.idxId[i]! >= 0) i = (i + 1) & m;
    this.idxIp[i] = ip;
    this.idxId[i] = id;
    this.count++;
    return id;
  }

  private remove(id: number): void {
    const m = this.idxMask;
    let i = hashIp(this.ip[id]!) & m;
    while (this.idxId[i] !== id) i = (i + 1) & m;
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      const jd = this.idxId[j]!;
      if (jd < 0) break;
      const home = hashIp(this.idxIp[j]!) & m;
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        this.idxIp[i] = this.idxIp[j]!;
        this.idxId[i] = jd;
        i = j;
      }
    }
    this.idxId[i] = -1;
    this.state[id] = NUD_NONE;
    this.queue[id] = null;
    this.timer[id] = Infinity;
    this.free.push(id);
    this.count--;
  }

  /** neigh_forced_gc: frees one FAILED or unused STALE entry (the least recently used). */
  private forcedGc(_now: number): boolean {
    let victim = -1;
    for (let id = 0; id < this.params.maxEntries; id++) {
      const s = this.state[id]!;
      if (!(s & (NUD_FAILED | NUD_STALE))) continue;
      if (victim < 0 || this.used[id]! < this.used[victim]!) victim = id;
    }
    if (victim < 0) return false;
    this.remove(victim);
    return true;
  }

  /**
   * Output fast path: the MAC to send to `ip` (a 48-bit number), or -1 when the caller must call
   * resolve(). A STALE entry is used as is and moves to DELAY (neigh_event_send). Allocation-free.
   * Without `ifindex` (0) any interface's entry for the address matches.
   */
  lookup(ip: number, now: number, ifindex = 0): number {
    const id = this.findId(ip, ifindex);
    if (id < 0) return -1;
    const s = this.state[id]!;
    if (!(s & NUD_VALID)) return -1;
    if (!(s & NUD_CONNECTED)) {
      this.used[id] = now;
      if (s === NUD_STALE) {
        this.state[id] = NUD_DELAY;
        this.updated[id] = now;
        this.timer[id] = now + this.params.delayFirstProbeTime;
      }
    }
    return this.mac[id]!;
  }

  /**
   * Output fast path without a clock: the id of the entry for `ip` (int32 or uint32) when it is
   * PERMANENT, NOARP or REACHABLE — where lookup() would return its MAC and change nothing — else
   * -1 (the caller then uses lookup()/resolve()). Pair with writeMac(); allocation-free, and no
   * 48-bit number is made.
   */
  connectedId(ip: number, ifindex = 0): number {
    const id = this.findId(ip, ifindex);
    return id >= 0 && (this.state[id]! & NUD_CONNECTED) !== 0 ? id : -1;
  }

  /** Copies entry `id`'s MAC (from connectedId) into buf[off, off+6). */
  writeMac(id: number, buf: Uint8Array, off: number): void {
    const b = this.macBytes;
    const s = id * 6;
    buf[off] = b[s]!;
    buf[off + 1] = b[s + 1]!;
    buf[off + 2] = b[s + 2]!;
    buf[off + 3] = b[s + 3]!;
    buf[off + 4] = b[s + 4]!;
    buf[off + 5] = b[s + 5]!;
  }

  private setMac(id: number, mac: number): void {
    this.mac[id] = mac;
    if (mac < 0) return;
    const hi = Math.floor(mac / 0x100000000);
    const lo = mac % 0x100000000;
    const b = this.macBytes;
    const s = id * 6;
    b[s] = hi >>> 8;
    b[s + 1] = hi;
    b[s + 2] = lo >>> 24;
    b[s + 3] = lo >>> 16;
    b[s + 4] = lo >>> 8;
    b[s + 5] = lo;
  }

  /** State of the entry (NUD_* bit) or NUD_NONE if there is none. */
  stateOf(ip: number, ifindex = 0): number {
    const id = this.findId(ip, ifindex);
    return id < 0 ? NUD_NONE : this.state[id]!;
  }

  /**
   * A packet for `ip` has no usable entry: queue a copy of `packet[off, off+len)` and start (or
   * continue) resolution. Returns a broadcast `solicit` when a new resolution starts, a `flush`
   * of just this packet if the entry is in fact valid, a `failed` one if the table is full.
   */
  resolve(ip: number, ifindex: number, now: number, packet: Uint8Array, off = 0, len = packet.length - off): readonly NeighAction[] {
    this.maybeRedraw(now);
    ip = ip >>> 0;
    let id = this.findId(ip, ifindex);
    if (id < 0) id = this.create(ip, ifindex, now);
    if (id < 0) return [{ kind: 'failed', ip, ifindex, packets: [packet.slice(off, off + len)] }];
    const s = this.state[id]!;
    if (s & NUD_VALID) {
      const mac = this.lookup(ip, now, ifindex);
      return [{ kind: 'flush', ip, ifindex, mac, packets: [packet.slice(off, off + len)] }];
    }
    this.used[id] = now;
    this.enqueue(id, packet, off, len);
    if (s === NUD_INCOMPLETE) return NONE;
    // NONE or FAILED: start over (__neigh_event_send).
    this.state[id] = NUD_INCOMPLETE;
    this.updated[id] = now;
    this.probes[id] = this.params.ucastSolicit;
    this.timer[id] = now + Math.max(this.params.retransTime, 10e6);
    return [this.probe(id)];
  }

  private enqueue(id: number, packet: Uint8Array, off: number, len: number): void {
    let q = this.queue[id];
    if (!q) q = this.queue[id] = [];
    const p = this.params;
    while (q.length > 0 && (q.length >= p.unresQlen || this.queueBytes[id]! + len > p.unresQlenBytes)) {
      this.queueBytes[id] = this.queueBytes[id]! - q.shift()!.length;
      this.unresolvedDiscards++;
    }
    if (len > p.unresQlenBytes || p.unresQlen === 0) {
      this.unresolvedDiscards++;
      return;
    }
    q.push(packet.slice(off, off + len));
    this.queueBytes[id] = this.queueBytes[id]! + len;
  }

  /** neigh_probe + arp_solicit: count the probe; unicast while probes < ucast_solicit after reset. */
  private probe(id: number): NeighAction {
    const n = this.probes[id]!;
    this.probes[id] = n + 1;
    const dst = n - this.params.ucastSolicit < 0 && this.mac[id]! >= 0 ? this.mac[id]! : BROADCAST;
    return { kind: 'solicit', ip: this.ip[id]!, ifindex: this.ifx[id]!, dstMac: dst };
  }

  /**
   * An ARP packet from (ip, mac) arrived on `ifindex` (arp_process; RFC 826 merge). Returns a
   * `flush` when this resolves an INCOMPLETE entry.
   */
  onArp(ip: number, mac: number, ifindex: number, now: number, kind: ArpKind): readonly NeighAction[] {
    this.maybeRedraw(now);
    let id = this.findId(ip, ifindex);
    if (kind === 'request-for-us') {
      // neigh_event_ns: create if needed, STALE, override.
      if (id < 0) id = this.create(ip, ifindex, now);
      if (id < 0) return NONE;
      return this.update(id, mac, NUD_STALE, true, now);
    }
    if (id < 0) return NONE; // arp_accept = 0: unsolicited ARP creates nothing
    const override = now > this.updated[id]! + this.params.locktime;
    return this.update(id, mac, kind === 'reply' ? NUD_REACHABLE : NUD_STALE, override, now);
  }

  /** __neigh_update for a non-admin update carrying a link-layer address. */
  private update(id: number, mac: number, nu: number, override: boolean, now: number): readonly NeighAction[] {
    const old = this.state[id]!;
    if (old & (NUD_NOARP | NUD_PERMANENT)) return NONE;
    const ha = this.mac[id]!;
    if (nu & NUD_CONNECTED) this.confirmed[id] = now;
    if (old & NUD_VALID) {
      if (mac !== ha && !override) return NONE;
      if (mac === ha && nu === NUD_STALE) nu = old;
    }
    if (nu !== old || mac !== ha) this.updated[id] = now;
    if (nu !== old) {
      this.timer[id] = Infinity;
      if (nu & NUD_PROBE) this.probes[id] = 0;
      if (nu & NUD_IN_TIMER) this.timer[id] = now + (nu & NUD_REACHABLE ? this.reachableTime : 0);
      this.state[id] = nu;
    }
    if (mac !== ha) {
      this.setMac(id, mac);
      if (!(nu & NUD_CONNECTED)) this.confirmed[id] = now - 2 * this.params.baseReachableTime;
    }
    if (nu === old || old & NUD_VALID) return NONE;
    const q = this.queue[id];
    this.queue[id] = null;
    this.queueBytes[id] = 0;
    if (!q || q.length === 0) return NONE;
    return [{ kind: 'flush', ip: this.ip[id]!, ifindex: this.ifx[id]!, mac, packets: q }];
  }

  /**
   * Confirms reachability from an upper layer (TCP progress, MSG_CONFIRM: neigh_confirm). A DELAY
   * entry confirmed this way goes back to REACHABLE at its timer instead of probing.
   */
  confirm(ip: number, now: number, ifindex = 0): void {
    const id = this.findId(ip, ifindex);
    if (id >= 0) this.confirmed[id] = now;
  }

  /** Runs every timer due at `now` (neigh_timer_handler) and gc; returns the actions, in order. */
  tick(now: number): NeighAction[] {
    this.maybeRedraw(now);
    const out: NeighAction[] = [];
    const p = this.params;
    for (let id = 0; id < p.maxEntries; id++) {
      if (this.state[id] === NUD_NONE) continue;
      // Timers can be overdue by several periods if tick is called late: run them in order.
      while (this.timer[id]! <= now) this.fire(id, this.timer[id]!, out);
    }
    return out;
  }

  private fire(id: number, at: number, out: NeighAction[]): void {
    const p = this.params;
    const s = this.state[id]!;
    let next = at + p.retransTime;
    if (s & NUD_REACHABLE) {
      if (at < this.confirmed[id]! + this.reachableTime) next = this.confirmed[id]! + this.reachableTime;
      else if (at < this.used[id]! + p.delayFirstProbeTime) {
        this.state[id] = NUD_DELAY;
        this.updated[id] = at;
        next = at + p.delayFirstProbeTime;
      } else {
        this.state[id] = NUD_STALE;
        this.updated[id] = at;
        this.timer[id] = Infinity;
        return;
      }
    } else if (s & NUD_DELAY) {
      if (at < this.confirmed[id]! + p.delayFirstProbeTime) {
        this.state[id] = NUD_REACHABLE;
        this.updated[id] = at;
        next = this.confirmed[id]! + this.reachableTime;
      } else {
        this.state[id] = NUD_PROBE;
        this.updated[id] = at;
        this.probes[id] = 0;
        next = at + p.retransTime;
      }
    }
    const s2 = this.state[id]!;
    if (s2 & (NUD_INCOMPLETE | NUD_PROBE)) {
      const max = p.ucastSolicit + (s2 & NUD_PROBE ? 0 : p.mcastSolicit); // mcast_resolicit = 0
      if (this.probes[id]! >= max) {
        this.state[id] = NUD_FAILED;
        this.updated[id] = at;
        this.timer[id] = Infinity;
        const q = this.queue[id];
        this.queue[id] = null;
        this.queueBytes[id] = 0;
        out.push({ kind: 'failed', ip: this.ip[id]!, ifindex: this.ifx[id]!, packets: q ?? [] });
        return;
      }
    }
    this.timer[id] = next;
    if (s2 & (NUD_INCOMPLETE | NUD_PROBE)) out.push(this.probe(id));
  }

  /** Earliest time tick() has work to do (ns), or Infinity. */
  nextDeadline(): number {
    let t = Infinity;
    for (let id = 0; id < this.params.maxEntries; id++) if (this.timer[id]! < t) t = this.timer[id]!;
    return t;
  }

  /** `ip neigh add|replace IP lladdr MAC dev D nud permanent|noarp|reachable|stale`. */
  add(ip: number, mac: number, ifindex: number, now: number, nud: number = NUD_PERMANENT, replace = false): void {
    let id = this.findId(ip, ifindex);
    if (id >= 0 && !replace) throw new NeighborError(NEIGH_EEXIST);
    if (id < 0) id = this.create(ip, ifindex, now);
    if (id < 0) throw new NeighborError('RTNETLINK answers: No buffer space available');
    this.state[id] = nud;
    this.setMac(id, mac);
    this.updated[id] = now;
    this.timer[id] = nud & NUD_IN_TIMER ? now + (nud & NUD_REACHABLE ? this.reachableTime : 0) : Infinity;
    if (nud & NUD_CONNECTED) this.confirmed[id] = now;
  }

  /** Removes and returns an entry's queued packets (e.g. after `add` resolved it by hand). */
  takeQueue(ip: number, ifindex = 0): Uint8Array[] {
    const id = this.findId(ip, ifindex);
    if (id < 0) return [];
    const q = this.queue[id] ?? [];
    this.queue[id] = null;
    this.queueBytes[id] = 0;
    return q;
  }

  /** `ip neigh del IP dev D`. */
  del(ip: number, ifindex: number): void {
    const id = this.findId(ip, ifindex);
    if (id < 0) throw new NeighborError(NEIGH_ENOENT);
    this.remove(id);
  }

  /** Link down/deleted: the kernel drops all of its entries (neigh_ifdown), permanent ones included. */
  flushDev(ifindex: number): number {
    let n = 0;
    for (let id = 0; id < this.params.maxEntries; id++)
      if (this.state[id] !== NUD_NONE && this.ifx[id] === ifindex) {
        this.remove(id);
        n++;
      }
    return n;
  }

  entries(): NeighEntry[] {
    const out: NeighEntry[] = [];
    for (let i = 0; i <= this.idxMask; i++) {
      const id = this.idxId[i]!;
      if (id < 0) continue;
      out.push({
        ip: this.ip[id]!,
        ifindex: this.ifx[id]!,
        mac: this.state[id]! & NUD_VALID ? this.mac[id]! : -1,
        state: nudName(this.state[id]!),
        queued: this.queue[id]?.length ?? 0,
        updated: this.updated[id]!,
        confirmed: this.confirmed[id]!,
        used: this.used[id]!,
      });
    }
    return out;
  }
}

function hashIp(ip: number): number {
  // Same bits for int32 and uint32 input; an int32 result (callers mask it) is never boxed.
  const h = Math.imul(ip ^ (ip >>> 16), 0x7feb352d);
  return h ^ (h >>> 15);
}

// ---- listings -----------------------------------------------------------------------------------

/** `ip neigh show` line: `192.168.12.2 dev veth-red lladdr aa:bb:cc:dd:ee:ff REACHABLE`. */
export function formatNeigh(e: NeighEntry, dev: string): string {
  let s = `${ipv4ToString(e.ip)} dev ${dev}`;
  if (e.mac >= 0) s += ` lladdr ${macToString(e.mac)}`;
  return `${s} ${e.state}`;
}

/** `ip neigh show` (iproute2 hides NOARP entries unless `nud all`; its trailing spaces trimmed). */
export function formatNeighs(entries: readonly NeighEntry[], devName: (ifindex: number) => string): string {
  let s = '';
  for (const e of entries) if (e.state !== 'NOARP' && e.state !== 'NONE') s += formatNeigh(e, devName(e.ifindex)) + '\n';
  return s;
}

/**
 * `arp -n` (net-tools 2.10): unresolved (INCOMPLETE/FAILED) entries print `(incomplete)`; flags C
 * (complete) and M (permanent); NOARP entries are not listed.
 */
export function formatArpN(entries: readonly NeighEntry[], devName: (ifindex: number) => string): string {
  const row = (a: string, t: string, hw: string, f: string, m: string, i: string) =>
    `${a.padEnd(24)} ${t.padEnd(7)} ${hw.padEnd(19)} ${f.padEnd(5)} ${m.padEnd(15)} ${i}\n`;
  let s = row('Address', 'HWtype', 'HWaddress', 'Flags', 'Mask', 'Iface');
  for (const e of entries) {
    if (e.state === 'NOARP' || e.state === 'NONE') continue;
    const dev = devName(e.ifindex);
    if (e.mac < 0) s += row(ipv4ToString(e.ip), '', '(incomplete)', '', '', dev);
    else s += row(ipv4ToString(e.ip), 'ether', macToString(e.mac), e.state === 'PERMANENT' ? 'CM' : 'C', '', dev);
  }
  return s;
}
