// In-place NAT rewriting of an IPv4 packet (kernel nf_nat_ipv4_manip_pkt + l4 manip): the source
// or destination address and the matching port (TCP/UDP) or identifier (ICMP queries), with
// RFC 1624 incremental checksum updates for the IP header and the transport checksum, whose
// pseudo-header covers the addresses. ICMP errors quoting a NATed flow get their quoted header
// translated back too (nf_nat_icmp_reply_translation). Callers pass a packet they have already
// checked (Netfilter does); every offset is still bounded by `end` so a short quote is safe.
import { u16, u32, put16, put32 } from '../bytes.ts';
import { csumUpdate16, csumUpdate32, internetChecksum } from '../ip/checksum.ts';

export const Manip = { SRC: 0, DST: 1 } as const;
export type Manip = (typeof Manip)[keyof typeof Manip];

/** ICMP types that carry an identifier (queries and their answers). */
export function icmpHasId(type: number): boolean {
  return type === 0 || type === 8 || (type >= 13 && type <= 18);
}

/**
 * Rewrites the `manip` address of the IPv4 packet at `ip` to `addr` and its port (TCP/UDP) or
 * ICMP query id to `port`, bounded by `end`. On a non-first fragment only the address changes.
 * A quoted (inner) TCP header shorter than 18 bytes keeps its checksum, as the kernel does for the
 * 8 bytes an ICMP error is guaranteed to quote.
 */
export function manipPacket(buf: Uint8Array, ip: number, end: number, manip: number, addr: number, port: number): void {
  const ihl = (buf[ip]! & 0x0f) << 2;
  const aoff = ip + (manip === Manip.SRC ? 12 : 16);
  // compared as int32: callers pass int32 addresses (a uint32 ≥ 2^31 argument is a heap number)
  const old = u32(buf, aoff) | 0;
  addr |= 0;
  const proto = buf[ip + 9]!;
  const l4 = ip + ihl;
  const avail = end - l4;
  if ((u16(buf, ip + 6) & 0x1fff) === 0) {
    if (proto === 17) {
      if (avail >= 8) {
        const po = l4 + (manip === Manip.SRC ? 0 : 2);
        const oldPort = u16(buf, po);
        const c = u16(buf, l4 + 6);
        // UDP checksum 0 means "none" (RFC 768) and stays 0; a computed 0 is sent as 0xffff
        if (c !== 0) {
          let n = csumUpdate16(csumUpdate32(c, old, addr), oldPort, port);
          if (n === 0) n = 0xffff;
          put16(buf, l4 + 6, n);
        }
        put16(buf, po, port);
      }
    } else if (proto === 6) {
      if (avail >= 4) {
        const po = l4 + (manip === Manip.SRC ? 0 : 2);
        const oldPort = u16(buf, po);
        if (avail >= 18) put16(buf, l4 + 16, csumUpdate16(csumUpdate32(u16(buf, l4 + 16), old, addr), oldPort, port));
        put16(buf, po, port);
      }
    } else if (proto === 1) {
      if (avail >= 8 && icmpHasId(buf[l4]!)) {
        const oldId = u16(buf, l4 + 4);
        if (oldId !== port) {
          put16(buf, l4 + 2, csumUpdate16(u16(buf, l4 + 2), oldId, port));
          put16(buf, l4 + 4, port);
        }
      }
    }
  }
  if (old !== addr) {
    put16(buf, ip + 10, csumUpdate32(u16(buf, ip + 10), old, addr));
    put32(buf, aoff, addr);
  }
}

/**
 * Translates an ICMP error (packet at `ip`, ICMP at `icmp`, quoted datagram at `icmp + 8`) that is
 * RELATED to a NATed flow: the quoted header gets the opposite manip (`innerAddr:innerPort`), the
 * outer header gets `manip` to `outerAddr`, and the ICMP checksum is recomputed over the message
 * (the quote changed, and errors are rare enough not to need an incremental update).
 */
export function manipIcmpError(
  buf: Uint8Array, ip: number, icmp: number, end: number,
  manip: number, outerAddr: number, innerAddr: number, innerPort: number,
): void {
  const inner = icmp + 8;
  manipPacket(buf, inner, end, manip === Manip.SRC ? Manip.DST : Manip.SRC, innerAddr, innerPort);
  const aoff = ip + (manip === Manip.SRC ? 12 : 16);
  const old = u32(buf, aoff) | 0;
  if (old !== (outerAddr | 0)) {
    put16(buf, ip + 10, csumUpdate32(u16(buf, ip + 10), old, outerAddr));
    put32(buf, aoff, outerAddr);
  }
  put16(buf, icmp + 2, 0);
  put16(buf, icmp + 2, internetChecksum(buf, icmp, end - icmp));
}
