// Neighbour (ARP) entries and their listings. States and timings follow Linux's NUD machine
// (RFC 1122 §2.3.2.1 / RFC 4861-style): INCOMPLETE → REACHABLE → STALE → DELAY → PROBE → FAILED.
// A local adapter: src/arp/neighbor-cache.ts had not landed when the lab was written.
import { ipv4ToString } from '../ip/address.ts';
import { macToString } from '../ethernet/mac.ts';
import type { NetDevice } from './net-device.ts';
import type { TimerHandle } from './scheduler.ts';

export type NeighState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'PERMANENT';

/** Kernel defaults (net.ipv4.neigh.default.*). */
export const NEIGH = {
  REACHABLE_NS: 30e9, // base_reachable_time
  RETRANS_NS: 1e9, // retrans_time
  DELAY_NS: 5e9, // delay_first_probe_time
  MCAST_SOLICIT: 3,
  UCAST_SOLICIT: 3,
  QUEUE_MAX: 101, // unres_qlen
} as const;

export interface Neigh {
  ip: number;
  dev: NetDevice;
  mac: number;
  state: NeighState;
  confirmed: number;
  probes: number;
  timer: TimerHandle | null;
  /** Copies of IP packets (no link header) waiting for resolution. */
  queue: Uint8Array[];
}

export function formatNeigh(n: Neigh): string {
  const ll = n.state === 'INCOMPLETE' || n.state === 'FAILED' ? '' : ` lladdr ${macToString(n.mac)}`;
  return `${ipv4ToString(n.ip)} dev ${n.dev.name}${ll} ${n.state} `;
}

/** net-tools `arp -n`. */
export function formatArpN(rows: Neigh[]): string[] {
  if (rows.length === 0) return [];
  const out = ['Address                  HWtype  HWaddress           Flags Mask            Iface'];
  for (const n of rows) {
    const incomplete = n.state === 'INCOMPLETE' || n.state === 'FAILED';
    out.push(
      `${ipv4ToString(n.ip).padEnd(25)}${(incomplete ? '' : 'ether').padEnd(8)}${(incomplete ? '(incomplete)' : macToString(n.mac)).padEnd(20)}${(incomplete ? '' : n.state === 'PERMANENT' ? 'CM' : 'C').padEnd(6)}${''.padEnd(16)}${n.dev.name}`,
    );
  }
  return out;
}
