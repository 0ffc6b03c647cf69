// DNS numeric constants (RFC 1035 §3.2, RFC 3596 AAAA, RFC 2782 SRV, RFC 6891 OPT) and their
// presentation names. Unknown values stay numbers and print as TYPEnnn / CLASSnnn (RFC 3597 §5).

export const DnsType = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33,
  OPT: 41, DS: 43, RRSIG: 46, NSEC: 47, DNSKEY: 48, HTTPS: 65, IXFR: 251, AXFR: 252, ANY: 255, CAA: 257,
} as const;

export const DnsClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export const DnsOpcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

/** Header RCODE values (4 bits) plus the EDNS0-extended BADVERS (RFC 6891 §6.1.3). */
export const DnsRcode = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5,
  YXDOMAIN: 6, YXRRSET: 7, NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10, BADVERS: 16,
} as const;

function invert(o: Record<string, number>): string[] {
  const a: string[] = [];
  for (const [k, v] of Object.entries(o)) a[v] = k;
  return a;
}
const TYPE_NAMES = invert(DnsType);
const CLASS_NAMES = invert(DnsClass);
const RCODE_NAMES = invert(DnsRcode);
const OPCODE_NAMES = invert(DnsOpcode);

export function dnsTypeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}
export function dnsClassName(c: number): string {
  return CLASS_NAMES[c] ?? `CLASS${c}`;
}
export function dnsRcodeName(r: number): string {
  return RCODE_NAMES[r] ?? `RCODE${r}`;
}
export function dnsOpcodeName(o: number): string {
  return OPCODE_NAMES[o] ?? `OPCODE${o}`;
}

/** "AAAA" / "aaaa" / "TYPE28" → 28; undefined when unknown (RFC 3597 §5 generic form accepted). */
export function parseDnsType(s: string): number | undefined {
  const u = s.toUpperCase();
  const v = (DnsType as Record<string, number>)[u];
  if (v !== undefined) return v;
  const m = /^TYPE(\d{1,5})$/.exec(u);
  return m && Number(m[1]) <= 0xffff ? Number(m[1]) : undefined;
}

/** "IN" / "CLASS1" → 1; undefined when unknown. */
export function parseDnsClass(s: string): number | undefined {
  const u = s.toUpperCase();
  const v = (DnsClass as Record<string, number>)[u];
  if (v !== undefined) return v;
  const m = /^CLASS(\d{1,5})$/.exec(u);
  return m && Number(m[1]) <= 0xffff ? Number(m[1]) : undefined;
}
