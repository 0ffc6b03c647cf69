// A Linux-style learning bridge (802.1D transparent bridging as net/bridge does it, STP off):
// learn the source MAC of every frame on its ingress port; deliver frames for a local address
// (a port's own MAC or the bridge's) up to the host through the bridge device; forward known
// unicast to its port; flood broadcast, multicast and unknown unicast to every other forwarding
// port; never send a frame back out of the port it came in on (hairpin off, as by default).
//
// The forwarding database is the shared src/ethernet/fdb.ts (typed-array open addressing keyed by
// MAC and VLAN; local/static/dynamic entries; ageing 300 s by default, applied at lookup time so the
// bridge needs no timer: the lab clock is passed in). VLAN filtering is off: every entry is VLAN 0.
import { u48 } from '../bytes.ts';
import { macToString } from './mac.ts';
import { Fdb, FDB_DELIVER_LOCAL, FdbError } from './fdb.ts';

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

/** FDB port number of the bridge device itself (its own MAC); rows() shows it as -1. */
const SELF_PORT = 0x7fffffff;

export interface FdbRow {
  mac: number;
  /** Bridge port id, or -1 for the bridge device itself. */
  port: number;
  kind: 'local' | 'static' | 'dynamic';
  ageNs: number;
}

export class Bridge {
  readonly ports: (BridgePortDevice | null)[] = [];
  readonly fdb = new Fdb({ ageingTime: DEFAULT_AGEING_NS / 1e9 });
  /** Counters for benches/tests. */
  floods = 0;
  forwarded = 0;

  constructor(private readonly hooks: BridgeHooks) {}

  /** FDB ageing time in ns (`ip link set BR type bridge ageing_time`, 300 s by default). */
  get ageingNs(): number {
    return this.fdb.ageingTime * 1e9;
  }
  set ageingNs(ns: number) {
    this.fdb.ageingTime = ns / 1e9;
  }

  /** A local (permanent) entry; one already there for the MAC is kept, as fdb_add_local does. */
  private addLocal(mac: number, port: number): void {
    try {
      this.fdb.addLocal(mac, 0, port, this.hooks.now());
    } catch (e) {
      if (!(e instanceof FdbError)) throw e;
    }
  }

  addPort(dev: BridgePortDevice): void {
    let id = this.ports.indexOf(null);
    if (id < 0) id = this.ports.push(null) - 1;
    this.ports[id] = dev;
    dev.bridgePortId = id;
    this.addLocal(dev.mac, id);
  }

  /** A port leaves: every entry on it goes, its local one included (br_fdb_delete_by_port do_all). */
  removePort(dev: BridgePortDevice): void {
    const id = dev.bridgePortId;
    if (id < 0 || this.ports[id] !== dev) return;
    this.ports[id] = null;
    dev.bridgePortId = -1;
    this.fdb.flushPort(id, true);
  }

  /** Lowest MAC among the ports (the kernel's br_stp_recalculate_bridge_id choice), or -1. */
  lowestPortMac(): number {
    let m = -1;
    for (const p of this.ports) if (p && (m < 0 || p.mac < m)) m = p.mac;
    return m;
  }

  /** The bridge device's own address as a local FDB entry (shown as port -1). */
  setOwnMac(oldMac: number, mac: number): void {
    const now = this.hooks.now();
    if (oldMac >= 0 && this.fdb.portOf(oldMac, 0, now) === SELF_PORT) this.fdb.del(oldMac, 0);
    this.addLocal(mac, SELF_PORT);
  }

  /** A port's MAC changed (`ip link set dev X address …`). */
  portMacChanged(dev: BridgePortDevice, oldMac: number): void {
    const now = this.hooks.now();
    if (this.fdb.portOf(oldMac, 0, now) === dev.bridgePortId && this.fdb.lookup(oldMac, 0, now) === FDB_DELIVER_LOCAL) this.fdb.del(oldMac, 0);
    this.addLocal(dev.mac, dev.bridgePortId);
  }

  /** `bridge fdb add MAC dev PORT master static`; throws FdbError if the entry exists. */
  addStatic(mac: number, port: BridgePortDevice): void {
    this.fdb.addStatic(mac, 0, port.bridgePortId, this.hooks.now());
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
    const p = this.fdb.lookup(mac, 0, now);
    // a port's own MAC (a local entry) is an address of the bridge: frames for it go up (br_handle_frame_finish)
    if (p === FDB_DELIVER_LOCAL) return -1;
    return p < 0 ? -2 : p;
  }

  /** A frame received on a port (borrowed). */
  input(ingress: BridgePortDevice, buf: Uint8Array, off: number, len: number): void {
    if (!this.hooks.bridgeUp() || !this.forwarding(ingress)) {
      this.hooks.dropped(ingress, 'port-disabled');
      return;
    }
    const now = this.hooks.now();
    // The FDB reads both MACs straight from the frame as int32 halves: a 48-bit number passed to a
    // call that is not inlined would be boxed (a heap number per frame).
    if ((buf[off]! & 1) !== 0) {
      // broadcast/multicast (I/G bit)
      if ((buf[off + 6]! & 1) === 0 && !isZeroMac(buf, off + 6)) this.fdb.learnAt(buf, off + 6, 0, ingress.bridgePortId, now);
      this.flood(ingress.bridgePortId, buf, off, len);
      this.hooks.deliverLocal(buf, off, len);
      return;
    }
    // unicast: learn the source and look the destination up in one FDB call
    const p0 = this.fdb.learnLookupAt(buf, off, 0, ingress.bridgePortId, now);
    const port = p0 === FDB_DELIVER_LOCAL ? -1 : p0 < 0 ? -2 : p0;
    if (port === -1) {
      this.hooks.deliverLocal(buf, off, len);
    } else if (port === ingress.bridgePortId) {
      this.hooks.dropped(ingress, 'hairpin');
      this.hooks.note(`bridge: ${macToString(u48(buf, off))} is behind the ingress port ${ingress.name}: dropped (no hairpin)`);
    } else if (port >= 0) {
      const p = this.ports[port]!;
      if (this.forwarding(p)) {
        this.forwarded++;
        p.xmit(buf, off, len);
      }
    } else {
      this.hooks.note(`FDB flood: ${macToString(u48(buf, off))} unknown to the bridge`);
      this.flood(ingress.bridgePortId, buf, off, len);
    }
  }

  /** A frame sent by the host through the bridge device. */
  transmitLocal(buf: Uint8Array, off: number, len: number): void {
    if ((buf[off]! & 1) === 0) {
      const p0 = this.fdb.lookupAt(buf, off, 0, this.hooks.now());
      const port = p0 === FDB_DELIVER_LOCAL ? -1 : p0 < 0 ? -2 : p0;
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
    this.fdb.age(now);
    return this.fdb.entries(now).map((e) => ({ mac: e.mac, port: e.port === SELF_PORT ? -1 : e.port, kind: e.kind, ageNs: now - e.updated }));
  }

  /** Port down: its dynamic entries go (br_fdb_delete_by_port do_all=0). */
  flushPort(dev: BridgePortDevice): void {
    this.fdb.flushPort(dev.bridgePortId, false);
  }
}

/** 00:00:00:00:00:00 at b[o, o+6) (never learned as a source). */
function isZeroMac(b: Uint8Array, o: number): boolean {
  return (b[o]! | b[o + 1]! | b[o + 2]! | b[o + 3]! | b[o + 4]! | b[o + 5]!) === 0;
}
