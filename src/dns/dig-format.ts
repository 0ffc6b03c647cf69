// Output layouts of BIND 9.18's dig, nslookup and host (Debian dnsutils), from a decoded
// response. Column layout follows dig's master-file style: owner, then tab stops at columns 24
// (TTL), 32 (class), 40 (type), 48 (rdata); at least one tab even when a field overruns.
import { formatRdata } from './rdata.ts';
import type { DnsMessage, DnsRecord } from './message.ts';
import { dnsClassName, dnsOpcodeName, dnsRcodeName, dnsTypeName, DnsType } from './types.ts';
import { ipv4ToString } from '../ip/address.ts';
import { ipv6ToString, type ARdata, type AaaaRdata, type MxRdata, type NameRdata } from './rdata.ts';

export const DIG_VERSION = '9.18.49-1~deb12u3-Debian';

/** Visual column after `s` with 8-column tab stops. */
function column(s: string): number {
  let c = 0;
  for (let i = 0; i < s.length; i++) c = s.charCodeAt(i) === 9 ? (Math.floor(c / 8) + 1) * 8 : c + 1;
  return c;
}

/** Appends tabs until column `col` (at least one). */
function padTo(s: string, col: number): string {
  let c = column(s);
  let out = s;
  do {
    out += '\t';
    c = (Math.floor(c / 8) + 1) * 8;
  } while (c < col);
  return out;
}

/** One question line: `;name.<tabs>IN<tab>A`. */
export function digQuestion(name: string, type: number, cls: number): string {
  return `${padTo(`;${name}`, 32)}${dnsClassName(cls)}\t${dnsTypeName(type)}`;
}

/** One record line as in dig's sections. */
export function digRecord(rr: DnsRecord): string {
  let s = padTo(rr.name, 24) + String(rr.ttl);
  s = padTo(s, 32) + dnsClassName(rr.class);
  s = padTo(s, 40) + dnsTypeName(rr.type);
  return padTo(s, 48) + formatRdata(rr.type, rr.data);
}

/** `+short`: rdata only, one per answer record. */
export function digShort(m: DnsMessage): string[] {
  return m.answers.map((rr) => formatRdata(rr.type, rr.data));
}

export function digFlags(m: DnsMessage): string {
  const f: string[] = [];
  if (m.qr) f.push('qr');
  if (m.aa) f.push('aa');
  if (m.tc) f.push('tc');
  if (m.rd) f.push('rd');
  if (m.ra) f.push('ra');
  if (m.ad) f.push('ad');
  if (m.cd) f.push('cd');
  return f.join(' ');
}

/** From `;; Got answer:` through the last section (no trailing statistics). */
export function digBody(m: DnsMessage, queryRd: boolean): string[] {
  const L: string[] = [';; Got answer:'];
  L.push(`;; ->>HEADER<<- opcode: ${dnsOpcodeName(m.opcode)}, status: ${dnsRcodeName(m.rcode)}, id: ${m.id}`);
  const ar = m.additionals.length + (m.edns ? 1 : 0);
  L.push(`;; flags: ${digFlags(m)}; QUERY: ${m.questions.length}, ANSWER: ${m.answers.length}, AUTHORITY: ${m.authorities.length}, ADDITIONAL: ${ar}`);
  if (queryRd && !m.ra) L.push(';; WARNING: recursion requested but not available');
  L.push('');
  if (m.edns) {
    L.push(';; OPT PSEUDOSECTION:');
    L.push(`; EDNS: version: ${m.edns.version}, flags:${m.edns.dnssecOk ? ' do' : ''}; udp: ${m.edns.udpSize}`);
    for (const o of m.edns.options) L.push(`; OPT=${o.code}: ${[...o.data].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ')}`);
  }
  L.push(';; QUESTION SECTION:');
  for (const q of m.questions) L.push(digQuestion(q.name, q.type, q.class));
  L.push('');
  const sec = (title: string, rrs: DnsRecord[]) => {
    if (!rrs.length) return;
    L.push(`;; ${title} SECTION:`);
    for (const rr of rrs) L.push(digRecord(rr));
    L.push('');
  };
  sec('ANSWER', m.answers);
  sec('AUTHORITY', m.authorities);
  sec('ADDITIONAL', m.additionals);
  return L;
}

/** `Thu Jan 01 00:00:05 UTC 1970` for a Unix time in ms (dig's WHEN, in UTC). */
export function digWhen(ms: number): string {
  const d = new Date(ms);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]!;
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]!;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day} ${mon} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

export interface DigRun {
  /** The arguments as typed after `dig`. */
  args: string[];
  /** `@server` was given: dig prints `; (1 server found)`. */
  serverGiven: boolean;
  server: string;
  port: number;
  queryRd: boolean;
  message: DnsMessage | null;
  queryTimeMs: number;
  whenMs: number;
  bytes: number;
  /** Number of tries that timed out (each prints a communications error line). */
  timeouts: number;
}

