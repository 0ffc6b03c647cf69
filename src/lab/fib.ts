// The main routing table of a namespace: longest-prefix match over per-length hash maps (integer
// keys, only populated lengths scanned), lowest metric first within a prefix. A local adapter: the
// shared src/ip/route-table.ts had not landed when the lab was written.
import { prefixMask, ipv4ToString } from '../ip/address.ts';
import type { NetDevice } from './net-device.ts';

export interface Route {
  dst: number;
  len: number;
  /** 0 = directly connected (no gateway). */
  gw: number;
  dev: NetDevice;
  metric: number;
  proto: 'kernel' | 'boot' | 'static';
  scope: 'link' | 'global' | 'host';
  /** Preferred source, 0 if none. */
  src: number;
}

export class Fib {
  private readonly maps: (Map<number, Route[]> | undefined)[] = new Array(33);
  /** Populated prefix lengths, longest first. */
  private lens: number[] = [];
  private readonly masks: number[] = [];
  size = 0;

  constructor() {
    for (let l = 0; l <= 32; l++) this.masks[l] = prefixMask(l);
  }

  find(dst: number, len: number, metric: number): Route | undefined {
    return this.maps[len]?.get(dst)?.find((r) => r.metric === metric);
  }

  add(r: Route): void {
    let m = this.maps[r.len];
    if (!m) {
      m = this.maps[r.len] = new Map();
      this.lens.push(r.len);
      this.lens.sort((a, b) => b - a);
    }
    const arr = m.get(r.dst);
    if (arr) {
      arr.push(r);
      arr.sort((a, b) => a.metric - b.metric);
    } else m.set(r.dst, [r]);
    this.size++;
  }

  remove(r: Route): boolean {
    const arr = this.maps[r.len]?.get(r.dst);
    const i = arr ? arr.indexOf(r) : -1;
    if (i < 0) return false;
    arr!.splice(i, 1);
    if (arr!.length === 0) this.maps[r.len]!.delete(r.dst);
    this.size--;
    return true;
  }

  /** Longest-prefix match; no allocation. */
  lookup(dst: number): Route | undefined {
    const lens = this.lens;
    for (let i = 0; i < lens.length; i++) {
      const l = lens[i]!;
      const arr = this.maps[l]!.get((dst & this.masks[l]!) >>> 0);
      if (arr !== undefined && arr.length > 0) return arr[0];
    }
    return undefined;
  }

  all(): Route[] {
    const out: Route[] = [];
    for (const m of this.maps) if (m) for (const arr of m.values()) out.push(...arr);
    // fib trie order as `ip route` shows it: by destination, then prefix length, then metric
    return out.sort((a, b) => a.dst - b.dst || a.len - b.len || a.metric - b.metric);
  }

  removeIf(pred: (r: Route) => boolean): void {
    for (const r of this.all()) if (pred(r)) this.remove(r);
  }
}

/** One `ip route` line (iproute2 ends each with a space). */
export function formatIpRoute(r: Route): string {
  let s = r.len === 0 ? 'default' : r.len === 32 ? ipv4ToString(r.dst) : `${ipv4ToString(r.dst)}/${r.len}`;
  if (r.gw) s += ` via ${ipv4ToString(r.gw)}`;
  s += ` dev ${r.dev.name}`;
  if (r.proto !== 'boot') s += ` proto ${r.proto}`;
  if (r.scope !== 'global') s += ` scope ${r.scope}`;
  if (r.src) s += ` src ${ipv4ToString(r.src)}`;
  if (r.metric) s += ` metric ${r.metric}`;
  if (!r.dev.carrier) s += ' linkdown';
  return s + ' ';
}

/** `route -n` (net-tools) table. */
export function formatRouteN(routes: Route[]): string[] {
  const lines = ['Kernel IP routing table', 'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface'];
  for (const r of routes) {
    let flags = 'U';
    if (r.gw) flags += 'G';
    if (r.len === 32) flags += 'H';
    lines.push(
      `${ipv4ToString(r.dst).padEnd(15)} ${ipv4ToString(r.gw).padEnd(15)} ${ipv4ToString(prefixMask(r.len)).padEnd(15)} ${flags.padEnd(5)} ${String(r.metric).padEnd(6)} ${'0'.padEnd(2)} ${'0'.padStart(7)} ${r.dev.name}`,
    );
  }
  return lines;
}
