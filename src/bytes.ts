// Big-endian reads and writes on (Uint8Array, offset). No DataView per call and no allocation:
// these are the primitives every view in the wire layer is built on. Callers bounds-check
// once in the view's check(); these helpers do not check again.

export function u8(b: Uint8Array, o: number): number {
  return b[o]!;
}
export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
export function u24(b: Uint8Array, o: number): number {
  return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
}
export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
/** 48-bit big-endian (a MAC address) as a plain number; exact since 2^48 < 2^53. */
export function u48(b: Uint8Array, o: number): number {
  return (((b[o]! << 8) | b[o + 1]!) * 0x100000000) + u32(b, o + 2);
}

export function put8(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
}
export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}
export function put24(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 16;
  b[o + 1] = v >>> 8;
  b[o + 2] = v;
}
export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}
export function put48(b: Uint8Array, o: number, v: number): void {
  const hi = Math.floor(v / 0x100000000);
  b[o] = hi >>> 8;
  b[o + 1] = hi;
  put32(b, o + 2, v >>> 0);
}

// little-endian, for pcap/pcapng headers written in host order (we always write LE)
export function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
export function put16le(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
}
export function put32le(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/**
 * Copies src[srcOff, srcOff+len) to dst[dstOff, …) (distinct arrays, or non-overlapping ranges).
 * Up to COPY_LOOP_MAX bytes (headers, minimum-size frames) by a plain loop, which allocates nothing:
 * `dst.set(src.subarray(…))` and Node's Buffer#copy with a start offset both create a typed-array
 * view per call. Longer copies take that one short-lived view for a native memcpy, which measured
 * ~10× faster than any JS loop at 1400 B (Node 20; the break-even is ~64 B).
 */
export function copyBytes(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, len: number): void {
  if (len <= COPY_LOOP_MAX) copyBytesNoAlloc(src, srcOff, dst, dstOff, len);
  else dst.set(src.subarray(srcOff, srcOff + len), dstOff);
}
export const COPY_LOOP_MAX = 64;

/**
 * copyBytes by the plain loop at every length: slower above COPY_LOOP_MAX but never allocates, for
 * paths that promise no garbage at all (fragmenting into a caller's scratch buffer, reassembly;
 * test/ip/fragment.test.ts observes the GC). Same contract as copyBytes otherwise.
 */
export function copyBytesNoAlloc(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, len: number): void {
  for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i]!;
}

/** Hex string (no separators) → bytes; for tests and fixtures, not the fast path. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`invalid hex string: ${hex.slice(0, 40)}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

export function toHex(b: Uint8Array, off = 0, len = b.length - off): string {
  let s = '';
  for (let i = off; i < off + len; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}
