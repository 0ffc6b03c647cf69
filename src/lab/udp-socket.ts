// A UDP socket in a lab namespace: bind, sendTo, onMessage. Datagrams are delivered from the
// scheduler (no real sockets); sends go through the namespace's routing and ARP like any packet.
import { ipv4ToString, tryParseIpv4 } from '../ip/address.ts';
import type { IpStack } from './ip-stack.ts';
import type { NetDevice } from './net-device.ts';

/**
 * The kernel's udp_sk()->encap_rcv: takes the borrowed datagram (UDP header at udpOff, ulen bytes,
 * checksum already verified when nonzero) before socket delivery; used by tunnels (vxlan-device.ts).
 */
export type UdpEncapRcv = (dev: NetDevice, buf: Uint8Array, ipOff: number, udpOff: number, ulen: number, src: number) => void;

export interface UdpMessage {
  data: Uint8Array;
  address: string;
  port: number;
  /** Lab time of arrival (ns). */
  at: number;
}

export class UdpSocket {
  private handler: ((m: UdpMessage) => void) | null = null;
  readonly inbox: UdpMessage[] = [];
  /** ICMP errors reported for this socket (e.g. 'ECONNREFUSED' after a port unreachable). */
  readonly errors: string[] = [];
  closed = false;
  /** Set by a tunnel device: datagrams go to it, borrowed, instead of being copied into messages. */
  encapRcv: UdpEncapRcv | null = null;

  constructor(
    private readonly stack: IpStack,
    readonly port: number,
    readonly boundAddr: number,
  ) {}

  get address(): string {
    return ipv4ToString(this.boundAddr);
  }

  /** Sets the receive callback; without one, datagrams collect in `inbox`. */
  onMessage(cb: (m: UdpMessage) => void): this {
    this.handler = cb;
    return this;
  }

  /** Sends a datagram; returns '' or an errno name ('ENETUNREACH', 'EMSGSIZE'). */
  sendTo(data: Uint8Array | string, address: string, port: number): string {
    if (this.closed) return 'EBADF';
    const dst = tryParseIpv4(address);
    if (dst < 0) throw new Error(`invalid IPv4 address "${address}"`);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    return this.stack.udpSend(this, dst, port, bytes);
  }

  /** Called by the stack with a borrowed payload. */
  deliver(buf: Uint8Array, off: number, len: number, src: number, srcPort: number, at: number): void {
    const m: UdpMessage = { data: buf.slice(off, off + len), address: ipv4ToString(src), port: srcPort, at };
    if (this.handler) this.handler(m);
    else this.inbox.push(m);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stack.udpUnbind(this);
  }
}
