// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
// Sums are kept as plain 32-bit-safe integers and folded at the end; no allocation.

/** One's-complement sum of `len` bytes at `off`, added to `initial` (unfolded partial sum). */
export function sum16(b: Uint8Array, off: number, len: number, initial = 0): number {
  let s = initial;
  const end = off + (len & ~1);
  for (let i = off; i < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (len & 1) s += b[off + len - 1]! << 8;
  // fold periodically is unnecessary: 2^53 / 0xffff ≫ any packet length
  return s;
}

/** Folds a partial sum to 16 bits (without complementing). */
export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value for `len` bytes at `off` (with the checksum field zeroed or included). */
export function internetChecksum(b: Uint8Array, off: number, len: number, initial = 0): number {
  return ~fold(sum16(b, off, len, initial)) & 0xffff;
}

/** Partial sum of the IPv4 pseudo-header used by UDP and TCP (RFC 768, RFC 793). */
export function pseudoHeaderSum(src: number, dst: number, proto: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + length;
}

/**
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a 16-bit field changing from `oldWord` to `newWord`.
 * Never yields 0xffff→0x0000 ambiguity issues that eqn. 2 has.
 */
export function csumUpdate16(checksum: number, oldWord: number, newWord: number): number {
  let s = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Incremental update for a 32-bit field (an IPv4 address) changing from `oldV` to `newV`. */
export function csumUpdate32(checksum: number, oldV: number, newV: number): number {
  let s = (~checksum & 0xffff) + (~(oldV >>> 16) & 0xffff) + (~oldV & 0xffff) + (newV >>> 16) + (newV & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}
