// Timestamp arithmetic for capture files. Times are nanoseconds in a JS number. Integers are exact up to
// 2^53 ns (~104 days — a lab's virtual clock starting at 0); wall-clock epoch times (~1.7e18 ns) are integer
// doubles too (multiples of 256 ns). Every split and join below is exact for integer inputs (it relies on
// IEEE operations being exact whenever the exact result is representable), so write → read round-trips the
// same double, with no BigInt on the common paths.

const TWO32 = 4294967296;
const TWO53 = 9007199254740992;

/** Scratch result of splitNs/fromRaw/joinNs (no allocation per record). */
export const ts = { sec: 0, frac: 0, ns: 0 };

/** sec * 1e9 + frac rounded once (exact below 2^53). */
export function joinNs(sec: number, frac: number): number {
  if (sec < 9007199) return sec * 1e9 + frac;
  const sh = Math.floor(sec / 65536);
  const sl = sec - sh * 65536;
  return sh * 1e9 * 65536 + (sl * 1e9 + frac);
}

/** Splits a timestamp in ns into whole seconds and ns within the second: ts.sec, ts.frac, ts.ns. */
export function splitNs(tsNs: number): void {
  let t = Math.round(tsNs);
  if (!(t > 0)) t = 0; // negative or NaN: clamp to time zero rather than write garbage
  let q = Math.floor(t / 1e9);
  let r: number;
  if (t < TWO53) r = t - q * 1e9;
  else {
    // q*1e9 can exceed 2^53; subtract it in two exact halves (each intermediate is an integer < 2^53).
    const qh = Math.floor(q / 65536);
    r = t - qh * 1e9 * 65536 - (q - qh * 65536) * 1e9;
  }
  if (r < 0) { q--; r += 1e9; } else if (r >= 1e9) { q++; r -= 1e9; }
  ts.sec = q;
  ts.frac = r;
  ts.ns = t;
}

/** High and low 32-bit words of a non-negative integer (exact for any integer double < 2^64). */
export function hiWord(t: number): number {
  return Math.floor(t / TWO32);
}
export function loWord(t: number, hi: number): number {
  return t - hi * TWO32;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * Converts a raw pcapng timestamp hi:lo counted in units of 10^-p (or 2^-p when `pow2`) seconds, plus
 * if_tsoffset seconds, into ts.sec / ts.frac / ts.ns. Callers keep p ≤ 18 (base 10) or ≤ 63 (base 2).
 */
export function fromRaw(hi: number, lo: number, p: number, pow2: boolean, offsetSec: number): void {
  if (!pow2 && p <= 9) {
    const d = POW10[p]!;
    let sec: number;
    let rem: number;
    if (hi < 2097152) {
      const raw = hi * TWO32 + lo; // < 2^53: exact
      sec = Math.floor(raw / d);
      rem = raw - sec * d;
    } else {
      // Long division of the 64-bit value by d < 2^32, 16 bits at a time: every step stays below 2^48.
      let cur = hi >>> 16;
      let q = Math.floor(cur / d);
      cur = (cur - q * d) * 65536 + (hi & 0xffff);
      let qd = Math.floor(cur / d);
      q = q * 65536 + qd;
      cur = (cur - qd * d) * 65536 + (lo >>> 16);
      qd = Math.floor(cur / d);
      q = q * 65536 + qd;
      cur = (cur - qd * d) * 65536 + (lo & 0xffff);
      qd = Math.floor(cur / d);
      q = q * 65536 + qd;
      sec = q;
      rem = cur - qd * d;
    }
    ts.sec = sec + offsetSec;
    ts.frac = rem * POW10[9 - p]!;
  } else {
    const raw = (BigInt(hi) << 32n) | BigInt(lo);
    const per = pow2 ? 1n << BigInt(p) : 10n ** BigInt(p);
    const sec = raw / per;
    ts.sec = Number(sec) + offsetSec;
    ts.frac = Number(((raw - sec * per) * 1000000000n) / per);
  }
  ts.ns = joinNs(ts.sec, ts.frac);
}