/** dig's whole output (stdout), or the `+short` form. */
export function formatDig(r: DigRun, short = false): string[] {
  const L: string[] = [];
  const errs = Array.from({ length: r.timeouts }, () => `;; communications error to ${r.server}#${r.port}: timed out`);
  if (short) {
    if (!r.message) return [...errs, ';; no servers could be reached'];
    return [...errs, ...digShort(r.message)];
  }
  L.push(...errs, '', `; <<>> DiG ${DIG_VERSION} <<>> ${r.args.join(' ')}`);
  if (r.serverGiven) L.push('; (1 server found)');
  L.push(';; global options: +cmd');
  if (!r.message) {
    L.push(';; no servers could be reached');
    return L;
  }
  L.push(...digBody(r.message, r.queryRd));
  L.push(`;; Query time: ${Math.round(r.queryTimeMs)} msec`);
  L.push(`;; SERVER: ${r.server}#${r.port}(${r.server}) (UDP)`);
  L.push(`;; WHEN: ${digWhen(r.whenMs)}`);
  L.push(`;; MSG SIZE  rcvd: ${r.bytes}`);
  L.push('');
  return L;
}

function addr(rr: DnsRecord): string {
  return rr.type === DnsType.A ? ipv4ToString((rr.data as ARdata).address) : ipv6ToString((rr.data as AaaaRdata).address);
}

/** nslookup's server header: `Server:\t\tX` / `Address:\tX#53` and a blank line. */
export function nslookupHeader(server: string, port: number): string[] {
  return [`Server:\t\t${server}`, `Address:\t${server}#${port}`, ''];
}

/**
 * nslookup's answer block for one response (A or AAAA). Returns lines and whether it counts as a
 * failure (exit 1): NXDOMAIN / REFUSED / SERVFAIL print `** server can't find`; NODATA prints
 * `*** Can't find NAME: No answer` (exit 0).
 */
export function nslookupAnswer(m: DnsMessage, qname: string, showNonAuth: boolean): { lines: string[]; failed: boolean; nodata: boolean } {
  const name = qname.replace(/\.$/, '');
  if (m.rcode !== 0) return { lines: [`** server can't find ${name}: ${dnsRcodeName(m.rcode)}`, ''], failed: true, nodata: false };
  const addrs = m.answers.filter((rr) => rr.type === DnsType.A || rr.type === DnsType.AAAA);
  if (!addrs.length) return { lines: [`*** Can't find ${name}: No answer`, ''], failed: false, nodata: true };
  const L: string[] = [];
  if (showNonAuth && !m.aa) L.push('Non-authoritative answer:');
  for (const rr of m.answers) {
    if (rr.type === DnsType.CNAME) L.push(`${rr.name.replace(/\.$/, '')}\tcanonical name = ${(rr.data as NameRdata).target}`);
    else if (rr.type === DnsType.A || rr.type === DnsType.AAAA) L.push(`Name:\t${rr.name.replace(/\.$/, '')}`, `Address: ${addr(rr)}`);
  }
  L.push('');
  return { lines: L, failed: false, nodata: false };
}

/** host's lines for one response of type A / AAAA / MX (aliases first, once). */
export function hostAnswer(m: DnsMessage, seenAliases: Set<string>): string[] {
  const L: string[] = [];
  for (const rr of m.answers) {
    const owner = rr.name.replace(/\.$/, '');
    if (rr.type === DnsType.CNAME) {
      if (!seenAliases.has(owner)) L.push(`${owner} is an alias for ${(rr.data as NameRdata).target}`);
      seenAliases.add(owner);
    } else if (rr.type === DnsType.A) L.push(`${owner} has address ${addr(rr)}`);
    else if (rr.type === DnsType.AAAA) L.push(`${owner} has IPv6 address ${addr(rr)}`);
    else if (rr.type === DnsType.MX) L.push(`${owner} mail is handled by ${(rr.data as MxRdata).preference} ${(rr.data as MxRdata).exchange}`);
    else L.push(`${owner} has ${dnsTypeName(rr.type)} record ${formatRdata(rr.type, rr.data)}`);
  }
  return L;
}

/** `Host NAME not found: 3(NXDOMAIN)`. */
export function hostNotFound(name: string, rcode: number): string {
  return `Host ${name.replace(/\.$/, '')} not found: ${rcode}(${dnsRcodeName(rcode)})`;
}

/** host's `Using domain server:` block when a server was named on the command line. */
export function hostServerHeader(server: string, port: number): string[] {
  return ['Using domain server:', `Name: ${server}`, `Address: ${server}#${port}`, 'Aliases: ', ''];
}
