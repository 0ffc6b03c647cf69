// Weave-style peer topology and its gossip (control plane; nothing here is on the per-frame path).
//
// What Weave does: every router keeps a TCP connection (port 6783) to each peer it knows, speaks the
// mesh protocol on it and gossips the topology: per peer its name (6-byte, MAC-like), nickname, a
// 12-bit short ID (for fastdp's VNI), a version it alone increments, and its connections. A router
// also connects to the peers it hears about (the "connection maker"), so a cluster started with
// partial peer lists becomes a full mesh. Weave does not gossip MAC addresses: it learns them from
// the capturing peer of each frame it receives.
//
// What we model: the lab has no TCP, so control messages travel as UDP datagrams to port 6783 — the
// sleeve port — as a sleeve "special frame" (all-zero destination and source MAC, EtherType/length
// 0; Weave's sleeve uses exactly such frames for its UDP heartbeats and PMTU probes). After those
// 14 bytes comes a tag byte (GOSSIP_TAG) and the state as UTF-8 JSON:
//
//   sleeve: sender(6) | capturer=sender(6) | destination=recipient(6) | length(2) |
//           00:00:00:00:00:00 00:00:00:00:00:00 0000 | 0x01 | {"peers":[PeerEntry…]}
//
// Each PeerEntry is owned by its peer: only it bumps `version`, and receivers keep the entry with
// the highest version (a last-writer-wins map per peer: merging is commutative and idempotent, so
// gossip converges). Besides the topology an entry lists the MACs the peer owns (learned from frames
// its bridge handed to the router) — gossiped so that every router knows every pod MAC before the
// first unicast, which Weave itself would only learn from traffic.
import { macToString, parseMac } from '../ethernet/mac.ts';

export const GOSSIP_TAG = 0x01;

export interface PeerEntry {
  /** Peer name as a 48-bit number (Weave: a MAC-like name). */
  name: number;
  nickname: string;
  shortId: number;
  /** Underlay address (uint32) other peers send to. */
  addr: number;
  version: number;
  /** Names of the peers this one has a working connection to. */
  conns: number[];
  /** MACs owned by (local to) this peer. */
  macs: number[];
}

interface WirePeer {
  name: string;
  nickname: string;
  shortId: number;
  addr: number;
  version: number;
  conns: string[];
  macs: string[];
}

/** The topology as one router sees it: its own entry plus the newest entry heard for every other peer. */
export class Topology {
  readonly peers = new Map<number, PeerEntry>();

  constructor(readonly self: PeerEntry) {
    this.peers.set(self.name, self);
  }

  /** Own entry changed: bump the version so that every receiver replaces its copy. */
  touch(): void {
    this.self.version++;
  }

  /** Merges received entries; returns whether anything changed (then the caller re-gossips). */
  merge(entries: readonly PeerEntry[]): boolean {
    let changed = false;
    for (const e of entries) {
      if (e.name === this.self.name) continue; // only we write our own entry
      const cur = this.peers.get(e.name);
      if (!cur || e.version > cur.version) {
        this.peers.set(e.name, e);
        changed = true;
      }
    }
    return changed;
  }

  /** Peer owning `mac` according to the gossiped MAC lists, or -1. */
  ownerOf(mac: number): number {
    for (const p of this.peers.values()) if (p.macs.includes(mac)) return p.name;
    return -1;
  }

  byShortId(id: number): PeerEntry | undefined {
    for (const p of this.peers.values()) if (p.shortId === id) return p;
    return undefined;
  }

  /** Entries sorted by name (stable output and IPAM consensus order). */
  sorted(): PeerEntry[] {
    return [...this.peers.values()].sort((a, b) => a.name - b.name);
  }

  encode(): Uint8Array {
    const peers: WirePeer[] = this.sorted().map((p) => ({
      name: macToString(p.name), nickname: p.nickname, shortId: p.shortId, addr: p.addr, version: p.version,
      conns: p.conns.map(macToString), macs: p.macs.map(macToString),
    }));
    return new TextEncoder().encode(JSON.stringify({ peers }));
  }
}

/** Decodes a gossip body (after the tag byte); null when it is not valid gossip. */
export function decodeGossip(b: Uint8Array): PeerEntry[] | null {
  try {
    const j = JSON.parse(new TextDecoder().decode(b)) as { peers?: WirePeer[] };
    if (!Array.isArray(j.peers)) return null;
    return j.peers.map((p) => ({
      name: parseMac(p.name), nickname: String(p.nickname), shortId: p.shortId | 0, addr: p.addr >>> 0, version: p.version | 0,
      conns: p.conns.map(parseMac), macs: p.macs.map(parseMac),
    }));
  } catch {
    return null;
  }
}
