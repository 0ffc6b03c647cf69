// Link-layer header types shared by pcap (the file header's `network` field) and pcapng (the IDB's
// LinkType). Values from the tcpdump.org LINKTYPE_ registry, which both formats use.
import type { Medium } from '../link/port.ts';

export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101, // raw IPv4 or IPv6, version nibble decides
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type LinkType = (typeof LinkType)[keyof typeof LinkType];

const NAMES: Record<number, string> = {
  0: 'NULL', 1: 'EN10MB', 101: 'RAW', 113: 'LINUX_SLL', 228: 'IPV4', 229: 'IPV6', 276: 'LINUX_SLL2',
};

/** Name as libpcap's DLT names print it (EN10MB for Ethernet), or `linktype-N`. */
export function linkTypeName(lt: number): string {
  return NAMES[lt] ?? `linktype-${lt}`;
}

/** The link type a port's frames are captured as: Ethernet frames, or bare IPv4 datagrams. */
export function linkTypeForMedium(m: Medium): number {
  return m === 'ethernet' ? LinkType.ETHERNET : LinkType.RAW;
}
