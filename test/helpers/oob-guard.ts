// Out-of-bounds detector for the fuzz tests. A view is only given (buf, off, len), so reading
// buf[off + len] is a bug even where a plain typed array would silently return the neighbour's byte
// (or undefined past its end). The fuzz tests place each input inside a larger backing array and
// hand the views this Proxy instead, which reports every access outside the window [lo, hi).
//
// Reported: indexed reads and writes outside the window; slice/subarray/set reaching outside it; and
// any other method or property not known to be harmless ("unmonitored": it could read anywhere).
// After reporting, the access still goes through to the backing array, so a recording sink lets
// the code under test run on; the default sink throws.

export type OobKind = 'read' | 'write' | 'range' | 'unmonitored';

export interface OobFault {
  kind: OobKind;
  /** The index read or written (range: the start); -1 for an unmonitored property. */
  index: number;
  /** Human-readable, e.g. `OOB read at 20 (window 8..20)`. */
  message: string;
}

export type OobSink = (fault: OobFault) => void;

/** The default sink: an out-of-window access throws at the access. */
export const throwOnOob: OobSink = (f) => {
  throw new Error(f.message);
};

// Properties that cannot touch element bytes (or that async machinery probes on any value).
const HARMLESS = new Set(['length', 'byteLength', 'byteOffset', 'buffer', 'BYTES_PER_ELEMENT', 'constructor', 'then']);

function indexOf(p: string | symbol): number | undefined {
  if (typeof p !== 'string' || p === '') return undefined;
  const n = Number(p);
  return Number.isInteger(n) ? n : undefined;
}

/** `backing` seen through a Proxy that reports to `onFault` every access outside [lo, hi). */
export function oobGuard(backing: Uint8Array, lo: number, hi: number, onFault: OobSink = throwOnOob): Uint8Array {
  const where = `(window ${lo}..${hi})`;
  const range = (name: string, a: number, b: number) => {
    if (a < lo || b > hi || a > b) onFault({ kind: 'range', index: a, message: `OOB ${name}(${a}, ${b}) ${where}` });
  };
  const methods: Record<string, (...args: never[]) => unknown> = {
    slice: (a = 0, b = backing.length) => (range('slice', a, b), backing.slice(a, b)),
    subarray: (a = 0, b = backing.length) => (range('subarray', a, b), backing.subarray(a, b)),
    set: (src: ArrayLike<number>, at = 0) => (range('set', at, at + src.length), backing.set(src, at)),
  };
  return new Proxy(backing, {
    get(target, p) {
      const i = indexOf(p);
      if (i !== undefined) {
        if (i < lo || i >= hi) onFault({ kind: 'read', index: i, message: `OOB read at ${i} ${where}` });
        return target[i];
      }
      if (typeof p === 'string') {
        if (p in methods) return methods[p];
        if (!HARMLESS.has(p)) onFault({ kind: 'unmonitored', index: -1, message: `OOB unmonitored access .${p} ${where}` });
      }
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
    set(target, p, value) {
      const i = indexOf(p);
      if (i !== undefined && (i < lo || i >= hi)) onFault({ kind: 'write', index: i, message: `OOB write at ${i} ${where}` });
      return Reflect.set(target, p, value, target);
    },
  });
}
