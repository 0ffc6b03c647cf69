// PcapTap: port middleware that records every frame crossing a port into a capture file, as tcpdump on an
// interface would: frames transmitted through the tap are recorded as outbound, frames received from the
// inner port as inbound, then passed on unchanged (the same borrowed buffer, same offset and length).
// The record is written before the frame is passed on so that a capture's order follows causality even when
// the receiver transmits a reply from inside its rx handler.
import type { CaptureWriter } from '../pcap/record.ts';
import { linkTypeForMedium } from '../pcap/linktype.ts';
import type { Medium, Port, RxHandler } from './port.ts';

export class PcapTap implements Port {
  private rx: RxHandler | null = null;
  private pending: string | undefined = undefined;
  /** When false, frames pass through unrecorded. */
  enabled = true;

  /**
   * @param ifId   interface id from writer.addInterface (see PcapTap.open to add one for the port)
   * @param clock  current time in ns (the lab's clock)
   */
  constructor(
    readonly inner: Port,
    readonly writer: CaptureWriter,
    readonly ifId: number,
    private readonly clock: () => number,
  ) {
    inner.attach((buf, off, len) => {
      if (this.enabled) this.record(buf, off, len, 'in');
      this.rx?.(buf, off, len);
    });
  }

  /** Adds an interface named `name` (default: the port's name) with the port's link type and wraps the port. */
  static open(inner: Port, writer: CaptureWriter, clock: () => number, name = inner.name, snaplen?: number): PcapTap {
    const id = writer.addInterface(name, { linktype: linkTypeForMedium(inner.medium), snaplen });
    return new PcapTap(inner, writer, id, clock);
  }

  get name(): string {
    return this.inner.name;
  }
  get medium(): Medium {
    return this.inner.medium;
  }
  get mtu(): number {
    return this.inner.mtu;
  }
  set mtu(v: number) {
    this.inner.mtu = v;
  }
  get headroom(): number {
    return this.inner.headroom;
  }

  attach(rx: RxHandler): void {
    this.rx = rx;
  }

  transmit(buf: Uint8Array, off: number, len: number): void {
    if (this.enabled) this.record(buf, off, len, 'out');
    this.inner.transmit(buf, off, len);
  }

  /** Attaches a comment (pcapng opt_comment) to the next frame recorded on this port. */
  commentNext(text: string): void {
    this.pending = this.pending === undefined ? text : `${this.pending}\n${text}`;
  }

  /**
   * Records a frame that does not cross the port — e.g. one dropped before transmission — with a comment
   * saying why ("no route", "TTL expired"). Nothing is passed on.
   */
  note(buf: Uint8Array, off: number, len: number, direction: 'in' | 'out', comment: string): void {
    this.writer.write(this.ifId, this.clock(), buf, off, len, { direction, comment });
  }

  private record(buf: Uint8Array, off: number, len: number, direction: 'in' | 'out'): void {
    const comment = this.pending;
    if (comment !== undefined) this.pending = undefined;
    // One options object per record would be garbage on the fast path: reuse two frozen shapes.
    this.writer.write(this.ifId, this.clock(), buf, off, len, comment === undefined ? (direction === 'in' ? IN : OUT) : { direction, comment });
  }
}

const IN = Object.freeze({ direction: 'in' as const });
const OUT = Object.freeze({ direction: 'out' as const });
