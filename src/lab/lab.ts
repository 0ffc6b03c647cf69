// The Lab: a set of namespaces (the root/host one included) wired by veth pairs and bridges, one
// scheduler (virtual clock by default), one seeded random source and any number of captures.
//
//   const lab = new Lab({ seed: 1 });
//   const red = lab.addNetns('red'), blue = lab.addNetns('blue');
//   lab.root.linkAddVeth('veth-red', 'veth-blue');
//   lab.root.linkSet('veth-red', { netns: 'red' }); …
//   red.ping('192.168.12.2', { count: 3 }).lines
import { Scheduler, type ClockMode } from './scheduler.ts';
import { Random } from './random.ts';
import { Netns } from './netns.ts';
import { NetDevice, DropReason } from './net-device.ts';
import { VethPair, FramePool } from '../link/veth.ts';
import { macFromSeed } from '../ethernet/mac.ts';
import { Msg } from './errors.ts';
import type { CaptureWriter } from '../pcap/record.ts';
import { PcapngWriter } from '../pcap/pcapng-writer.ts';
import { PcapWriter } from '../pcap/pcap-writer.ts';
import { fileSink, MemorySink } from '../pcap/chunk-sink.ts';

export interface LabOptions {
  seed?: number;
  clock?: ClockMode;
  /** One-way latency of every veth hop in ns (default 10 µs). */
  vethLatencyNs?: number;
}

export interface CaptureOptions {
  /** `namespace/interface` names; all interfaces (present and future) when omitted. */
  ifaces?: string[];
  /** Defaults from the file extension: `.pcap` → pcap (one interface only), else pcapng. */
  format?: 'pcap' | 'pcapng';
}

export class Capture {
  readonly ids = new Map<NetDevice, number>();
  constructor(
    readonly writer: CaptureWriter,
    private readonly filter: Set<string> | null,
  ) {}
  wants(d: NetDevice): boolean {
    return this.filter === null || this.filter.has(`${d.netns.name}/${d.name}`);
  }
  close(): void {
    this.writer.close();
  }
}

export class Lab {
  readonly scheduler: Scheduler;
  readonly rng: Random;
  readonly seed: number;
  readonly root: Netns;
  readonly pool = new FramePool();
  private readonly namespaces = new Map<string, Netns>();
  private macIndex = 0;
  private readonly vethLatencyNs: number;
  readonly captures: Capture[] = [];
  private rxNote: string | null = null;
  private txNote: string | null = null;

  constructor(o: LabOptions = {}) {
    this.seed = o.seed ?? 1;
    this.scheduler = new Scheduler(o.clock ?? 'virtual');
    this.rng = new Random(this.seed);
    this.vethLatencyNs = o.vethLatencyNs ?? 10_000;
    this.root = new Netns(this, 'root');
  }

  get now(): number {
    return this.scheduler.now;
  }

