// The loopback port: whatever is transmitted comes back to its own rx handler, one scheduler
// event later (as the kernel defers loopback rx to a softirq rather than recursing).
import type { Port, RxHandler, Medium } from './port.ts';
import type { Scheduler } from '../lab/scheduler.ts';
import { VethPair, FramePool, DEFAULT_HEADROOM, type VethEnd } from './veth.ts';

export class LoopbackPort implements Port {
  readonly medium: Medium = 'ethernet';
  readonly headroom = DEFAULT_HEADROOM;
  mtu = 65536;
  private readonly end: VethEnd;
  private readonly back: VethEnd;

  constructor(
    scheduler: Scheduler,
    readonly name = 'lo',
    pool: FramePool = new FramePool(),
  ) {
    // a pair with zero latency whose far end reflects every frame back: reuses veth's pooling
    const pair = new VethPair(scheduler, name, `${name}-reflect`, { latencyNs: 0, pool });
    this.end = pair.a;
    this.back = pair.b;
    this.back.attach((buf, off, len) => this.back.transmit(buf, off, len));
  }

  attach(rx: RxHandler): void {
    this.end.attach(rx);
  }

  transmit(buf: Uint8Array, off: number, len: number): void {
    this.end.transmit(buf, off, len);
  }
}
