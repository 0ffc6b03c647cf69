// Connection tracking table (kernel nf_conntrack): one entry per flow holding the ORIGINAL tuple
// (as the first packet saw it) and the REPLY tuple (what an answer looks like after NAT), a status
// word, a protocol state and an absolute expiry time. Both tuples are hashed into one
// open-addressing index so a packet in either direction finds its entry with one probe sequence.
//
// Storage is structure-of-arrays over typed arrays sized once from `max` (nf_conntrack_max), so
// memory is bounded and an established packet allocates nothing. Time is an explicit `now`
// (seconds); nothing here runs on a timer: expired entries are reaped when met (lookup, early
// drop) or by gc(now, budget).
import { Dir, PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Tuple, formatTuple, ctProtoName } from './tuple.ts';

/** ctinfo as rules see it (`-m conntrack --ctstate`), as a bit for cheap mask tests. */
export const CtState = { INVALID: 1, NEW: 2, ESTABLISHED: 4, RELATED: 8, UNTRACKED: 16, SNAT: 32, DNAT: 64 } as const;

/** Status bits (kernel IPS_*). */
export const CtStatus = {
  SEEN_REPLY: 1 << 1,
  ASSURED: 1 << 2,
  CONFIRMED: 1 << 3,
  SRC_NAT: 1 << 4,
  DST_NAT: 1 << 5,
  SRC_NAT_DONE: 1 << 7,
  DST_NAT_DONE: 1 << 8,
  ALIVE: 1 << 14, // slot in use (ours, not the kernel's)
} as const;

/** TCP conntrack states in the kernel's order (tcp_conntrack_names). */
export const TcpState = {
  NONE: 0, SYN_SENT: 1, SYN_RECV: 2, ESTABLISHED: 3, FIN_WAIT: 4, CLOSE_WAIT: 5, LAST_ACK: 6, TIME_WAIT: 7, CLOSE: 8, SYN_SENT2: 9,
} as const;
export const TCP_STATE_NAMES = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'];

/** Kernel default timeouts in seconds (nf_conntrack_proto_{udp,icmp,tcp,generic}.c). */
export const Timeouts = {
  udpUnreplied: 30,
  udpStream: 120,
  icmp: 30,
  generic: 600,
  /** indexed by TcpState */
  tcp: [0, 120, 60, 432000, 120, 60, 30, 120, 10, 120],
};

/** Reasons a packet was counted rather than tracked (like `conntrack -S`). */
export interface CtStats {
  found: number;
  new: number;
  invalid: number;
  /** table full and nothing evictable: the packet is dropped ("nf_conntrack: table full, dropping packet") */
  drop: number;
  early_drop: number;
  expired: number;
  /** malformed or truncated transport headers */
  truncated: number;
}

const EMPTY = 0;

export interface ConntrackOptions {
  /** nf_conntrack_max; the table never holds more entries. */
  max?: number;
  /** hash seed (kernel: nf_conntrack_hash_rnd) */
  seed?: number;
}

export class Conntrack {
  readonly max: number;
  count = 0;
  readonly stats: CtStats = { found: 0, new: 0, invalid: 0, drop: 0, early_drop: 0, expired: 0, truncated: 0 };
  /** This table's timeouts (per netns in the kernel: net.netfilter.nf_conntrack_*_timeout). */
  readonly timeouts = { ...Timeouts, tcp: Timeouts.tcp.slice() };

  // per tuple slot (entry * 2 + dir)
  readonly tSrc: Uint32Array;
  readonly tDst: Uint32Array;
  readonly tSport: Uint16Array;
  readonly tDport: Uint16Array;
  // per entry
  readonly proto: Uint8Array;
  readonly status: Uint16Array;
  readonly tcpState: Uint8Array;
  /** direction of the first FIN seen (TCP close tracking) */
  readonly finDir: Uint8Array;
  readonly expires: Float64Array;
  /** UDP: replies later than this make the flow a stream (kernel stream_ts = first packet + 2 s) */
  readonly streamTs: Float64Array;
  readonly mark: Uint32Array;
  /** The rule that set up the SNAT (index 0) and DNAT (index 1) manips, for comments; -1 = none. */
  readonly natRule: Int32Array;
  /** packets/bytes per direction (nf_conntrack_acct) */
  readonly packets: Float64Array;
  readonly bytes: Float64Array;

