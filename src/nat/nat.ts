// NAT binding setup (kernel nf_nat_setup_info / get_unique_tuple): on a connection's first packet
// the nat rule chooses the new address and port, and the *reply* tuple of the conntrack entry is
// rewritten to what answers will look like. Every later packet in both directions is rewritten
// from the two tuples alone (translate.ts), never by consulting rules again.
import { Conntrack, CtStatus } from './conntrack.ts';
import { Manip } from './translate.ts';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP } from './tuple.ts';

/** Mixes two addresses into an index (the kernel hashes src/dst to spread clients over an SNAT address range). */
function pickAddr(lo: number, hi: number, a: number, b: number): number {
  if (hi <= lo) return lo;
  const h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) >>> 0;
  return (lo + (h % (hi - lo + 1))) >>> 0;
}

/**
 * Sets up the `manip` binding of entry `e` to the range addrLo..addrHi and, when `ports`, the
 * ports portLo..portHi (without `ports` the port is kept when the resulting tuple is free: no
 * --to-ports / :port given). Returns false when no free tuple exists (the kernel drops the
 * packet). Marks the manip as done and the SRC_NAT/DST_NAT status when the tuple really changed.
 * Scalars rather than a range object, and no closure: this runs once per new connection.
 */
export function setupNat(
  ct: Conntrack, e: number, manip: number,
  addrLo: number, addrHi: number, ports: boolean, portLo: number, portHi: number,
  rng: () => number, now: number,
): boolean {
  const o = e * 2;
  const r = o + 1;
  const proto = ct.proto[e]!;
  const src = manip === Manip.SRC;
  const hasPorts = proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_ICMP;
  const icmp = proto === PROTO_ICMP;
  // the port we would keep: for SRC the original source port (icmp: id); for DST the original destination port
  const origPort = icmp || src ? ct.tSport[o]! : ct.tDport[o]!;
  // a one-address range (MASQUERADE, most SNAT/DNAT) needs no pick; the addresses are hashed as
  // int32 — a uint32 ≥ 2^31 passed to a call that is not inlined is a heap number per connection
  const addr = addrHi <= addrLo ? addrLo : pickAddr(addrLo, addrHi, ct.tSrc[o]! | 0, src ? ct.tDst[o]! | 0 : 0);
  // candidate reply tuple: the current one with the manipulated side (address, and the port that
  // goes with it: reply dport for SRC, reply sport for DST or an ICMP id) replaced
  const rSrc = (src ? ct.tSrc[r]! : addr) | 0; // int32: see Conntrack.lookup
  const rDst = (src ? addr : ct.tDst[r]!) | 0;
  const portIsSport = icmp || !src;
  let rSport = portIsSport ? origPort : ct.tSport[r]!;
  let rDport = portIsSport ? ct.tDport[r]! : origPort;
  const inRange = !ports || (origPort >= portLo && origPort <= portHi);
  if (!hasPorts || (inRange && !ct.tupleTaken(rSrc, rDst, rSport, rDport, proto, e, now))) {
    return commit(ct, e, manip, rSrc, rDst, rSport, rDport);
  }
  // nf_nat_l4proto_unique_tuple: the range given, else by the original port's class
  let min: number, size: number;
  if (ports) {
    min = portLo;
    size = portHi - portLo + 1;
  } else if (icmp) {
    min = 0;
    size = 65536;
  } else if (!src) {
    return commit(ct, e, manip, rSrc, rDst, rSport, rDport); // DNAT without ports keeps them
  } else if (origPort < 1024) {
    if (origPort < 512) { min = 1; size = 511; } else { min = 600; size = 424; }
  } else {
    min = 1024;
    size = 65535 - 1024 + 1;
  }
  // random start for SRC (kernel get_random_u16), sequential from the bottom for DST; 128 tries then halving rounds
  let off = src ? Math.floor(rng() * 65536) : 0;
  let attempts = Math.min(size, 128);
  for (;;) {
    for (let i = 0; i < attempts; i++, off++) {
      const port = min + (off % size);
      if (portIsSport) rSport = port; else rDport = port;
      if (!ct.tupleTaken(rSrc, rDst, rSport, rDport, proto, e, now)) return commit(ct, e, manip, rSrc, rDst, rSport, rDport);
    }
    attempts >>= 1;
    if (attempts < 16) return false;
    off = Math.floor(rng() * 65536);
  }
}

function commit(ct: Conntrack, e: number, manip: number, s: number, d: number, sp: number, dp: number): boolean {
  const r = e * 2 + 1;
  const changed = (s | 0) !== (ct.tSrc[r]! | 0) || (d | 0) !== (ct.tDst[r]! | 0) || sp !== ct.tSport[r] || dp !== ct.tDport[r];
  if (changed) ct.setReply(e, s, d, sp, dp);
  let st = ct.status[e]! | (manip === Manip.SRC ? CtStatus.SRC_NAT_DONE : CtStatus.DST_NAT_DONE);
  if (changed) st |= manip === Manip.SRC ? CtStatus.SRC_NAT : CtStatus.DST_NAT;
  ct.status[e] = st;
  return true;
}

/**
 * The null binding (nf_nat_alloc_null_binding) for a new connection no nat rule matched: keeps
 * the addresses but still makes the reply tuple unique, so a local socket reusing a port a
 * masqueraded flow holds gets another source port.
 */
export function nullBinding(ct: Conntrack, e: number, manip: number, rng: () => number, now: number): boolean {
  const o = e * 2;
  const a = manip === Manip.SRC ? ct.tSrc[o]! : ct.tDst[o]!;
  return setupNat(ct, e, manip, a, a, false, 0, 0, rng, now);
}
