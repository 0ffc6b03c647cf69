// A Linux TAP device as a wirestack Port: Ethernet frames written by the kernel to the TAP
// interface arrive at attach()'s handler; frames given to transmit() appear to the kernel as
// received on that interface.
//
// Receive path: the addon drains the non-blocking fd on readiness into one arena and calls back
// once per batch; this class walks the batch and hands each frame to the handler *borrowed* (the
// next batch overwrites the arena). Each frame has `headroom` free bytes in front of it in the
// arena so a wrapper may prepend a header in place during the callback.
// Transmit path: one write(2) per frame; a full kernel queue (EAGAIN) is a counted drop, never an
// exception, as a NIC would drop it.
import { loadAddon, type NativeReader, type TapAddon } from './addon.ts';
import { u48 } from '../bytes.ts';
import type { Medium, Port, RxHandler } from '../link/port.ts';

const EAGAIN = 11;

export interface TapStats {
  rxFrames: number;
  rxBatches: number;
  rxErrors: number;
  txFrames: number;
  /** write(2) said EAGAIN: the device's transmit queue (kernel rx side) was full. */
  txDropped: number;
  txErrors: number;
  /** errno of the last rx/tx error, 0 if none. */
  lastErrno: number;
}

export interface OpenTapOptions {
  /**
   * Set (true) or clear (false) TUNSETPERSIST: a persistent device outlives close. Default: leave
   * it as it is, so a device we create vanishes on close and one we attach to keeps its flag.
   */
  persist?: boolean;
  /** Free bytes in front of received frames, and what senders should leave (Port.headroom). Default 64. */
  headroom?: number;
  /** Most frames delivered per batch. Default 64. */
  batchFrames?: number;
  /**
   * 'batch' (default): the addon reads every waiting frame per readiness event and calls JS once.
   * 'per-frame': the addon only reports readiness and JS calls read() once per frame — kept as
   * the naive baseline the bench measures the batch path against.
   */
  rxMode?: 'batch' | 'per-frame';
}

// A read must offer room for the largest frame the device can produce so nothing is truncated:
// MTU up to 65535 plus the Ethernet header and one 802.1Q tag.
const MAX_FRAME = 65535 + 14 + 4;

export class TapPort implements Port {
  readonly medium: Medium = 'ethernet';
  readonly name: string;
  mtu: number;
  readonly headroom: number;
  /** The kernel interface's own MAC (a 48-bit number), as `ip link` shows it. */
  readonly mac: number;
  /** True when the device existed before open (we attached rather than created it). */
  readonly existed: boolean;
  readonly stats: TapStats = { rxFrames: 0, rxBatches: 0, rxErrors: 0, txFrames: 0, txDropped: 0, txErrors: 0, lastErrno: 0 };

  private fd: number;
  private readonly addon: TapAddon;
  private rx: RxHandler | null = null;
  private reader: NativeReader | null = null;
  private readonly arena: Uint8Array;
  private readonly meta: Int32Array;
  private readonly mode: 'batch' | 'per-frame';
  private refed = true;
  /** Called once when the device goes away under us (e.g. its namespace was deleted). */
  onError: ((errno: number) => void) | null = null;

  constructor(addon: TapAddon, fd: number, name: string, mtu: number, mac: Uint8Array, existed: boolean, o: OpenTapOptions) {
    this.addon = addon;
    this.fd = fd;
    this.name = name;
    this.mtu = mtu;
    this.mac = u48(mac, 0);
    this.existed = existed;
    this.headroom = o.headroom ?? 64;
    const batch = o.batchFrames ?? 64;
    this.mode = o.rxMode ?? 'batch';
    // Room for `batch` MTU-sized frames plus one maximal read; frames are packed at their real size.
    const slot = ((this.headroom + Math.max(mtu, 1500) + 18 + 7) & ~7);
    this.arena = new Uint8Array(batch * slot + this.headroom + MAX_FRAME);
    this.meta = new Int32Array(2 * batch);
  }

  get closed(): boolean {
    return this.fd < 0;
  }

