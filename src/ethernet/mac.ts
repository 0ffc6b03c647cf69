// MAC addresses (IEEE 802 EUI-48) as plain 48-bit numbers: exact in a double (2^48 < 2^53), usable as
// Map/typed-array keys and compared with ===. The first octet on the wire is the most significant byte
// of the number, so 02:00:00:00:00:01 is 0x020000000001.
//
// Bits of the first octet (IEEE 802-2014 §8.2): bit 0 (0x01) is I/G — group (multicast/broadcast)
// when set; bit 1 (0x02) is U/L — locally administered when set.
import { u48, put48 } from '../bytes.ts';

export const BROADCAST_MAC = 0xffffffffffff;
export const ZERO_MAC = 0;

const TWO32 = 0x100000000;
const TWO40 = 0x10000000000;

/** First octet of the address (the one carrying the I/G and U/L bits). */
function firstOctet(m: number): number {
  return Math.floor(m / TWO40) & 0xff;
}

export function isBroadcast(m: number): boolean {
  return m === BROADCAST_MAC;
}
/** I/G bit set: multicast, and broadcast too (broadcast is the all-ones group address). */
export function isMulticast(m: number): boolean {
  return (firstOctet(m) & 0x01) !== 0;
}
export function isUnicast(m: number): boolean {
  return (firstOctet(m) & 0x01) === 0;
}
/** U/L bit set: assigned by software (veth, bridges, containers), not burnt in by a vendor. */
export function isLocallyAdministered(m: number): boolean {
  return (firstOctet(m) & 0x02) !== 0;
}
export function isZeroMac(m: number): boolean {
  return m === 0;
}

/** Lower-case colon form with two digits per octet, as `ip link` prints it. */
export function macToString(m: number): string {
  const hi = Math.floor(m / TWO32);
  const lo = m >>> 0;
  return (
    hex2(hi >>> 8) + ':' + hex2(hi) + ':' +
    hex2(lo >>> 24) + ':' + hex2(lo >>> 16) + ':' + hex2(lo >>> 8) + ':' + hex2(lo)
  );
}
function hex2(v: number): string {
  return (v & 0xff).toString(16).padStart(2, '0');
}

// Six groups of one or two hex digits, all separated by ':' or all by '-'. One-digit groups are
// accepted because iproute2 (`ip link set … address 2:0:0:0:0:1`) and ether_aton(3) accept them.
const MAC_RE = /^([0-9a-f]{1,2})([:-])([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})$/i;

/** Parses aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff; returns -1 for anything else (never throws). */
export function tryParseMac(s: string): number {
  const m = MAC_RE.exec(s);
  if (!m) return -1;
  let v = 0;
  for (const i of [1, 3, 4, 5, 6, 7]) v = v * 256 + parseInt(m[i]!, 16);
  return v;
}

/** As tryParseMac, but throws an Error naming the bad text (control-plane input: config, CLI). */
export function parseMac(s: string): number {
  const v = tryParseMac(s);
  if (v < 0) throw new Error(`invalid MAC address "${s}"`);
  return v;
}

/** Reads a MAC at buf[off..off+6). No bounds check: callers check once (see EthernetView.check). */
export function readMac(buf: Uint8Array, off: number): number {
  return u48(buf, off);
}
export function writeMac(buf: Uint8Array, off: number, m: number): void {
  put48(buf, off, m);
}

// murmur3's 32-bit finaliser: a bijection on uint32 with good avalanche.
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Deterministic locally administered unicast MAC for (seed, index), for the lab's seeded generator:
 * the same inputs give the same address on every run, so pcaps are reproducible.
 *
 * Layout: the top 16 bits come from the seed only (first octet forced to x2/x6/xA/xE: U/L set,
 * I/G clear); the low 32 bits are a seed-keyed bijection of the index. So for one seed, distinct
 * indices in [0, 2^32) ALWAYS give distinct MACs; across seeds, collisions are ~2^-46 per pair.
 * Both arguments must be safe integers and index must be in [0, 2^32); anything else is a
 * programming error and throws RangeError.
 */
export function macFromSeed(seed: number, index: number): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`macFromSeed: seed must be a safe integer, got ${seed}`);
  if (!Number.isInteger(index) || index < 0 || index >= TWO32)
    throw new RangeError(`macFromSeed: index must be an integer in [0, 2^32), got ${index}`);
  const seedLo = seed >>> 0;
  const seedHi = Math.floor(seed / TWO32) >>> 0; // two's-complement-ish for negatives; only needs determinism
  const k1 = fmix32(seedLo ^ fmix32((seedHi + 0x9e3779b9) >>> 0));
  const k2 = fmix32((k1 + 0x7f4a7c15) >>> 0);
  const k3 = fmix32((k2 ^ 0x94d049bb) >>> 0);
  // Each step (xor with a key, fmix32, add a key) is a bijection on uint32, so the whole is one too.
  const low = (fmix32((fmix32((index ^ k2) >>> 0) + k3) >>> 0) ^ k1) >>> 0;
  const top = (((k1 >>> 16) & 0xfcff) | 0x0200) >>> 0; // first octet: clear I/G (0x01), set U/L (0x02)
  return top * TWO32 + low;
}
