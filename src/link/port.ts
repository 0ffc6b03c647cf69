// The link-layer contract every device end implements: veth ends, loopback, bridge ports,
// TAP devices, raw IP sockets, and middleware (PcapTap, FaultInjector) that wraps a port.
//
// Ownership: a frame handed to `transmit` or to an rx handler is *borrowed* for the duration of
// the call. Whoever needs it later copies it. Frames are built with `headroom` free bytes in front
// so encapsulation can prepend headers without copying (as the kernel's sk_buff does).

export type Medium = 'ethernet' | 'ip';

/** Receives a borrowed frame: bytes `buf[off .. off+len)`. */
export type RxHandler = (buf: Uint8Array, off: number, len: number) => void;

export interface Port {
  readonly name: string;
  readonly medium: Medium;
  /** Largest L3 payload (Ethernet: bytes after the 14-byte header), as `ip link` reports it. */
  mtu: number;
  /** Bytes a sender should leave free in front of a frame for encapsulation. */
  readonly headroom: number;
  /** Sets the handler for frames arriving from the other side; replaces any earlier one. */
  attach(rx: RxHandler): void;
  /** Sends a frame to the other side. The buffer is borrowed; the port copies what it keeps. */
  transmit(buf: Uint8Array, off: number, len: number): void;
}
