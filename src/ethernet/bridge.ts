// A Linux-style learning bridge (802.1D transparent bridging as net/bridge does it, STP off):
// learn the source MAC of every frame on its ingress port; deliver frames for a local address
// (a port's own MAC or the bridge's) up to the host through the bridge device; forward known
// unicast to its port; flood broadcast, multicast and unknown unicast to every other forwarding
// port; never send a frame back out of the port it came in on (hairpin off, as by default).
//
// The FDB entries age out after `ageingNs` (300 s, the kernel's default): ageing is applied lazily
// at lookup time so the bridge needs no timer (the lab clock is passed in).
import { u16, u32 } from '../bytes.ts';
import { isMulticast, macToString } from './mac.ts';

/** What the bridge needs from a port device. */
export interface BridgePortDevice {
  readonly name: string;
  mac: number;
  bridgePortId: number;
  readonly adminUp: boolean;
  readonly carrier: boolean;
  xmit(buf: Uint8Array, off: number, len: number, comment?: string): void;
}

export interface BridgeHooks {
  now(): number;
  /** Hands a frame up to the host stack on the bridge device. */
  deliverLocal(buf: Uint8Array, off: number, len: number): void;
  /** Attaches a capture comment to the frame being processed (FDB flood, hairpin drop). */
  note(comment: string): void;
  /** Counts a drop on the ingress port. */
  dropped(port: BridgePortDevice, reason: 'hairpin' | 'port-disabled'): void;
  /** Whether the bridge device itself is up (ports forward only then). */
  bridgeUp(): boolean;
}

export const DEFAULT_AGEING_NS = 300e9;

/** One FDB entry; `port` is a bridge port id, or -1 for the bridge device itself. */
interface Entry {
  port: number;
  updated: number;
  kind: 'local' | 'static' | 'dynamic';
}

export interface FdbRow {
  mac: number;
  port: number;
  kind: 'local' | 'static' | 'dynamic';
  ageNs: number;
}

export class Bridge {
  readonly ports: (BridgePortDevice | null)[] = [];
  private readonly fdb = new Map<number, Entry>();
  ageingNs = DEFAULT_AGEING_NS;
  /** Counters for benches/tests. */
  floods = 0;
  forwarded = 0;

  constructor(private readonly hooks: BridgeHooks) {}

  addPort(dev: BridgePortDevice): void {
    let id = this.ports.indexOf(null);
    if (id < 0) id = this.ports.push(null) - 1;
    this.ports[id] = dev;
    dev.bridgePortId = id;
    this.fdb.set(dev.mac, { port: id, updated: 0, kind: 'local' });
  }

  removePort(dev: BridgePortDevice): void {
    const id = dev.bridgePortId;
    if (id < 0 || this.ports[id] !== dev) return;
    this.ports[id] = null;
    dev.bridgePortId = -1;
    for (const [mac, e] of this.fdb) if (e.port === id) this.fdb.delete(mac);
  }

  /** Lowest MAC among the ports (the kernel's br_stp_recalculate_bridge_id choice), or -1. */
  lowestPortMac(): number {
    let m = -1;
    for (const p of this.ports) if (p && (m < 0 || p.mac < m)) m = p.mac;
    return m;
  }

  /** The bridge device's own address as a local FDB entry (port -1). */
  setOwnMac(oldMac: number, mac: number): void {
    const e = this.fdb.get(oldMac);
    if (e && e.port === -1) this.fdb.delete(oldMac);
    if (!this.fdb.has(mac) || this.fdb.get(mac)!.kind !== 'local') this.fdb.set(mac, { port: -1, updated: 0, kind: 'local' });
  }

  /** A port's MAC changed (`ip link set dev X address …`). */
  portMacChanged(dev: BridgePortDevice, oldMac: number): void {
    const e = this.fdb.get(oldMac);
    if (e && e.kind === 'local' && e.port === dev.bridgePortId) this.fdb.delete(oldMac);
    this.fdb.set(dev.mac, { port: dev.bridgePortId, updated: 0, kind: 'local' });
  }

  addStatic(mac: number, port: BridgePortDevice): void {
    this.fdb.set(mac, { port: port.bridgePortId, updated: this.hooks.now(), kind: 'static' });
  }

