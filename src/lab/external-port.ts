// Adapts an IP-level Port (medium 'ip': RawIpPort) to the Ethernet frames the lab's devices carry.
// Received packets get a synthetic Ethernet header written into the headroom in front of them
// (destination = the lab device's MAC, source 00:00:00:00:00:00, type IPv4), so they take the same
// receive path — and show up in captures as the same linktype — as every other frame. Transmitted
// frames lose their Ethernet header; anything but IPv4 (ARP: the device is NOARP) is dropped and
// counted. No copies either way.
import { put16 } from '../bytes.ts';
import { writeMac } from '../ethernet/mac.ts';
import type { Medium, Port, RxHandler } from '../link/port.ts';

const ETH = 14;

export class IpToEthernetPort implements Port {
  readonly medium: Medium = 'ethernet';
  readonly name: string;
  readonly headroom: number;
  /** MAC written as the destination of received frames (the lab device's own address). */
  mac = 0;
  /** Frames transmit() dropped because they were not IPv4. */
  txNonIp = 0;
  /** Packets received without room for the Ethernet header in front (copied instead). */
  rxCopied = 0;
  private rx: RxHandler | null = null;
  private readonly scratch = new Uint8Array(ETH + 65535);

  constructor(readonly inner: Port) {
    if (inner.medium !== 'ip') throw new Error(`IpToEthernetPort wraps a medium 'ip' port, not '${inner.medium}'`);
    this.name = inner.name;
    this.headroom = inner.headroom + ETH;
    inner.attach(this.onRx);
  }

  get mtu(): number {
    return this.inner.mtu;
  }
  set mtu(v: number) {
    this.inner.mtu = v;
  }

  attach(rx: RxHandler): void {
    this.rx = rx;
  }

  transmit(buf: Uint8Array, off: number, len: number): void {
    if (len < ETH || buf[off + 12] !== 0x08 || buf[off + 13] !== 0x00) {
      this.txNonIp++;
      return;
    }
    this.inner.transmit(buf, off + ETH, len - ETH);
  }

  private readonly onRx = (buf: Uint8Array, off: number, len: number): void => {
    const rx = this.rx;
    if (!rx) return;
    let b = buf;
    let o = off - ETH;
    if (o < 0) {
      // the inner port left no headroom: one copy into our scratch
      this.rxCopied++;
      b = this.scratch;
      o = 0;
      b.set(buf.subarray(off, off + len), ETH);
    }
    writeMac(b, o, this.mac);
    writeMac(b, o + 6, 0);
    put16(b, o + 12, 0x0800);
    rx(b, o, len + ETH);
  };
}