  /** `ip netns add NAME`. */
  addNetns(name: string): Netns {
    if (this.namespaces.has(name) || name === 'root') throw Msg.netnsExists(name);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name === '.' || name === '..') throw Msg.invalidArg(`Invalid netns name "${name}"`);
    const ns = new Netns(this, name);
    this.namespaces.set(name, ns);
    return ns;
  }

  /** The namespace or the `Cannot open network namespace` error. */
  netns(name: string): Netns {
    const ns = this.netnsOrNull(name);
    if (!ns) throw Msg.noNetns(name);
    return ns;
  }

  netnsOrNull(name: string): Netns | null {
    if (name === 'root' || name === '1') return this.root;
    return this.namespaces.get(name) ?? null;
  }

  /** `ip netns del NAME`: veths inside die with it (taking their peers); other devices go back to root? No: the kernel destroys virtual devices. */
  delNetns(name: string): void {
    const ns = this.namespaces.get(name);
    if (!ns) throw Msg.invalidArg(`Cannot remove namespace file "/run/netns/${name}": No such file or directory`);
    for (const d of [...ns.devices]) if (d.kind !== 'loopback' && ns.devices.includes(d)) ns.linkDel(d.name);
    this.namespaces.delete(name);
  }

  /** `ip netns list` names, newest first as iproute2 prints them. */
  listNetns(): string[] {
    return [...this.namespaces.keys()].reverse();
  }

  allNamespaces(): Netns[] {
    return [this.root, ...this.namespaces.values()];
  }

  nextMac(): number {
    return macFromSeed(this.seed, this.macIndex++);
  }

  newVethPair(a: string, b: string): VethPair {
    return new VethPair(this.scheduler, a, b, { latencyNs: this.vethLatencyNs, pool: this.pool });
  }

  // ---------- the receive path shared by all devices ----------

  /** A frame arrived on `dev` from its link (borrowed). `host`: a bridge hands it up as ours. */
  deviceReceive(dev: NetDevice, buf: Uint8Array, off: number, len: number, host = false): void {
    if (!dev.adminUp) {
      dev.drop(DropReason.LINK_DOWN, true);
      return;
    }
    if (dev.kind !== 'bridge') {
      dev.stats.rxPackets++;
      dev.stats.rxBytes += len;
      if (len >= 6 && buf[off]! & 1) dev.stats.rxMulticast++;
    } else {
      dev.stats.rxPackets++;
      dev.stats.rxBytes += len;
    }
    const saved = this.rxNote;
    this.rxNote = null;
    try {
      if (len > dev.mtu + 14 + 4 && dev.kind !== 'loopback') {
        dev.drop(DropReason.MTU, true);
        this.rxNote = `frame of ${len} bytes exceeds mtu ${dev.mtu} of ${dev.name}: dropped`;
      } else if (dev.master && dev.master.bridge) dev.master.bridge.input(dev, buf, off, len);
      else dev.netns.stack.input(dev, buf, off, len, host);
    } catch (e) {
      // a bug must not take the lab down mid-scenario: count it and keep going
      dev.drop(DropReason.MALFORMED, true);
      this.rxNote = `internal error while processing: ${(e as Error).message}`;
    }
    const c = this.rxNote;
    this.rxNote = saved;
    if (this.captures.length > 0) this.captureFrame(dev, buf, off, len, 'in', c ?? undefined);
  }

  /** Attaches a comment to the frame being received (first note wins). */
  note(s: string): void {
    if (this.rxNote === null) this.rxNote = s;
  }

  /** Sets (or clears) the comment for frames transmitted until cleared. */
  noteTx(s: string | null): void {
    this.txNote = s;
  }

  // ---------- captures ----------

  /**
   * Starts capturing to `path` (pcapng: one IDB per `namespace/interface`; pcap: one interface).
   * Timestamps are lab time (ns since the lab started). Returns the capture; `close()` it (or
   * `lab.closeCaptures()`) to flush.
   */
  capture(path: string | MemorySink, o: CaptureOptions = {}): Capture {
    const format = o.format ?? (typeof path === 'string' && path.endsWith('.pcap') ? 'pcap' : 'pcapng');
    if (format === 'pcap' && (!o.ifaces || o.ifaces.length !== 1)) throw new Error('pcap holds one interface: give exactly one in ifaces (or use pcapng)');
    let writer: CaptureWriter;
    if (typeof path === 'string') {
      const fs = fileSink(path);
      writer = format === 'pcap' ? new PcapWriter(fs.sink, { nanos: true, onClose: fs.close }) : new PcapngWriter(fs.sink, { onClose: fs.close });
    } else {
      const sink = path.sink;
      writer = format === 'pcap' ? new PcapWriter(sink, { nanos: true }) : new PcapngWriter(sink);
    }
    const cap = new Capture(writer, o.ifaces ? new Set(o.ifaces) : null);
    this.captures.push(cap);
    for (const ns of this.allNamespaces()) for (const d of ns.devices) this.refreshTaps(d);
    return cap;
  }

  closeCaptures(): void {
    for (const c of this.captures) c.close();
    this.captures.length = 0;
  }

  private refreshTaps(d: NetDevice): void {
    d.taps = this.captures.filter((c) => c.wants(d)).map((c) => ({ writer: c.writer, ifId: -1 }));
  }

  /** Writes one frame to every capture that wants `dev`. */
  captureFrame(dev: NetDevice, buf: Uint8Array, off: number, len: number, dir: 'in' | 'out', comment?: string): void {
    const c = comment ?? (dir === 'out' ? this.txNote ?? undefined : undefined);
    for (const cap of this.captures) {
      if (!cap.wants(dev)) continue;
      let id = cap.ids.get(dev);
      if (id === undefined) {
        id = cap.writer.addInterface(`${dev.netns.name}/${dev.name}`, { linktype: 1 });
        cap.ids.set(dev, id);
      }
      cap.writer.write(id, this.scheduler.now, buf, off, len, c ? { direction: dir, comment: c } : { direction: dir });
    }
  }

  /** Runs the lab until nothing is scheduled (bounded). */
  runUntilIdle(maxEvents?: number): number {
    return this.scheduler.runUntilIdle(maxEvents);
  }

  runFor(ms: number): number {
    return this.scheduler.runFor(ms * 1e6);
  }
}