  hasCarrierPort(): boolean {
    for (const p of this.ports) if (p && p.carrier) return true;
    return false;
  }

  private forwarding(p: BridgePortDevice): boolean {
    return p.carrier;
  }

  /** Looks a unicast MAC up: a port id, -1 for local delivery, or -2 when unknown (or aged out). */
  lookup(mac: number, now: number): number {
    const e = this.fdb.get(mac);
    if (e === undefined) return -2;
    if (e.kind === 'dynamic' && now - e.updated > this.ageingNs) {
      this.fdb.delete(mac);
      return -2;
    }
    // a port's own MAC (a local entry) is an address of the bridge: frames for it go up (br_handle_frame_finish)
    return e.kind === 'local' ? -1 : e.port;
  }

  private learn(mac: number, port: number, now: number): void {
    const e = this.fdb.get(mac);
    if (e === undefined) this.fdb.set(mac, { port, updated: now, kind: 'dynamic' });
    else if (e.kind === 'dynamic') {
      e.port = port; // a station that moved is re-learned on its new port
      e.updated = now;
    }
  }

  /** A frame received on a port (borrowed). */
  input(ingress: BridgePortDevice, buf: Uint8Array, off: number, len: number): void {
    if (!this.hooks.bridgeUp() || !this.forwarding(ingress)) {
      this.hooks.dropped(ingress, 'port-disabled');
      return;
    }
    const now = this.hooks.now();
    // 48-bit MACs read as two words: a number key without allocation
    const src = u16(buf, off + 6) * 0x100000000 + u32(buf, off + 8);
    if (!isMulticast(src) && src !== 0) this.learn(src, ingress.bridgePortId, now);
    const dst = u16(buf, off) * 0x100000000 + u32(buf, off + 2);
    if (isMulticast(dst)) {
      this.flood(ingress.bridgePortId, buf, off, len);
      this.hooks.deliverLocal(buf, off, len);
      return;
    }
    const port = this.lookup(dst, now);
    if (port === -1) {
      this.hooks.deliverLocal(buf, off, len);
    } else if (port === ingress.bridgePortId) {
      this.hooks.dropped(ingress, 'hairpin');
      this.hooks.note(`bridge: ${macToString(dst)} is behind the ingress port ${ingress.name}: dropped (no hairpin)`);
    } else if (port >= 0) {
      const p = this.ports[port]!;
      if (this.forwarding(p)) {
        this.forwarded++;
        p.xmit(buf, off, len);
      }
    } else {
      this.hooks.note(`FDB flood: ${macToString(dst)} unknown to the bridge`);
      this.flood(ingress.bridgePortId, buf, off, len);
    }
  }

  /** A frame sent by the host through the bridge device. */
  transmitLocal(buf: Uint8Array, off: number, len: number): void {
    const dst = u16(buf, off) * 0x100000000 + u32(buf, off + 2);
    if (!isMulticast(dst)) {
      const port = this.lookup(dst, this.hooks.now());
      if (port >= 0) {
        const p = this.ports[port]!;
        if (this.forwarding(p)) p.xmit(buf, off, len);
        return;
      }
      if (port === -1) return; // to ourselves: the stack loops it back before it gets here
    }
    this.flood(-1, buf, off, len);
  }

  private flood(except: number, buf: Uint8Array, off: number, len: number): void {
    this.floods++;
    for (let i = 0; i < this.ports.length; i++) {
      const p = this.ports[i];
      if (p && i !== except && this.forwarding(p)) p.xmit(buf, off, len);
    }
  }

  /** FDB contents for listings, ageing out expired entries first. */
  rows(): FdbRow[] {
    const now = this.hooks.now();
    const out: FdbRow[] = [];
    for (const [mac, e] of this.fdb) {
      if (e.kind === 'dynamic' && now - e.updated > this.ageingNs) {
        this.fdb.delete(mac);
        continue;
      }
      out.push({ mac, port: e.port, kind: e.kind, ageNs: now - e.updated });
    }
    return out;
  }

  flushPort(dev: BridgePortDevice): void {
    for (const [mac, e] of this.fdb) if (e.port === dev.bridgePortId && e.kind === 'dynamic') this.fdb.delete(mac);
  }
}
