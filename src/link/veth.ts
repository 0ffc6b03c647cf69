// A veth pair as the lab models it: two Ports joined back to back. A frame transmitted on one end
// is copied into a pooled buffer (with headroom in front) and delivered to the other end's rx
// handler after a fixed per-hop latency on the lab scheduler. Fixed latency keeps rtts
// deterministic; FIFO order is kept because every frame on one direction has the same delay.
//
// Ownership: `transmit` borrows the caller's bytes (copied at once); the rx handler borrows the
// pooled buffer until it returns, after which the buffer goes back to the pool.
import { copyBytes } from '../bytes.ts';
import type { Port, RxHandler, Medium } from './port.ts';
import type { Scheduler, EventHandler } from '../lab/scheduler.ts';

export const DEFAULT_HEADROOM = 64;

/**
 * Free lists of frame buffers by size class (2 KiB, 16 KiB, 64 KiB + headroom). Steady-state
 * traffic recycles buffers and allocates nothing.
 */
export class FramePool {
  private readonly classes = [2048, 16384, 65536 + 128];
  private readonly free: Uint8Array[][] = [[], [], []];
  allocated = 0;

  get(size: number): Uint8Array {
    for (let c = 0; c < this.classes.length; c++) {
      if (size <= this.classes[c]!) {
        const b = this.free[c]!.pop();
        if (b) return b;
        this.allocated++;
        return new Uint8Array(this.classes[c]!);
      }
    }
    this.allocated++;
    return new Uint8Array(size);
  }

  put(b: Uint8Array): void {
    const c = this.classes.indexOf(b.length);
    if (c >= 0 && this.free[c]!.length < 4096) this.free[c]!.push(b);
  }
}

/** One end of a veth pair. */
export class VethEnd implements Port, EventHandler {
  readonly medium: Medium = 'ethernet';
  readonly headroom: number;
  mtu = 1500;
  peer!: VethEnd;
  private rx: RxHandler | null = null;
  // FIFO of frames in flight towards *this* end: parallel arrays, used as a ring
  private qBuf: (Uint8Array | null)[] = [];
  private qOff: number[] = [];
  private qLen: number[] = [];
  private qHead = 0;
  private qCount = 0;
  /** Frames that reached this end with no rx handler attached. */
  lost = 0;

  constructor(
    public name: string,
    private readonly pair: VethPair,
    headroom: number,
  ) {
    this.headroom = headroom;
  }

  attach(rx: RxHandler): void {
    this.rx = rx;
  }

  transmit(buf: Uint8Array, off: number, len: number): void {
    const p = this.peer;
    const b = this.pair.pool.get(this.headroom + len);
    copyBytes(buf, off, b, this.headroom, len);
    p.enqueue(b, this.headroom, len);
    this.pair.scheduler.post(this.pair.latencyNs, p, 0);
  }

  private enqueue(b: Uint8Array, off: number, len: number): void {
    const cap = this.qBuf.length;
    if (this.qCount === cap) this.grow();
    const i = (this.qHead + this.qCount) % this.qBuf.length;
    this.qBuf[i] = b;
    this.qOff[i] = off;
    this.qLen[i] = len;
    this.qCount++;
  }

  private grow(): void {
    const n = Math.max(16, this.qBuf.length * 2);
    const b: (Uint8Array | null)[] = new Array(n).fill(null);
    const o: number[] = new Array(n).fill(0);
    const l: number[] = new Array(n).fill(0);
    for (let k = 0; k < this.qCount; k++) {
      const i = (this.qHead + k) % this.qBuf.length;
      b[k] = this.qBuf[i]!;
      o[k] = this.qOff[i]!;
      l[k] = this.qLen[i]!;
    }
    this.qBuf = b;
    this.qOff = o;
    this.qLen = l;
    this.qHead = 0;
  }

  /** Scheduler callback: delivers the oldest in-flight frame. */
  onEvent(): void {
    if (this.qCount === 0) return;
    const i = this.qHead;
    const b = this.qBuf[i]!;
    this.qBuf[i] = null;
    this.qHead = (i + 1) % this.qBuf.length;
    this.qCount--;
    try {
      if (this.rx) this.rx(b, this.qOff[i]!, this.qLen[i]!);
      else this.lost++;
    } finally {
      this.pair.pool.put(b);
    }
  }

  /** Frames in flight towards this end. */
  get inFlight(): number {
    return this.qCount;
  }
}

export interface VethOptions {
  /** One-way delivery latency in ns (default 10 µs: small, fixed, so ping rtts are deterministic). */
  latencyNs?: number;
  headroom?: number;
  pool?: FramePool;
}

export class VethPair {
  readonly a: VethEnd;
  readonly b: VethEnd;
  readonly latencyNs: number;
  readonly pool: FramePool;

  constructor(
    readonly scheduler: Scheduler,
    nameA: string,
    nameB: string,
    opts: VethOptions = {},
  ) {
    this.latencyNs = opts.latencyNs ?? 10_000;
    this.pool = opts.pool ?? new FramePool();
    const h = opts.headroom ?? DEFAULT_HEADROOM;
    this.a = new VethEnd(nameA, this, h);
    this.b = new VethEnd(nameB, this, h);
    this.a.peer = this.b;
    this.b.peer = this.a;
  }
}
