// The VTEP forwarding database of a vxlan device: inner MAC → remote VTEP(s), as Linux's vxlan driver
// keeps it (drivers/net/vxlan) and `bridge fdb … dev vxlan0` edits it.
//
// - The all-zeros MAC holds the default destinations: `remote IP` at link creation installs one,
//   `bridge fdb append 00:00:00:00:00:00 dst IP dev vxlan0` adds more. Frames whose destination MAC
//   has no entry (unknown unicast, broadcast, multicast) are sent to every one of them (head-end
//   replication), as vxlan_xmit does when the lookup misses.
// - Learning (on unless `nolearning`): a received frame's inner source MAC is bound to the outer source
//   IP (vxlan_snoop). A dynamic entry that moves is updated; a permanent one is not moved and the
//   frame is dropped (Linux: "Don't migrate static entries, drop packets").
// - Ageing: dynamic entries not refreshed for `ageing` seconds (default 300, `ip … ageing`) are removed
//   by age(now); permanent ones stay. Time is the caller's `now` in milliseconds.
// - `bridge fdb show` lines: `MAC [dev DEV ]dst IP[ port P][ vni V][ via DEV] self[ permanent]` —
//   checked against a kernel vxlan device (test/encap/vxlan-fdb.test.ts).
import { macToString, isZeroMac, isMulticast } from '../ethernet/mac.ts';
import { ipv4ToString } from '../ip/address.ts';

export const VXLAN_DEFAULT_AGEING_S = 300;
export const ALL_ZEROS_MAC = 0;

export interface VxlanRemote {
  ip: number;
  /** Per-entry UDP port (`port P`); undefined → the device's dstport. */
  port?: number;
  /** Per-entry VNI (`vni V`); undefined → the device's id. */
  vni?: number;
  /** Underlay device (`via DEV`), set for the entry `dev DEV` at link creation makes. */
  via?: string;
}

export interface VxlanFdbEntry {
  mac: number;
  remotes: VxlanRemote[];
  permanent: boolean;
  /** Last time (ms) the entry was created or refreshed by a received frame. */
  updated: number;
  /** Last time (ms) a transmitted frame used it. */
  used: number;
}

export type LearnResult = 'ignored' | 'known' | 'new' | 'moved' | 'drop';

export class VxlanFdbError extends Error {}
export const VXLAN_FDB_EEXIST = 'RTNETLINK answers: File exists';
export const VXLAN_FDB_ENOENT = 'RTNETLINK answers: No such file or directory';

export interface VxlanFdbOptions {
  learning?: boolean;
  ageingSeconds?: number;
}

export class VxlanFdb {
  learning: boolean;
  ageingMs: number;
  private readonly table = new Map<number, VxlanFdbEntry>();
  /** Kept between calls so a miss on the fast path allocates nothing. */
  private static readonly NONE: readonly VxlanRemote[] = [];

  constructor(opts: VxlanFdbOptions = {}) {
    this.learning = opts.learning ?? true;
    this.ageingMs = (opts.ageingSeconds ?? VXLAN_DEFAULT_AGEING_S) * 1000;
  }

  get size(): number {
    return this.table.size;
  }

  /** `bridge fdb add`: a new entry (permanent unless dynamic); EEXIST if the MAC has one. */
  add(mac: number, remote: VxlanRemote, now: number, opts: { dynamic?: boolean } = {}): void {
    if (this.table.has(mac)) throw new VxlanFdbError(VXLAN_FDB_EEXIST);
    this.table.set(mac, { mac, remotes: [{ ...remote }], permanent: !opts.dynamic, updated: now, used: now });
  }

  /** `bridge fdb append`: adds a remote to the MAC's list (creating a permanent entry); EEXIST if that remote is listed. */
  append(mac: number, remote: VxlanRemote, now: number): void {
    const e = this.table.get(mac);
    if (!e) {
      this.table.set(mac, { mac, remotes: [{ ...remote }], permanent: true, updated: now, used: now });
      return;
    }
    if (e.remotes.some((r) => sameRemote(r, remote))) throw new VxlanFdbError(VXLAN_FDB_EEXIST);
    e.remotes.push({ ...remote });
  }