  /** Sets the handler; the first call starts reading from the device. */
  attach(rx: RxHandler): void {
    this.rx = rx;
    if (this.reader || this.fd < 0) return;
    this.reader = new this.addon.Reader(this.fd, this.arena, this.meta, this.mode === 'batch' ? this.onBatch : this.onReadable, {
      headroom: this.headroom,
      maxFrame: MAX_FRAME,
      notifyOnly: this.mode === 'per-frame',
    });
    if (!this.refed) this.reader.ref(false);
  }

  transmit(buf: Uint8Array, off: number, len: number): void {
    if (this.fd < 0) {
      this.stats.txErrors++;
      return;
    }
    const n = this.addon.write(this.fd, buf, off, len);
    if (n >= 0) this.stats.txFrames++;
    else if (n === -EAGAIN) this.stats.txDropped++;
    else {
      this.stats.txErrors++;
      this.stats.lastErrno = -n;
    }
  }

  /** Whether an attached reader keeps the process alive (like socket.ref()/unref()). */
  ref(on = true): void {
    this.refed = on;
    this.reader?.ref(on);
  }

  /** Stops reading and closes the fd; a non-persistent device we created disappears. Idempotent. */
  close(): void {
    if (this.fd < 0) return;
    this.reader?.stop();
    this.reader = null;
    this.addon.close(this.fd);
    this.fd = -1;
  }

  private readonly onBatch = (count: number): void => {
    if (count < 0) return this.fail(-count);
    this.stats.rxBatches++;
    const rx = this.rx;
    const arena = this.arena;
    const meta = this.meta;
    for (let i = 0; i < count; i++) {
      this.stats.rxFrames++;
      rx?.(arena, meta[2 * i]!, meta[2 * i + 1]!);
      if (this.fd < 0) return; // the handler closed us
    }
  };

  // Naive path: one addon call per frame, bounded so a flood cannot starve the event loop.
  private readonly onReadable = (count: number): void => {
    if (count < 0) return this.fail(-count);
    const arena = this.arena;
    const off = this.headroom;
    for (let i = 0; i < 256 && this.fd >= 0; i++) {
      const n = this.addon.read(this.fd, arena, off, MAX_FRAME);
      if (n < 0) {
        if (n !== -EAGAIN) this.fail(-n);
        return;
      }
      this.stats.rxFrames++;
      this.rx?.(arena, off, n);
    }
  };

  // The device is gone or broken (EBADFD after its namespace was deleted, EIO…): stop polling so a
  // level-triggered error cannot spin the event loop, and tell the owner once.
  private fail(errno: number): void {
    this.stats.rxErrors++;
    this.stats.lastErrno = errno;
    this.reader?.stop();
    this.reader = null;
    this.onError?.(errno);
  }
}

/** Linux's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or whitespace. */
export function tapNameProblem(name: string): string | null {
  if (Buffer.byteLength(name) > 15) return 'longer than 15 bytes (IFNAMSIZ)';
  if (name === '.' || name === '..') return 'reserved name';
  if (/[/:\s]/.test(name)) return "contains '/', ':' or whitespace";
  return null;
}

/**
 * Opens (creating if needed) the TAP device `name`; '' lets the kernel pick tapN. Needs the addon
 * and CAP_NET_ADMIN (or ownership of a persistent device); errors say which is missing.
 */
export function openTap(name: string, opts: OpenTapOptions = {}): TapPort {
  const problem = tapNameProblem(name);
  if (problem) throw new Error(`invalid TAP device name ${JSON.stringify(name)}: ${problem}`);
  const addon = loadAddon('tap');
  let d: ReturnType<TapAddon['tapOpen']>;
  try {
    d = addon.tapOpen(name, opts.persist === undefined ? -1 : opts.persist ? 1 : 0, true);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'EPERM' || err.code === 'EACCES')
      throw new Error(`TAP needs Linux and CAP_NET_ADMIN: cannot open TAP device ${JSON.stringify(name)}: ${err.message}`);
    if (err.code === 'EBUSY') throw new Error(`TAP device ${JSON.stringify(name)} is already attached by another process: ${err.message}`);
    if (err.code === 'EINVAL') throw new Error(`cannot open TAP device ${JSON.stringify(name)} (does a non-TAP interface use that name?): ${err.message}`);
    throw new Error(`cannot open TAP device ${JSON.stringify(name)}: ${err.message}`);
  }
  return new TapPort(addon, d.fd, d.name, d.mtu, d.mac, d.existed, opts);
}
