// The lab's clock and event queue. Time is an integer count of nanoseconds (a JS number: exact
// up to 2^53 ns ≈ 104 days of lab time). Events at the same instant run in the order they were
// scheduled (a sequence number breaks ties), so a scenario replays identically every run.
//
// Fast path: events are pooled records in a binary heap; scheduling a packet delivery with a
// handler object and a numeric argument allocates nothing once the pool has grown.

/** Receiver of a pooled event: `onEvent(arg)` runs when the event fires. */
export interface EventHandler {
  onEvent(arg: number): void;
}

class Ev {
  t = 0;
  seq = 0;
  h: EventHandler | null = null;
  fn: (() => void) | null = null;
  arg = 0;
  /** Incremented when the record is recycled, so stale handles cannot cancel a new event. */
  gen = 0;
  cancelled = false;
}

/** A cancellable handle for timers (control plane: ARP retries, ping intervals, ageing). */
export interface TimerHandle {
  cancel(): void;
}

export type ClockMode = 'virtual' | 'wall';

export class Scheduler {
  private heap: Ev[] = [];
  private pool: Ev[] = [];
  private seq = 0;
  private _now = 0;
  private _mode: ClockMode;
  private wallStart = 0n;
  private wallTimer: NodeJS.Timeout | null = null;
  private wallImmediate: NodeJS.Immediate | null = null;
  /** Lab time the armed wall timer fires at (Infinity when none is armed). */
  private wallAt = Infinity;
  private stopped = false;
  /** Events run so far (for tests and `runUntilIdle` bounds). */
  executed = 0;

  constructor(mode: ClockMode = 'virtual') {
    this._mode = mode;
    if (mode === 'wall') this.wallStart = process.hrtime.bigint();
  }

  /** 'virtual' (deterministic, runs only when asked) or 'wall' (follows the monotonic clock). */
  get mode(): ClockMode {
    return this._mode;
  }

  /**
   * Switches a virtual clock to wall-clock time (a real device was attached): time continues from
   * the current lab time, and due events run from Node's event loop from now on. Idempotent.
   */
  useWallClock(): void {
    if (this._mode === 'wall') return;
    this._mode = 'wall';
    this.wallStart = process.hrtime.bigint() - BigInt(Math.round(this._now));
    this.stopped = false;
    this.kickWall();
  }

  /** Current lab time in ns. In wall mode it follows the monotonic clock since construction. */
  get now(): number {
    if (this._mode === 'wall') {
      const w = Number(process.hrtime.bigint() - this.wallStart);
      if (w > this._now) this._now = w;
    }
    return this._now;
  }

  get pending(): number {
    return this.heap.length;
  }

  private alloc(t: number): Ev {
    const e = this.pool.pop() ?? new Ev();
    e.t = t;
    e.seq = this.seq++;
    e.cancelled = false;
    return e;
  }

  /** Fast-path scheduling: `h.onEvent(arg)` after `delayNs`. No allocation in steady state. */
  post(delayNs: number, h: EventHandler, arg: number): void {
    // wall mode: relative to the real now (_now may lag it between events)
    const e = this.alloc((this._mode === 'wall' ? this.now : this._now) + delayNs);
    e.h = h;
    e.fn = null;
    e.arg = arg;
    this.push(e);
    this.kickWall();
  }

  /** Runs `fn` after `delayNs` of lab time. */
  after(delayNs: number, fn: () => void): TimerHandle {
    const e = this.alloc(this.now + Math.max(0, Math.round(delayNs)));
    e.fn = fn;
    e.h = null;
    this.push(e);
    this.kickWall();
    const gen = e.gen;
    return {
      cancel: () => {
        if (e.gen === gen) e.cancelled = true;
      },
    };
  }

  /** Runs the earliest event; returns false if the queue is empty. */
  step(): boolean {
    const e = this.pop();
    if (!e) return false;
    if (e.t > this._now) this._now = e.t;
    const { h, fn, arg, cancelled } = e;
    e.h = null;
    e.fn = null;
    e.gen++;
    this.pool.push(e);
    if (cancelled) return true;
    this.executed++;
    if (h) h.onEvent(arg);
    else if (fn) fn();
    return true;
  }

  /**
   * Runs events until none remain or `maxEvents` have run (a guard against scenarios that never
   * settle, e.g. a broadcast loop through two bridges). Returns the number run.
   */
  runUntilIdle(maxEvents = 10_000_000): number {
    let n = 0;
    while (n < maxEvents && this.step()) n++;
    return n;
  }

  /** Runs every event due within the next `durationNs`, then advances the clock to the end. */
  runFor(durationNs: number, maxEvents = 10_000_000): number {
    return this.runUntil(this._now + durationNs, maxEvents);
  }

  /** Runs events with time ≤ `t` and leaves the clock at `t`. */
  runUntil(t: number, maxEvents = 10_000_000): number {
    let n = 0;
    while (n < maxEvents && this.heap.length > 0 && this.heap[0]!.t <= t) {
      this.step();
      n++;
    }
    if (this._now < t) this._now = t;
    return n;
  }

  /**
   * Wall mode: runs every event that is due now (frames from a real device call this after a
   * batch so the lab's reaction leaves in the same turn of the event loop). Returns the count.
   */
  runDue(maxEvents = 1_000_000): number {
    const now = this.now;
    let n = 0;
    while (n < maxEvents && this.heap.length > 0 && this.heap[0]!.t <= now) {
      this.step();
      n++;
    }
    return n;
  }

  /**
   * Wall mode: keeps one driver armed for the earliest event — setImmediate when it is due within
   * a millisecond (setTimeout cannot wait less than 1 ms), else setTimeout. An earlier event than
   * the armed one re-arms it. The timer is unref'd: real devices (or an app awaiting a result)
   * keep the process alive, an idle lab waiting for its next timer does not.
   */
  private kickWall(): void {
    if (this._mode !== 'wall' || this.stopped) return;
    const top = this.heap[0];
    if (!top) return;
    if (top.t >= this.wallAt) return;
    this.disarm();
    const delayNs = top.t - this.now;
    this.wallAt = top.t;
    if (delayNs < 1e6) {
      // not unref'd: an unref'd immediate does not stop libuv's poll from blocking until the next
      // ref'd timer or I/O, which delayed 10 µs veth hops by up to a second
      this.wallImmediate = setImmediate(this.onWall);
    } else {
      this.wallTimer = setTimeout(this.onWall, delayNs / 1e6);
      this.wallTimer.unref?.();
    }
  }

  private readonly onWall = (): void => {
    this.wallTimer = null;
    this.wallImmediate = null;
    this.wallAt = Infinity;
    this.runDue();
    this.kickWall();
  };

  private disarm(): void {
    if (this.wallTimer) clearTimeout(this.wallTimer);
    if (this.wallImmediate) clearImmediate(this.wallImmediate);
    this.wallTimer = null;
    this.wallImmediate = null;
    this.wallAt = Infinity;
  }

  /** Stops the wall-clock driver (pending events stay queued). */
  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  // --- binary heap ordered by (t, seq) ---
  private less(a: Ev, b: Ev): boolean {
    return a.t < b.t || (a.t === b.t && a.seq < b.seq);
  }

  private push(e: Ev): void {
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  private pop(): Ev | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
        if (!this.less(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;
