// Connection-tracking tuples as plain numbers (kernel: struct nf_conntrack_tuple).
// A tuple is (src, dst, sport, dport, proto) with IPv4 addresses as uint32. For ICMP the kernel
// keys queries on the identifier and the type/code: we store the id as `sport` and
// (type << 8 | code) as `dport`, so the reply tuple of an echo request (type 8) carries type 0.
// Tuples live in the conntrack table's typed arrays; this module only names the pieces and gives
// the pure helpers the control plane and the tests use (no allocation on the fast path).
import { ipv4ToString } from '../ip/address.ts';

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

/** Direction of a packet relative to the connection's first packet (IP_CT_DIR_ORIGINAL/REPLY). */
export const Dir = { ORIGINAL: 0, REPLY: 1 } as const;
export type Dir = (typeof Dir)[keyof typeof Dir];

export interface Tuple {
  src: number;
  dst: number;
  sport: number;
  dport: number;
  proto: number;
}

/**
 * ICMP query types and the type of their answer (kernel invmap in nf_conntrack_proto_icmp.c).
 * Only these start a connection; -1 = not a query.
 */
export function icmpReplyType(type: number): number {
  switch (type) {
    case 8: return 0;   // echo → echo reply
    case 13: return 14; // timestamp
    case 15: return 16; // information request
    case 17: return 18; // address mask
    default: return -1;
  }
}

/** The tuple a reply would carry (nf_ct_invert_tuple), or null for an ICMP type that has no answer. */
export function invertTuple(t: Tuple): Tuple | null {
  if (t.proto === PROTO_ICMP) {
    const rt = icmpReplyType(t.dport >>> 8);
    if (rt < 0) return null;
    return { src: t.dst, dst: t.src, sport: t.sport, dport: (rt << 8) | (t.dport & 0xff), proto: t.proto };
  }
  return { src: t.dst, dst: t.src, sport: t.dport, dport: t.sport, proto: t.proto };
}

/** Protocol name as conntrack-tools prints it (`udp`, `tcp`, `icmp`, else `unknown`). */
export function ctProtoName(proto: number): string {
  return proto === PROTO_TCP ? 'tcp' : proto === PROTO_UDP ? 'udp' : proto === PROTO_ICMP ? 'icmp' : 'unknown';
}

/** One direction as conntrack -L prints it: `src=… dst=… sport=… dport=…` / `type=… code=… id=…`. */
export function formatTuple(t: Tuple): string {
  const a = `src=${ipv4ToString(t.src)} dst=${ipv4ToString(t.dst)}`;
  if (t.proto === PROTO_TCP || t.proto === PROTO_UDP) return `${a} sport=${t.sport} dport=${t.dport}`;
  if (t.proto === PROTO_ICMP) return `${a} type=${t.dport >>> 8} code=${t.dport & 0xff} id=${t.sport}`;
  return a;
}
