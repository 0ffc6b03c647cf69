// An IPv4-level Port over raw sockets, for hosts where TAP devices are not allowed but CAP_NET_RAW
// is: transmit() hands a complete IPv4 packet (our own header) to the kernel, which routes it as
// if a local program had sent it; rx gets every IPv4 packet the kernel receives for the chosen
// protocols, IP header included (raw(7)).
//
// Kernel behaviour worth knowing (raw(7), ip(7)):
// - Sending uses one IPPROTO_RAW socket (IP_HDRINCL implied): the kernel keeps our header but
//   always fills in the total length and header checksum, and the id when it is 0.
// - Receiving needs one socket per protocol; each gets a *copy* of matching inbound packets, which
//   the kernel also processes itself (it still answers pings and sends port unreachables).
// - Packets we send to a local address come back in through loopback, so rx sees them too.
// Medium 'ip': no link header, frames start at the IPv4 header.
import { loadAddon, type NativeReader, type TapAddon } from './addon.ts';
import { u32, u8 } from '../bytes.ts';
import type { Medium, Port, RxHandler } from '../link/port.ts';

const EAGAIN = 11;
const IPPROTO_RAW = 255;
const MAX_PACKET = 65535;

export interface RawIpStats {
  rxPackets: number;
  rxBatches: number;
  rxErrors: number;
  txPackets: number;
  /** sendto(2) said EAGAIN (socket buffer full). */
  txDropped: number;
  /** transmit() was given something that is not an IPv4 header (too short, version ≠ 4). */
  txMalformed: number;
  txErrors: number;
  lastErrno: number;
}

export interface OpenRawIpOptions {
  /** Port name for output and captures. Default 'raw0'. */
  name?: string;
  /** IP protocols to receive (1 ICMP, 6 TCP, 17 UDP…). Default [1, 17]. */
  protocols?: number[];
  /** Reported MTU (the kernel fragments or refuses larger packets by its own route MTU). Default 1500. */
  mtu?: number;
  /** Free bytes in front of received packets, and what senders should leave. Default 64. */
  headroom?: number;
  /** Most packets per batch. Default 64. */
  batchFrames?: number;
}

export class RawIpPort implements Port {
  readonly medium: Medium = 'ip';
  readonly name: string;
  mtu: number;
  readonly headroom: number;
  readonly protocols: readonly number[];
  readonly stats: RawIpStats = {
    rxPackets: 0, rxBatches: 0, rxErrors: 0, txPackets: 0, txDropped: 0, txMalformed: 0, txErrors: 0, lastErrno: 0,
  };
  onError: ((errno: number) => void) | null = null;

  private readonly addon: TapAddon;
  private sendFd: number;
  private readonly recvFds: number[];
  private readers: NativeReader[] = [];
  private rx: RxHandler | null = null;
  // One arena and meta array shared by every protocol's reader: batches are delivered one at a
  // time on the JS thread and are borrowed only for the callback, so they never overlap.
  private readonly arena: Uint8Array;
  private readonly meta: Int32Array;

  constructor(addon: TapAddon, sendFd: number, recvFds: number[], o: OpenRawIpOptions) {
    this.addon = addon;
    this.sendFd = sendFd;
    this.recvFds = recvFds;
    this.name = o.name ?? 'raw0';
    this.mtu = o.mtu ?? 1500;
    this.headroom = o.headroom ?? 64;
    this.protocols = o.protocols ?? [1, 17];
    const batch = o.batchFrames ?? 64;
    const slot = (this.headroom + Math.max(this.mtu, 1500) + 7) & ~7;
    this.arena = new Uint8Array(batch * slot + this.headroom + MAX_PACKET);
    this.meta = new Int32Array(2 * batch);
  }

  get closed(): boolean {
    return this.sendFd < 0;
  }

  attach(rx: RxHandler): void {
    this.rx = rx;
    if (this.readers.length > 0 || this.sendFd < 0) return;
    for (const fd of this.recvFds)
      this.readers.push(new this.addon.Reader(fd, this.arena, this.meta, this.onBatch, { headroom: this.headroom, maxFrame: MAX_PACKET }));
  }

  /** Sends one IPv4 packet `buf[off..off+len)`; its destination address picks the route. */
  transmit(buf: Uint8Array, off: number, len: number): void {
    if (this.sendFd < 0) {
      this.stats.txErrors++;
      return;
    }
    if (len < 20 || u8(buf, off) >> 4 !== 4) {
      this.stats.txMalformed++;
      return;
    }
    const n = this.addon.sendTo(this.sendFd, buf, off, len, u32(buf, off + 16));
    if (n >= 0) this.stats.txPackets++;
    else if (n === -EAGAIN) this.stats.txDropped++;
    else {
      this.stats.txErrors++;
      this.stats.lastErrno = -n;
    }
  }

  ref(on = true): void {
    for (const r of this.readers) r.ref(on);
  }

  /** Stops the readers and closes every socket. Idempotent. */
  close(): void {
    if (this.sendFd < 0) return;
    for (const r of this.readers) r.stop();
    this.readers = [];
    for (const fd of this.recvFds) this.addon.close(fd);
    this.addon.close(this.sendFd);
    this.sendFd = -1;
  }

  private readonly onBatch = (count: number): void => {
    if (count < 0) {
      this.stats.rxErrors++;
      this.stats.lastErrno = -count;
      this.onError?.(-count);
      return;
    }
    this.stats.rxBatches++;
    const arena = this.arena;
    const meta = this.meta;
    for (let i = 0; i < count; i++) {
      this.stats.rxPackets++;
      this.rx?.(arena, meta[2 * i]!, meta[2 * i + 1]!);
      if (this.sendFd < 0) return;
    }
  };
}

/** Opens the raw sockets (needs CAP_NET_RAW in the current network namespace). */
export function openRawIp(opts: OpenRawIpOptions = {}): RawIpPort {
  const protocols = opts.protocols ?? [1, 17];
  for (const p of protocols)
    if (!Number.isInteger(p) || p < 1 || p > 254) throw new Error(`raw IPv4 port: protocol ${p} is not 1..254`);
  const addon = loadAddon('raw');
  const fds: number[] = [];
  try {
    fds.push(addon.rawOpen(IPPROTO_RAW));
    for (const p of protocols) fds.push(addon.rawOpen(p));
  } catch (e) {
    for (const fd of fds) addon.close(fd);
    const err = e as Error & { code?: string };
    const prefix = err.code === 'EPERM' || err.code === 'EACCES' ? 'raw IPv4 sockets need Linux and CAP_NET_RAW: ' : '';
    throw new Error(`${prefix}cannot open raw IPv4 socket: ${err.message}`);
  }
  return new RawIpPort(addon, fds[0]!, fds.slice(1), { ...opts, protocols });
}
