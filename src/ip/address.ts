// IPv4 addresses as uint32 numbers (the fast-path form) and their dotted-quad strings (for people).
// Parsing strings is control-plane work; it throws with a message naming the bad text.

export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Strict dotted-quad parse; returns -1 on anything else (no throws, usable in validators). */
export function tryParseIpv4(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) return -1;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return -1;
    const n = Number(p);
    if (n > 255) return -1;
    v = v * 256 + n;
  }
  return v >>> 0;
}

export function parseIpv4Address(s: string): number {
  const v = tryParseIpv4(s);
  if (v < 0) throw new Error(`invalid IPv4 address "${s}"`);
  return v;
}

/** Netmask as uint32 for a prefix length 0..32. */
export function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export interface Cidr {
  addr: number;
  len: number;
}

/** Parses `a.b.c.d/n`; without `/n` the prefix is `defaultLen` (32, as `ip addr add` does). */
export function parseCidr(s: string, defaultLen = 32): Cidr {
  const [a, l, extra] = s.split('/');
  if (extra !== undefined) throw new Error(`invalid prefix "${s}"`);
  const addr = tryParseIpv4(a!);
  if (addr < 0) throw new Error(`invalid prefix "${s}"`);
  let len = defaultLen;
  if (l !== undefined) {
    if (!/^\d{1,2}$/.test(l) || Number(l) > 32) throw new Error(`invalid prefix "${s}"`);
    len = Number(l);
  }
  return { addr, len };
}

export function cidrToString(c: Cidr): string {
  return `${ipv4ToString(c.addr)}/${c.len}`;
}

export function inPrefix(addr: number, net: number, len: number): boolean {
  const m = prefixMask(len);
  return ((addr & m) >>> 0) === ((net & m) >>> 0);
}
