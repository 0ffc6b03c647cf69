// Reading a craft spec (control plane): typed field access that names the bad key path in every error
// (`packets[2].layers[1].ipv4.ttl: expected 0..255, got 300`), resolves incrementing values
// (`{start: 10.0.0.1, step: 1}` → the k-th packet's value) and rejects keys it does not know, so a
// typo is an error instead of a silently default field.
import { tryParseIpv4, ipv4ToString } from '../ip/address.ts';
import { tryParseMac, macToString } from '../ethernet/mac.ts';

export class SpecError extends Error {
  constructor(readonly path: string, readonly detail: string) {
    super(`${path}: ${detail}`);
    this.name = 'SpecError';
  }
}

const TWO32 = 0x100000000;
const TWO48 = 0x1000000000000;

export function describe(v: unknown): string {
  // long or binary strings (a garbage file parses as one YAML scalar) are cut short, not echoed whole
  if (typeof v === 'string') return v.length > 40 ? `${JSON.stringify(v.slice(0, 40)).slice(0, -1)}…" (${v.length} characters)` : JSON.stringify(v);
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a mapping';
  return String(v);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** A mapping in the spec at `path`; `index` is the packet's repeat index for incrementing values. */
export class Obj {
  private readonly used = new Set<string>();
  constructor(readonly o: Record<string, unknown>, readonly path: string, readonly index = 0) {}

  static from(v: unknown, path: string, index = 0): Obj {
    if (v === null || v === undefined) return new Obj({}, path, index);
    if (!isPlainObject(v)) throw new SpecError(path, `expected a mapping, got ${describe(v)}`);
    return new Obj(v, path, index);
  }

  has(key: string): boolean {
    return this.o[key] !== undefined && this.o[key] !== null;
  }
  at(key: string): string {
    return `${this.path}.${key}`;
  }

  /** The raw value, with `{start, step}` resolved for this packet's index. */
  raw(key: string): unknown {
    this.used.add(key);
    const v = this.o[key];
    if (isPlainObject(v) && 'start' in v) return this.increment(key, v);
    return v;
  }

  private increment(key: string, v: Record<string, unknown>): unknown {
    const p = this.at(key);
    for (const k of Object.keys(v)) if (k !== 'start' && k !== 'step') throw new SpecError(`${p}.${k}`, 'unknown key (an incrementing value has start and step)');
    const step = v.step ?? 1;
    if (typeof step !== 'number' || !Number.isInteger(step)) throw new SpecError(`${p}.step`, `expected an integer, got ${describe(step)}`);
    const start = v.start;
    const k = this.index * step;
    if (typeof start === 'number') return start + k;
    if (typeof start === 'string') {
      const ip = tryParseIpv4(start);
      // addresses do not wrap: running past the last (or first) one is an error, as for numbers
      if (ip >= 0) {
        if (ip + k < 0 || ip + k >= TWO32) throw new SpecError(p, `incrementing ${start} by ${step} runs past ${k < 0 ? '0.0.0.0' : '255.255.255.255'} at repeat ${this.index + 1}`);
        return ipv4ToString(ip + k);
      }
      const mac = tryParseMac(start);
      if (mac >= 0) {
        if (mac + k < 0 || mac + k >= TWO48) throw new SpecError(p, `incrementing ${start} by ${step} runs past ${k < 0 ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff'} at repeat ${this.index + 1}`);
        return macToString(mac + k);
      }
      const n = parseIntText(start);
      if (n !== null) return n + k;
    }
    throw new SpecError(`${p}.start`, `expected a number, IPv4 or MAC address to increment, got ${describe(start)}`);
  }

  int(key: string, min: number, max: number, def: number): number;
  int(key: string, min: number, max: number): number | undefined;
  int(key: string, min: number, max: number, def?: number): number | undefined {
    if (!this.has(key)) { this.used.add(key); return def; }
    return toInt(this.raw(key), this.at(key), min, max);
  }

  bool(key: string, def: boolean): boolean {
    if (!this.has(key)) { this.used.add(key); return def; }
    const v = this.raw(key);
    if (typeof v === 'boolean') return v;
    if (v === 0 || v === 1) return v === 1;
    throw new SpecError(this.at(key), `expected true or false, got ${describe(v)}`);
  }

  str(key: string): string | undefined;
  str(key: string, def: string): string;
  str(key: string, def?: string): string | undefined {
    if (!this.has(key)) { this.used.add(key); return def; }
    const v = this.raw(key);
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    throw new SpecError(this.at(key), `expected a string, got ${describe(v)}`);
  }

  ipv4(key: string, def: number): number {
    if (!this.has(key)) { this.used.add(key); return def; }
    const v = this.raw(key);
    const a = typeof v === 'string' ? tryParseIpv4(v) : -1;
    if (a < 0) throw new SpecError(this.at(key), `expected an IPv4 address, got ${describe(v)}`);
    return a;
  }

  mac(key: string, def: number): number {
    if (!this.has(key)) { this.used.add(key); return def; }
    const v = this.raw(key);
    const m = typeof v === 'string' ? tryParseMac(v) : -1;
    if (m < 0) throw new SpecError(this.at(key), `expected a MAC address like 02:00:00:00:00:01, got ${describe(v)}`);
    return m;
  }

  hex(key: string): Uint8Array | undefined {
    if (!this.has(key)) { this.used.add(key); return undefined; }
    return toHexBytes(this.raw(key), this.at(key));
  }

  list(key: string): unknown[] | undefined {
    if (!this.has(key)) { this.used.add(key); return undefined; }
    const v = this.raw(key);
    if (!Array.isArray(v)) throw new SpecError(this.at(key), `expected a list, got ${describe(v)}`);
    return v;
  }

  /** Rejects keys nobody asked for (call after reading every field). */
  done(): void {
    for (const k of Object.keys(this.o)) {
      if (!this.used.has(k)) throw new SpecError(this.at(k), 'unknown key');
    }
  }
}

/** "0x0800", "2048" → number; null otherwise. */
export function parseIntText(s: string): number | null {
  const t = s.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t.slice(2), 16);
  if (/^-?\d+$/.test(t)) return Number(t);
  return null;
}

export function toInt(v: unknown, path: string, min: number, max: number): number {
  let n: number | null = null;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') n = parseIntText(v);
  if (n === null || !Number.isInteger(n)) throw new SpecError(path, `expected an integer ${min}..${max}, got ${describe(v)}`);
  if (n < min || n > max) throw new SpecError(path, `expected ${min}..${max}, got ${n}`);
  return n;
}

export function toHexBytes(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string') throw new SpecError(path, `expected a hex string, got ${describe(v)}`);
  const clean = v.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new SpecError(path, `expected an even number of hex digits, got ${describe(v)}`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}