  private readonly index: Int32Array; // slot + 1, EMPTY = 0
  private readonly mask: number;
  private readonly free: Int32Array;
  private freeTop: number;
  private readonly seed: number;
  private hand = 0;

  constructor(opts: ConntrackOptions = {}) {
    const max = (this.max = Math.max(1, opts.max ?? 65536));
    this.seed = (opts.seed ?? 0x9e3779b9) | 0;
    this.tSrc = new Uint32Array(max * 2);
    this.tDst = new Uint32Array(max * 2);
    this.tSport = new Uint16Array(max * 2);
    this.tDport = new Uint16Array(max * 2);
    this.proto = new Uint8Array(max);
    this.status = new Uint16Array(max);
    this.tcpState = new Uint8Array(max);
    this.finDir = new Uint8Array(max);
    this.expires = new Float64Array(max);
    this.streamTs = new Float64Array(max);
    this.mark = new Uint32Array(max);
    this.natRule = new Int32Array(max * 2).fill(-1);
    this.packets = new Float64Array(max * 2);
    this.bytes = new Float64Array(max * 2);
    // 2 tuples per entry, load factor at most 1/2
    let size = 4;
    while (size < max * 4) size <<= 1;
    this.index = new Int32Array(size);
    this.mask = size - 1;
    this.free = new Int32Array(max);
    for (let i = 0; i < max; i++) this.free[i] = max - 1 - i;
    this.freeTop = max;
  }

  /** Bytes held by the table (fixed at construction: memory is bounded by max). */
  get memoryBytes(): number {
    return this.tSrc.byteLength * 2 + this.tSport.byteLength * 2 + this.proto.byteLength * 3 + this.status.byteLength
      + this.expires.byteLength * 2 + this.mark.byteLength + this.natRule.byteLength + this.packets.byteLength * 2
      + this.index.byteLength + this.free.byteLength;
  }

  private hash(src: number, dst: number, sport: number, dport: number, proto: number): number {
    let h = this.seed ^ proto;
    h = Math.imul(h ^ src, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ dst, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ ((sport << 16) | dport), 0x27d4eb2f);
    h ^= h >>> 15;
    return h & this.mask;
  }

  // Addresses are taken as uint32 or int32 alike (hashed and compared as int32): the fast path
  // passes int32, since a uint32 ≥ 2^31 handed to a call that is not inlined is a heap number.

