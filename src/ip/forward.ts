// The forwarding rewrite (RFC 1812 §5.3.1, §5.2.2): TTL − 1 with an RFC 1624 incremental header
// checksum update, and (when given) the new Ethernet header in front of the IP header. In place,
// no allocation. The caller has already checked TTL > 1 and chosen the route and next hop.
import { csumUpdate16 } from './checksum.ts';

/**
 * Decrements the TTL of the IPv4 header at buf[ipOff] and patches its checksum. When `srcMac` is
 * non-zero, also writes dst/src MAC and EtherType 0x0800 into the 14 bytes before the header.
 */
export function forwardRewrite(buf: Uint8Array, ipOff: number, dstMac: number, srcMac: number, _unused: number): void {
  const ttlProto = (buf[ipOff + 8]! << 8) | buf[ipOff + 9]!;
  const next = ttlProto - 0x100;
  buf[ipOff + 8] = next >>> 8;
  const c = csumUpdate16((buf[ipOff + 10]! << 8) | buf[ipOff + 11]!, ttlProto, next);
  buf[ipOff + 10] = c >>> 8;
  buf[ipOff + 11] = c;
  if (srcMac !== 0) {
    const e = ipOff - 14;
    const dh = Math.floor(dstMac / 0x100000000);
    const dl = dstMac >>> 0;
    buf[e] = dh >>> 8; buf[e + 1] = dh; buf[e + 2] = dl >>> 24; buf[e + 3] = dl >>> 16; buf[e + 4] = dl >>> 8; buf[e + 5] = dl;
    const sh = Math.floor(srcMac / 0x100000000);
    const sl = srcMac >>> 0;
    buf[e + 6] = sh >>> 8; buf[e + 7] = sh; buf[e + 8] = sl >>> 24; buf[e + 9] = sl >>> 16; buf[e + 10] = sl >>> 8; buf[e + 11] = sl;
    buf[e + 12] = 0x08;
    buf[e + 13] = 0x00;
  }
}
