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
  /**
   * Per device: its interface id in this capture, or -1 when the filter leaves it out. Resolved
   * once per device (the `namespace/interface` string is built then, never per frame) and
   * forgotten when the device is renamed or moved, so its new name gets a new IDB.
   */
  readonly ids = new Map<NetDevice, number>();
  constructor(
    readonly writer: CaptureWriter,
    private readonly filter: Set<string> | null,
  ) {}
  wants(d: NetDevice): boolean {
    return this.filter === null || this.filter.has(`${d.netns.name}/${d.name}`);
  }
  /** The interface id for `d`, or -1 when not captured (allocation-free after the first frame). */
  idFor(d: NetDevice): number {
    let id = this.ids.get(d);
    if (id === undefined) {
      id = this.wants(d) ? this.writer.addInterface(`${d.netns.name}/${d.name}`, { linktype: 1 }) : -1;
      this.ids.set(d, id);
    }
    return id;
  }
  close(): void {
    this.writer.close();
  }
}

interface PendingFrame {
  dev: NetDevice;
  t: number;
  bytes: Uint8Array;
  len: number;
  dir: 'in' | 'out';
  comment: string | undefined;
}

const IN = { direction: 'in' as const };
const OUT = { direction: 'out' as const };

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
    // Record the frame BEFORE processing it, so a capture shows cause before effect (a forwarded
    // copy, a reply, an ICMP error come after the frame that caused them, as tcpdump shows them).
    // A comment explaining a drop is known only after processing: the record is written then, in
    // the slot reserved now (the writers are append-only, so we hold back later frames meanwhile).
    const capturing = this.captures.length > 0 && this.wantsDev(dev);
    if (capturing) this.beginRx(dev, buf, off, len);
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
    if (capturing) this.endRx(c);
  }

  /** Attaches a comment to the frame being received (first note wins). */
  note(s: string): void {
    if (this.rxNote === null) this.rxNote = s;
  }

  /** Sets (or clears) the comment for frames transmitted until cleared. */
  noteTx(s: string | null): void {
    this.txNote = s;
  }

  /** The comment transmitted frames get now (null: none). */
  get currentTxNote(): string | null {
    return this.txNote;
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
    return cap;
  }

  closeCaptures(): void {
    if (this.rxStack.length === 0) this.flushPending();
    for (const c of this.captures) c.close();
    this.captures.length = 0;
  }


  /** Whether any capture records `dev` (no allocation once resolved). */
  private wantsDev(dev: NetDevice): boolean {
    for (let i = 0; i < this.captures.length; i++) if (this.captures[i]!.idFor(dev) >= 0) return true;
    return false;
  }

  /** A device was renamed or moved: its captures resolve it again (a new IDB under the new name). */
  deviceRenamed(dev: NetDevice): void {
    for (const c of this.captures) c.ids.delete(dev);
  }

  // Received frames being processed (nested: a bridge hands a frame up, loopback, …), innermost last.
  // Each holds a copy of the frame and the time it arrived; frames written while one is open are
  // held in `pending` so that the file order is arrival order.
  private rxStack: PendingFrame[] = [];
  private pending: PendingFrame[] = [];
  private framePool: PendingFrame[] = [];

  private takeFrame(dev: NetDevice, buf: Uint8Array, off: number, len: number, dir: 'in' | 'out', comment: string | undefined): PendingFrame {
    const f = this.framePool.pop() ?? { dev, t: 0, bytes: new Uint8Array(2048), len: 0, dir, comment };
    if (f.bytes.length < len) f.bytes = new Uint8Array(Math.max(len, f.bytes.length * 2));
    f.bytes.set(buf.subarray(off, off + len));
    f.dev = dev;
    f.t = this.scheduler.now;
    f.len = len;
    f.dir = dir;
    f.comment = comment;
    return f;
  }

  private beginRx(dev: NetDevice, buf: Uint8Array, off: number, len: number): void {
    const f = this.takeFrame(dev, buf, off, len, 'in', undefined);
    this.rxStack.push(f);
    this.pending.push(f);
  }

  private endRx(comment: string | null): void {
    const f = this.rxStack.pop()!;
    f.comment = comment ?? undefined;
    if (this.rxStack.length === 0) this.flushPending();
  }

  private flushPending(): void {
    for (const f of this.pending) {
      this.writeFrame(f.dev, f.t, f.bytes, 0, f.len, f.dir, f.comment);
      f.comment = undefined;
      this.framePool.push(f);
    }
    this.pending.length = 0;
  }

  /** Writes one frame to every capture that wants `dev` (held back while a received frame is open). */
  captureFrame(dev: NetDevice, buf: Uint8Array, off: number, len: number, dir: 'in' | 'out', comment?: string): void {
    const c = comment ?? (dir === 'out' ? this.txNote ?? undefined : undefined);
    if (this.rxStack.length > 0) {
      if (this.wantsDev(dev)) this.pending.push(this.takeFrame(dev, buf, off, len, dir, c));
      return;
    }
    this.writeFrame(dev, this.scheduler.now, buf, off, len, dir, c);
  }

  private writeFrame(dev: NetDevice, t: number, buf: Uint8Array, off: number, len: number, dir: 'in' | 'out', c: string | undefined): void {
    for (let i = 0; i < this.captures.length; i++) {
      const cap = this.captures[i]!;
      const id = cap.idFor(dev);
      if (id < 0) continue;
      cap.writer.write(id, t, buf, off, len, c ? { direction: dir, comment: c } : dir === 'in' ? IN : OUT);
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