  /**
   * The tuple slot (entry * 2 + direction) whose tuple equals the arguments, or -1. An expired
   * entry met here is deleted and reported as absent (the kernel's lazy reaping in lookup).
   */
  lookup(src: number, dst: number, sport: number, dport: number, proto: number, now: number): number {
    const idx = this.index;
    let i = this.hash(src, dst, sport, dport, proto);
    for (;;) {
      const v = idx[i]!;
      if (v === EMPTY) return -1;
      const s = v - 1;
      if ((this.tSrc[s]! | 0) === (src | 0) && (this.tDst[s]! | 0) === (dst | 0) && this.tSport[s] === sport && this.tDport[s] === dport && this.proto[s >> 1] === proto) {
        const e = s >> 1;
        if (this.expires[e]! <= now) {
          this.stats.expired++;
          this.delete(e);
          return -1;
        }
        return s;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** True when some live entry other than `ignore` already uses this tuple (nf_conntrack_tuple_taken). */
  tupleTaken(src: number, dst: number, sport: number, dport: number, proto: number, ignore: number, now: number): boolean {
    const s = this.lookup(src, dst, sport, dport, proto, now);
    return s >= 0 && s >> 1 !== ignore;
  }

  private insertSlot(s: number): void {
    let i = this.hash(this.tSrc[s]!, this.tDst[s]!, this.tSport[s]!, this.tDport[s]!, this.proto[s >> 1]!);
    while (this.index[i] !== EMPTY) i = (i + 1) & this.mask;
    this.index[i] = s + 1;
  }

  /** Linear-probing deletion by backward shift (no tombstones, so probe chains never rot). */
  private removeSlot(s: number): void {
    const idx = this.index;
    const m = this.mask;
    let i = this.hash(this.tSrc[s]!, this.tDst[s]!, this.tSport[s]!, this.tDport[s]!, this.proto[s >> 1]!);
    while (idx[i] !== s + 1) {
      if (idx[i] === EMPTY) return; // not indexed (cannot happen for a live entry)
      i = (i + 1) & m;
    }
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      const v = idx[j]!;
      if (v === EMPTY) break;
      const o = v - 1;
      const home = this.hash(this.tSrc[o]!, this.tDst[o]!, this.tSport[o]!, this.tDport[o]!, this.proto[o >> 1]!);
      // move o into the hole unless its home lies cyclically in (hole, j]
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        idx[hole] = v;
        hole = j;
      }
    }
    idx[hole] = EMPTY;
  }

  /**
   * Creates an entry for the original tuple with the plain inverse as reply tuple (NAT may change
   * it later with setReply). When the table is full, first evicts an expired or unassured entry
   * (early_drop); returns -1 when nothing could be evicted (the packet must be dropped).
   */
  create(src: number, dst: number, sport: number, dport: number, proto: number, rsport: number, rdport: number, now: number): number {
    if (this.freeTop === 0 && !this.earlyDrop(now)) {
      this.stats.drop++;
      return -1;
    }
    const e = this.free[--this.freeTop]!;
    const o = e * 2;
    const r = o + 1;
    this.proto[e] = proto;
    this.tSrc[o] = src; this.tDst[o] = dst; this.tSport[o] = sport; this.tDport[o] = dport;
    this.tSrc[r] = dst; this.tDst[r] = src; this.tSport[r] = rsport; this.tDport[r] = rdport;
    this.status[e] = CtStatus.ALIVE;
    this.tcpState[e] = TcpState.NONE;
    this.finDir[e] = 0;
    this.expires[e] = now + (proto === PROTO_UDP ? this.timeouts.udpUnreplied : proto === PROTO_ICMP ? this.timeouts.icmp : this.timeouts.generic);
    this.streamTs[e] = now + 2;
    this.mark[e] = 0;
    this.natRule[o] = -1; this.natRule[r] = -1;
    this.packets[o] = 0; this.packets[r] = 0; this.bytes[o] = 0; this.bytes[r] = 0;
    this.insertSlot(o);
    this.insertSlot(r);
    this.count++;
    this.stats.new++;
    return e;
  }

  /** Rewrites the reply tuple (NAT setup: nf_nat_setup_info changes what a reply will look like). */
  setReply(e: number, src: number, dst: number, sport: number, dport: number): void {
    const r = e * 2 + 1;
    this.removeSlot(r);
    this.tSrc[r] = src; this.tDst[r] = dst; this.tSport[r] = sport; this.tDport[r] = dport;
    this.insertSlot(r);
  }

  delete(e: number): void {
    if (!(this.status[e]! & CtStatus.ALIVE)) return;
    this.removeSlot(e * 2);
    this.removeSlot(e * 2 + 1);
    this.status[e] = 0;
    this.free[this.freeTop++] = e;
    this.count--;
  }

  isAlive(e: number): boolean {
    return (this.status[e]! & CtStatus.ALIVE) !== 0;
  }

  /**
   * Frees one slot when the table is full (kernel early_drop): an expired entry, else the first
   * entry that is not ASSURED, scanning a bounded window from a rotating hand. Assured flows are
   * never evicted, which is what keeps established connections alive through a flood.
   */
  private earlyDrop(now: number): boolean {
    const max = this.max;
    const window = Math.min(max, 512);
    for (let k = 0; k < window; k++) {
      const e = this.hand;
      this.hand = this.hand + 1 === max ? 0 : this.hand + 1;
      const st = this.status[e]!;
      if (!(st & CtStatus.ALIVE)) continue;
      if (this.expires[e]! <= now) {
        this.stats.expired++;
        this.delete(e);
        return true;
      }
      if (!(st & CtStatus.ASSURED)) {
        this.stats.early_drop++;
        this.delete(e);
        return true;
      }
    }
    return false;
  }

  /** Reaps up to `budget` expired entries; returns how many were removed. */
  gc(now: number, budget = this.max): number {
    let n = 0;
    for (let e = 0; e < this.max && n < budget; e++) {
      if (this.status[e]! & CtStatus.ALIVE && this.expires[e]! <= now) {
        this.delete(e);
        this.stats.expired++;
        n++;
      }
    }
    return n;
  }

  flush(): number {
    let n = 0;
    for (let e = 0; e < this.max; e++) if (this.status[e]! & CtStatus.ALIVE) { this.delete(e); n++; }
    return n;
  }

  /**
   * Protocol state update for a packet of entry `e` in direction `dir` (nf_conntrack_in's
   * l4proto->packet): refreshes the timeout, sets SEEN_REPLY/ASSURED. `tcpFlags` is the TCP flag
   * byte (ignored for other protocols). Returns false when the packet is INVALID for the state
   * (the kernel leaves the entry alone and marks the packet invalid).
   */
  update(e: number, dir: number, tcpFlags: number, len: number, now: number): boolean {
    const p = this.proto[e]!;
    const s = e * 2 + dir;
    this.packets[s]++;
    this.bytes[s] += len;
    let st = this.status[e]!;
    if (dir === Dir.REPLY && !(st & CtStatus.SEEN_REPLY)) st |= CtStatus.SEEN_REPLY;
    if (p === PROTO_UDP) {
      if (st & CtStatus.SEEN_REPLY) {
        // still talking 2 s after the first packet: a stream, kept 120 s and assured
        if (now > this.streamTs[e]!) {
          this.expires[e] = now + this.timeouts.udpStream;
          st |= CtStatus.ASSURED;
        } else this.expires[e] = now + this.timeouts.udpUnreplied;
      } else this.expires[e] = now + this.timeouts.udpUnreplied;
    } else if (p === PROTO_TCP) {
      const ns = tcpNext(this.tcpState[e]!, dir, tcpFlags, this.finDir[e]!);
      if (ns < 0) {
        this.status[e] = st;
        return false;
      }
      if ((tcpFlags & FIN) && (this.tcpState[e] === TcpState.ESTABLISHED)) this.finDir[e] = dir;
      this.tcpState[e] = ns;
      // assured once the handshake completes (kernel: SYN_RECV → ESTABLISHED)
      if (ns === TcpState.ESTABLISHED && st & CtStatus.SEEN_REPLY) st |= CtStatus.ASSURED;
      this.expires[e] = now + this.timeouts.tcp[ns]!;
    } else if (p === PROTO_ICMP) {
      this.expires[e] = now + this.timeouts.icmp;
    } else {
      this.expires[e] = now + this.timeouts.generic;
      if (st & CtStatus.SEEN_REPLY) st |= CtStatus.ASSURED;
    }
    this.status[e] = st;
    return true;
  }

  /** The tuple of a slot, as an object (control plane only). */
  tuple(s: number): Tuple {
    return { src: this.tSrc[s]!, dst: this.tDst[s]!, sport: this.tSport[s]!, dport: this.tDport[s]!, proto: this.proto[s >> 1]! };
  }

  /** Live entry indices in table order (conntrack -L). */
  entries(now: number): number[] {
    const out: number[] = [];
    for (let e = 0; e < this.max; e++) if (this.status[e]! & CtStatus.ALIVE && this.expires[e]! > now) out.push(e);
    return out;
  }

  /**
   * One line of `conntrack -L`: `udp      17 29 src=… dst=… sport=… dport=… [UNREPLIED] src=… … mark=0 use=1`.
   * The remaining lifetime is whole seconds rounded the way a listing a moment after the packet shows it.
   */
  format(e: number, now: number): string {
    const p = this.proto[e]!;
    const st = this.status[e]!;
    const left = Math.max(0, Math.ceil(this.expires[e]! - now) - 1);
    let s = `${ctProtoName(p).padEnd(8)} ${p} ${left} `;
    if (p === PROTO_TCP) s += `${TCP_STATE_NAMES[this.tcpState[e]!]} `;
    s += formatTuple(this.tuple(e * 2));
    if (!(st & CtStatus.SEEN_REPLY)) s += ' [UNREPLIED]';
    s += ' ' + formatTuple(this.tuple(e * 2 + 1));
    if (st & CtStatus.ASSURED) s += ' [ASSURED]';
    s += ` mark=${this.mark[e]} use=1`;
    return s;
  }
}

export const FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10;

/**
 * TCP state machine reduced from the kernel's tcp_conntracks table (nf_conntrack_proto_tcp.c):
 * returns the next state, or -1 for an invalid packet. Loose pickup (nf_conntrack_tcp_loose=1):
 * a bare ACK with no entry is taken as an ESTABLISHED connection seen mid-stream.
 */
export function tcpNext(state: number, dir: number, flags: number, finDir: number): number {
  const f = flags & (FIN | SYN | RST | ACK);
  if ((flags & (SYN | FIN)) === (SYN | FIN) || (flags & (SYN | RST)) === (SYN | RST)) return -1;
  if (f & RST) return state === TcpState.NONE ? -1 : TcpState.CLOSE;
  if (f & SYN) {
    if (f & ACK) {
      // SYN/ACK: answer to a SYN
      if (dir === Dir.REPLY && (state === TcpState.SYN_SENT || state === TcpState.SYN_RECV)) return TcpState.SYN_RECV;
      if (state === TcpState.SYN_SENT2) return TcpState.SYN_RECV;
      if (state === TcpState.ESTABLISHED || state === TcpState.SYN_RECV) return state; // retransmission
      return -1;
    }
    if (dir === Dir.ORIGINAL) {
      if (state === TcpState.NONE || state === TcpState.SYN_SENT || state === TcpState.CLOSE || state === TcpState.TIME_WAIT) return TcpState.SYN_SENT;
      return state === TcpState.SYN_RECV ? state : -1;
    }
    return state === TcpState.SYN_SENT ? TcpState.SYN_SENT2 : -1; // simultaneous open
  }
  if (f & FIN) {
    if (state === TcpState.NONE) return -1;
    if (state === TcpState.ESTABLISHED || state === TcpState.SYN_RECV) return TcpState.FIN_WAIT;
    if ((state === TcpState.FIN_WAIT || state === TcpState.CLOSE_WAIT) && dir !== finDir) return TcpState.LAST_ACK;
    return state;
  }
  if (f & ACK) {
    switch (state) {
      case TcpState.NONE: return TcpState.ESTABLISHED; // loose pickup
      case TcpState.SYN_RECV: return dir === Dir.ORIGINAL ? TcpState.ESTABLISHED : state;
      case TcpState.FIN_WAIT: return dir !== finDir ? TcpState.CLOSE_WAIT : state;
      case TcpState.LAST_ACK: return dir === finDir ? TcpState.TIME_WAIT : state;
      default: return state;
    }
  }
  return state === TcpState.NONE ? -1 : state;
}