  /** `bridge fdb replace`: the MAC's first remote becomes `remote` (or a new entry). */
  replace(mac: number, remote: VxlanRemote, now: number, opts: { dynamic?: boolean } = {}): void {
    const e = this.table.get(mac);
    if (!e) return this.add(mac, remote, now, opts);
    e.remotes[0] = { ...remote };
    e.permanent = !opts.dynamic;
    e.updated = now;
  }

  /** `bridge fdb del MAC [dst IP]`: removes one remote, or the whole entry; ENOENT if absent. */
  del(mac: number, ip?: number): void {
    const e = this.table.get(mac);
    if (!e) throw new VxlanFdbError(VXLAN_FDB_ENOENT);
    if (ip === undefined) {
      this.table.delete(mac);
      return;
    }
    const i = e.remotes.findIndex((r) => r.ip === ip >>> 0);
    if (i < 0) throw new VxlanFdbError(VXLAN_FDB_ENOENT);
    e.remotes.splice(i, 1);
    if (e.remotes.length === 0) this.table.delete(mac);
  }

  get(mac: number): VxlanFdbEntry | undefined {
    return this.table.get(mac);
  }

  /**
   * Where a frame for `dst` goes: the entry's remotes, else the all-zeros (default) list, else none
   * (the frame is dropped). Broadcast and multicast have no entries of their own here, so they use
   * the default list. Expired dynamic entries are treated as absent even before age() removes them.
   */
  lookup(dst: number, now: number): readonly VxlanRemote[] {
    const e = this.table.get(dst);
    if (e && (e.permanent || now - e.updated < this.ageingMs)) {
      e.used = now;
      return e.remotes;
    }
    const d = this.table.get(ALL_ZEROS_MAC);
    if (d) {
      d.used = now;
      return d.remotes;
    }
    return VxlanFdb.NONE;
  }

  /**
   * vxlan_snoop: binds the inner source MAC of a received frame to the outer source IP. 'drop' means a
   * permanent entry names another VTEP and the frame must be dropped. Multicast/zero sources and
   * learning off → 'ignored'.
   */
  learn(src: number, remoteIp: number, now: number): LearnResult {
    if (!this.learning || isZeroMac(src) || isMulticast(src)) return 'ignored';
    const ip = remoteIp >>> 0;
    const e = this.table.get(src);
    if (e) {
      const first = e.remotes[0];
      if (first && first.ip === ip) {
        if (!e.permanent) e.updated = now;
        return 'known';
      }
      if (e.permanent) return 'drop';
      e.remotes.length = 1;
      e.remotes[0] = { ip };
      e.updated = now;
      return 'moved';
    }
    this.table.set(src, { mac: src, remotes: [{ ip }], permanent: false, updated: now, used: now });
    return 'new';
  }

  /** Removes dynamic entries idle for the ageing time (vxlan_cleanup); returns how many. */
  age(now: number): number {
    let n = 0;
    for (const [mac, e] of this.table) {
      if (!e.permanent && now - e.updated >= this.ageingMs) {
        this.table.delete(mac);
        n++;
      }
    }
    return n;
  }

  /** Every entry, in insertion order (the kernel walks its hash table, so its order differs). */
  entries(): VxlanFdbEntry[] {
    return [...this.table.values()];
  }

  /** `bridge fdb show [dev DEV]` lines: with `dev` given the lines omit it, as iproute2 does. */
  show(devName: string, filteredByDev = true): string[] {
    const out: string[] = [];
    for (const e of this.table.values()) for (const r of e.remotes) out.push(formatVxlanFdbLine(e, r, filteredByDev ? null : devName));
    return out;
  }
}

function sameRemote(a: VxlanRemote, b: VxlanRemote): boolean {
  return a.ip === b.ip >>> 0 && a.port === b.port && a.vni === b.vni;
}

/** One line as iproute2 prints a vxlan fdb entry (note the trailing space after a non-permanent "self"). */
export function formatVxlanFdbLine(e: VxlanFdbEntry, r: VxlanRemote, dev: string | null): string {
  let s = macToString(e.mac);
  if (dev !== null) s += ` dev ${dev}`;
  s += ` dst ${ipv4ToString(r.ip)}`;
  if (r.port !== undefined) s += ` port ${r.port}`;
  if (r.vni !== undefined) s += ` vni ${r.vni}`;
  if (r.via !== undefined) s += ` via ${r.via}`;
  s += ' self ';
  if (e.permanent) s += 'permanent';
  return s;
}
