// A network device inside a namespace: what `ip link` lists. It wraps a Port (veth end,
// loopback) or is a bridge, and owns what the kernel keeps per net_device: ifindex, name, MAC,
// MTU, admin state (IFF_UP), carrier, master, counters with drop reasons (captures are the lab's).
import type { Port } from '../link/port.ts';
import type { Netns } from './netns.ts';
import type { Bridge } from '../ethernet/bridge.ts';
import type { VxlanLink } from './vxlan-device.ts';

/** 'external': bound to a Port outside the lab (a TAP device, a raw IP socket), see Netns.linkAddExternal. */
export type DevKind = 'loopback' | 'veth' | 'bridge' | 'external' | 'vxlan';

/** Why a frame was dropped; each reason has its own counter (`ip -s link`-style listings). */
export const DropReason = {
  LINK_DOWN: 0,      // device administratively down or no carrier
  MALFORMED: 1,      // failed a wire check (truncated, bad IHL, bad checksum, …)
  OTHERHOST: 2,      // unicast to a MAC that is not ours (PACKET_OTHERHOST)
  NOT_FORWARDING: 3, // not for us and ip_forward=0
  NO_ROUTE: 4,
  TTL_EXPIRED: 5,
  ARP_FAILED: 6,
  FRAG_NEEDED: 7,    // DF set and larger than the egress MTU
  NO_SOCKET: 8,      // UDP to a closed port
  UNKNOWN_PROTO: 9,
  HAIRPIN: 10,       // bridge: destination behind the ingress port
  PORT_DISABLED: 11, // bridge: port not forwarding
  REASSEMBLY: 12,    // fragment dropped by reassembly (timeout, overlap, too big)
  QUEUE_FULL: 13,    // neighbour resolution queue full
  MTU: 14,           // frame larger than the receiving device's MTU
  NETFILTER: 15,     // an iptables rule (or conntrack: invalid, table full) dropped or rejected it
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];
export const DROP_REASON_NAMES = [
  'link-down', 'malformed', 'otherhost', 'not-forwarding', 'no-route', 'ttl-expired', 'arp-failed',
  'frag-needed', 'no-socket', 'unknown-proto', 'hairpin', 'port-disabled', 'reassembly', 'queue-full', 'mtu', 'netfilter',
] as const;

export class DevStats {
  rxPackets = 0;
  rxBytes = 0;
  txPackets = 0;
  txBytes = 0;
  rxDropped = 0;
  txDropped = 0;
  rxMulticast = 0;
  /** Drops by DropReason, rx and tx together. */
  readonly drops = new Float64Array(DROP_REASON_NAMES.length);

  /** `{reason: count}` for the reasons with a non-zero count. */
  dropsByReason(): Record<string, number> {
    const o: Record<string, number> = {};
    for (let i = 0; i < this.drops.length; i++) if (this.drops[i]! > 0) o[DROP_REASON_NAMES[i]!] = this.drops[i]!;
    return o;
  }
}

export interface IfAddr {
  addr: number;
  len: number;
  /** 0 when none was given (iproute2 shows `brd` only when set). */
  brd: number;
  scope: 'global' | 'host' | 'link';
}

export class NetDevice {
  adminUp = false;
  mtu: number;
  /** Set when the user gave `address` (a bridge then stops following its ports' lowest MAC). */
  macSetByUser = false;
  master: NetDevice | null = null;
  /** veth: the device at the other end (possibly in another namespace). */
  peer: NetDevice | null = null;
  /** bridge devices: the forwarding engine. */
  bridge: Bridge | null = null;
  /** vxlan devices: the tunnel endpoint (its Port, FDB and socket), see vxlan-device.ts. */
  vxlan: VxlanLink | null = null;
  /** Small integer id of this device as a bridge port (index in the bridge's port table). */
  bridgePortId = -1;
  readonly addrs: IfAddr[] = [];
  readonly stats = new DevStats();
  qlen = 1000;
  /** IFF_NOARP: no neighbour resolution, frames leave with a zero destination MAC (medium 'ip' links). */
  noArp = false;

  constructor(
    public netns: Netns,
    public ifindex: number,
    public name: string,
    readonly kind: DevKind,
    public mac: number,
    /** The link this device sends on and receives from (null for a bridge: it is all software). */
    readonly port: Port | null,
  ) {
    this.mtu = kind === 'loopback' ? 65536 : 1500;
    if (port) port.attach((buf, off, len) => netns.lab.deviceReceive(this, buf, off, len));
  }

  /** Carrier (LOWER_UP): veth needs both ends up; a bridge needs one port with carrier. */
  get carrier(): boolean {
    if (!this.adminUp) return false;
    switch (this.kind) {
      case 'loopback':
        return true;
      case 'veth':
        return this.peer !== null && this.peer.adminUp;
      case 'bridge':
        return this.bridge !== null && this.bridge.hasCarrierPort();
      case 'external':
        return true; // the real device's side is as up as its file descriptor is open
      case 'vxlan':
        return true; // as the kernel's: LOWER_UP whenever up, whatever the underlay does
    }
  }

  /** `state` in `ip link`: UP, DOWN, LOWERLAYERDOWN or UNKNOWN (loopback). */
  get operState(): string {
    if (!this.adminUp) return 'DOWN';
    if (this.kind === 'loopback' || this.kind === 'vxlan') return 'UNKNOWN'; // vxlan: no operstate set (kernel shows UNKNOWN)
    if (this.carrier) return 'UP';
    return this.kind === 'veth' ? 'LOWERLAYERDOWN' : 'DOWN';
  }

  /** Counts a drop; `rx` selects the rx_dropped or tx_dropped total. */
  drop(reason: DropReason, rx: boolean): void {
    this.stats.drops[reason]++;
    if (rx) this.stats.rxDropped++;
    else this.stats.txDropped++;
  }

  /**
   * Sends a complete frame out of this device (borrowed bytes). Drops it when the device has no
   * carrier, as a real driver's queue does.
   */
  xmit(buf: Uint8Array, off: number, len: number, comment?: string): void {
    if (!this.carrier) {
      this.drop(DropReason.LINK_DOWN, false);
      return;
    }
    this.stats.txPackets++;
    this.stats.txBytes += len;
    if (this.netns.lab.captures.length > 0) this.netns.lab.captureFrame(this, buf, off, len, 'out', comment);
    if (this.kind === 'bridge') this.bridge!.transmitLocal(buf, off, len);
    else this.port!.transmit(buf, off, len);
  }

  /** `veth-a@veth-b` / `veth-a@if7` as `ip link` names a veth whose peer is elsewhere. */
  displayName(): string {
    if (this.kind !== 'veth' || !this.peer) return this.name;
    return this.peer.netns === this.netns ? `${this.name}@${this.peer.name}` : `${this.name}@if${this.peer.ifindex}`;
  }
}
