// Which peer owns which MAC (Weave's router/mac_cache.go: a MAC learned on the local bridge belongs
// to us, one seen as the source of a frame another peer captured belongs to that peer). Entries
// carry the time they were last confirmed; Weave expires them after 10 minutes of silence
// (macMaxAge), and so do we, checked against an explicit `now` (ns) — no timers.
//
// MACs are 48-bit numbers (Map keys); owners are peer names (48-bit numbers as well).
export const MAC_MAX_AGE_NS = 10 * 60 * 1e9;

export class MacTable {
  private readonly owner = new Map<number, number>();
  private readonly seen = new Map<number, number>();

  /**
   * Records that `mac` is behind `peer` at `now`. Returns 'new' for an unknown MAC, 'moved' when it
   * was owned by another peer (a pod that moved, or a stale entry), else 'same'.
   */
  learn(mac: number, peer: number, now: number): 'new' | 'moved' | 'same' {
    const cur = this.owner.get(mac);
    this.seen.set(mac, now);
    if (cur === peer) return 'same';
    this.owner.set(mac, peer);
    return cur === undefined ? 'new' : 'moved';
  }

  /** The owning peer, or -1 when unknown or expired. */
  lookup(mac: number, now: number): number {
    const p = this.owner.get(mac);
    if (p === undefined) return -1;
    if (now - this.seen.get(mac)! > MAC_MAX_AGE_NS) {
      this.owner.delete(mac);
      this.seen.delete(mac);
      return -1;
    }
    return p;
  }

  /** All entries (mac, owner), sorted by MAC (for status listings). */
  entries(): [number, number][] {
    return [...this.owner.entries()].sort((a, b) => a[0] - b[0]);
  }

  get size(): number {
    return this.owner.size;
  }
}
