// A stub resolver for lab hosts, as glibc's getaddrinfo() resolves a host name:
//   nsswitch `hosts:` order → `files` (/etc/hosts, literal match, no search list) and `dns`
//   (res_search over the search list, res_send over the nameservers with timeout/attempts).
// Time is the caller's clock (the lab scheduler): no real timers, so a run replays identically.
// Unlike glibc (which caches nothing) it caches answers by TTL and negative answers per RFC 2308
// §5 (min of the SOA's TTL and MINIMUM; NXDOMAIN covers every type of the name), as nscd or
// systemd-resolved would; `cache: false` turns that off.
import { tryParseIpv4, ipv4ToString } from '../ip/address.ts';
import { decodeDnsMessage, dnsMessage, encodeDnsMessage, type DnsMessage, type DnsRecord } from './message.ts';
import { parseHostsFile } from './hosts-file.ts';
import { parseResolvConf, type ResolvConf } from './resolv-conf.ts';
import { parseNsswitchHosts, nssAction, type NssStatus } from './nsswitch.ts';
import { SearchWalk, searchCandidates, type CandidateOutcome } from './search-list.ts';
import { ipv6ToString, type ARdata, type AaaaRdata, type NameRdata, type SoaRdata } from './rdata.ts';
import { DnsClass, DnsRcode, DnsType } from './types.ts';

/** Datagram transport for one exchange (a lab UDP socket, or a real one). */
export interface DnsTransport {
  /** Sends to server:port; returns '' or an errno name. */
  send(data: Uint8Array, server: string, port: number): string;
  onMessage(cb: (data: Uint8Array, from: string, port: number) => void): void;
  close(): void;
}

export interface DnsClock {
  /** Nanoseconds. */
  now(): number;
  after(ns: number, fn: () => void): { cancel(): void };
}

export interface ExchangeOptions {
  servers: string[];
  port?: number;
  /** Seconds (resolv.conf `timeout`, dig `+timeout`). */
  timeout: number;
  /** Rounds over the server list (resolv.conf `attempts`, dig `+tries`). */
  attempts: number;
  /**
   * glibc's per-server wait (res_send.c send_dg): `timeout << i` seconds for server index i,
   * divided by the server count when i > 0, at least 1 s. Off: `timeout` for every server.
   */
  glibcTimeouts?: boolean;
  /** Move to the next server on SERVFAIL / NOTIMP / REFUSED as glibc does (dig prints them). */
  failover?: boolean;
  rotate?: boolean;
}

export interface ExchangeResult {
  /** 'answer': a response (possibly with a bad rcode); 'timeout': none came; 'error': every send failed. */
  status: 'answer' | 'timeout' | 'error';
  message: DnsMessage | null;
  server: string | null;
  /** Response size in bytes. */
  bytes: number;
  /** Time from the last send to the response (ns). */
  rttNs: number;
  /** Datagrams sent. */
  sent: number;
  errno: string;
}

/** One query/response exchange with retries; `newTransport` is called once per exchange (a fresh source port, as glibc opens a socket per res_send). */
export function exchange(
  newTransport: () => DnsTransport, clock: DnsClock, query: DnsMessage, o: ExchangeOptions, cb: (r: ExchangeResult) => void,
): void {
  const port = o.port ?? 53;
  const bytes = encodeDnsMessage(query);
  const q = query.questions[0]!;
  const t = newTransport();
  const res: ExchangeResult = { status: 'timeout', message: null, server: null, bytes: 0, rttNs: 0, sent: 0, errno: '' };
  const n = o.servers.length;
  let attempt = 0, idx = 0, sentAt = 0, current = '';
  let timer: { cancel(): void } | null = null;
  let finished = false;
  let badAnswer: { m: DnsMessage; server: string; bytes: number; rtt: number } | null = null;
  let anySent = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    timer?.cancel();
    t.close();
    if (res.status !== 'answer' && badAnswer) {
      Object.assign(res, { status: 'answer', message: badAnswer.m, server: badAnswer.server, bytes: badAnswer.bytes, rttNs: badAnswer.rtt });
    }
    if (res.status === 'timeout' && !anySent) res.status = 'error';
    cb(res);
  };
  const next = () => {
    timer?.cancel();
    timer = null;
    if (idx >= n) { idx = 0; attempt++; }
    if (attempt >= o.attempts) return finish();
    const i = idx++;
    const si = o.rotate ? (i + attempt) % n : i;
    current = o.servers[si]!;
    let secs = o.timeout;
    if (o.glibcTimeouts && i > 0) secs = Math.floor((o.timeout * 2 ** i) / n);
    secs = Math.max(1, secs);
    sentAt = clock.now();
    const err = t.send(bytes, current, port);
    res.sent++;
    if (err) {
      res.errno = err;
      // an unroutable server fails at once (sendto() returns the error); try the next one
      timer = clock.after(0, next);
      return;
    }
    anySent = true;
    timer = clock.after(secs * 1e9, next);
  };
  t.onMessage((data, from, fport) => {
    if (finished || from !== current || fport !== port) return;
    const m = decodeDnsMessage(data);
    if (typeof m === 'number' || !m.qr || m.id !== query.id) return;
    const rq = m.questions[0];
    // RFC 5452 §9.1: accept only a response to our question
    if (!rq || rq.type !== q.type || rq.name.toLowerCase() !== q.name.toLowerCase()) return;
    const rtt = clock.now() - sentAt;
    const rc = m.rcode;
    if (o.failover && (rc === DnsRcode.SERVFAIL || rc === DnsRcode.NOTIMP || rc === DnsRcode.REFUSED)) {
      badAnswer = { m, server: from, bytes: data.length, rtt };
      timer?.cancel();
      timer = clock.after(0, next);
      return;
    }
    Object.assign(res, { status: 'answer', message: m, server: from, bytes: data.length, rttNs: rtt });
    finish();
  });
  next();
}

// ---- cache -----------------------------------------------------------------------------------

interface CacheEntry {
  expires: number;
  outcome: 'answer' | 'nxdomain' | 'nodata';
  records: DnsRecord[];
  storedAt: number;
}

/** Answers and negative answers by (name, type), with an explicit clock (ns). */
export class DnsCache {
  private readonly m = new Map<string, CacheEntry>();
  hits = 0;
  misses = 0;

  get(name: string, type: number, now: number): CacheEntry | null {
    const n = name.toLowerCase();
    for (const k of [`${n}|*`, `${n}|${type}`]) {
      const e = this.m.get(k);
      if (!e) continue;
      if (e.expires <= now) { this.m.delete(k); continue; }
      this.hits++;
      // remaining TTL, as a caching resolver hands it out
      const elapsed = Math.floor((now - e.storedAt) / 1e9);
      return { ...e, records: e.records.map((r) => ({ ...r, ttl: Math.max(0, r.ttl - elapsed) })) };
    }
    this.misses++;
    return null;
  }

  /** Stores what a response says about (name, type); a negative answer needs an SOA (RFC 2308 §5). */
  put(name: string, type: number, m: DnsMessage, now: number): void {
    const n = name.toLowerCase();
    const rc = m.rcode;
    if (rc === DnsRcode.NOERROR && m.answers.length > 0) {
      const ttl = Math.min(...m.answers.map((r) => r.ttl));
      if (ttl > 0) this.m.set(`${n}|${type}`, { expires: now + ttl * 1e9, outcome: 'answer', records: m.answers, storedAt: now });
      return;
    }
    if (rc !== DnsRcode.NOERROR && rc !== DnsRcode.NXDOMAIN) return;
    const soa = m.authorities.find((r) => r.type === DnsType.SOA);
    if (!soa) return;
    const ttl = Math.min(soa.ttl, (soa.data as SoaRdata).minimum);
    if (ttl <= 0) return;
    const nx = rc === DnsRcode.NXDOMAIN;
    this.m.set(nx ? `${n}|*` : `${n}|${type}`, { expires: now + ttl * 1e9, outcome: nx ? 'nxdomain' : 'nodata', records: [soa], storedAt: now });
  }

  clear(): void {
    this.m.clear();
  }
  get size(): number {
    return this.m.size;
  }
}

// ---- resolver --------------------------------------------------------------------------------

/** The per-namespace files the resolver reads on every lookup (glibc reloads a changed resolv.conf). */
export interface ResolverFiles {
  resolvConf(): string | null;
  hosts(): string | null;
  nsswitch(): string | null;
  hostname?(): string;
}

export type GaiError = 'EAI_NONAME' | 'EAI_AGAIN' | 'EAI_NODATA' | 'EAI_FAIL';

/** gai_strerror() texts (glibc). */
export const GAI_STRERROR: Record<GaiError, string> = {
  EAI_NONAME: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_NODATA: 'No address associated with hostname',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
};

export interface QueryLogEntry {
  name: string;
  type: number;
  /** 'cache' when answered from the cache (nothing sent). */
  via: 'network' | 'cache';
  outcome: CandidateOutcome;
  at: number;
}

export interface DnsLookup {
  outcome: CandidateOutcome;
  /** The name that answered (a search candidate), with trailing dot. */
  name: string | null;
  records: DnsRecord[];
}

export interface ResolveResult {
  addresses: string[];
  /** Canonical name (the end of a CNAME chain, or the hosts file's first name). */
  canonName: string | null;
  source: 'files' | 'dns' | null;
  error: GaiError | null;
}

export interface StubResolverOptions {
  cache?: boolean;
  /** 16-bit query IDs (seeded from the lab for reproducible pcaps). */
  nextId?: () => number;
}

export class StubResolver {
  readonly cache = new DnsCache();
  readonly log: QueryLogEntry[] = [];
  private readonly useCache: boolean;
  private readonly nextId: () => number;
  private idSeq = 0x1234;

  constructor(
    private readonly newTransport: () => DnsTransport,
    readonly clock: DnsClock,
    readonly files: ResolverFiles,
    o: StubResolverOptions = {},
  ) {
    this.useCache = o.cache ?? true;
    this.nextId = o.nextId ?? (() => (this.idSeq = (this.idSeq * 75 + 74) % 65537) & 0xffff);
  }

  conf(): ResolvConf {
    return parseResolvConf(this.files.resolvConf() ?? '', { hostname: this.files.hostname?.() });
  }

  /** One absolute name, one type: cache, else res_send over the nameservers. */
  query(name: string, type: number, cb: (o: CandidateOutcome, records: DnsRecord[]) => void): void {
    const now = this.clock.now();
    if (this.useCache) {
      const e = this.cache.get(name, type, now);
      if (e) {
        const o: CandidateOutcome = e.outcome;
        this.log.push({ name, type, via: 'cache', outcome: o, at: now });
        return cb(o, e.outcome === 'answer' ? e.records : []);
      }
    }
    const rc = this.conf();
    const q = dnsMessage({ id: this.nextId(), rd: true, questions: [{ name, type, class: DnsClass.IN }] });
    exchange(this.newTransport, this.clock, q, { servers: rc.nameservers, timeout: rc.timeout, attempts: rc.attempts, rotate: rc.rotate, glibcTimeouts: true, failover: true }, (r) => {
      let o: CandidateOutcome = 'tryagain';
      let recs: DnsRecord[] = [];
      const m = r.message;
      if (r.status === 'answer' && m) {
        if (m.rcode === DnsRcode.NXDOMAIN) o = 'nxdomain';
        else if (m.rcode === DnsRcode.SERVFAIL) o = 'servfail';
        else if (m.rcode !== DnsRcode.NOERROR) o = 'tryagain';
        else if (m.answers.some((a) => a.type === type)) { o = 'answer'; recs = m.answers; }
        else o = 'nodata';
        if (this.useCache && (o === 'answer' || o === 'nxdomain' || o === 'nodata')) this.cache.put(name, type, m, this.clock.now());
      }
      this.log.push({ name, type, via: 'network', outcome: o, at: this.clock.now() });
      cb(o, recs);
    });
  }

  /** res_search: the search-list walk for `name`. */
  lookupDns(name: string, type: number, cb: (r: DnsLookup) => void): void {
    const walk = new SearchWalk(searchCandidates(name, this.conf()));
    let first = true;
    const step = () => {
      const c = walk.next();
      if (!c) return cb({ outcome: walk.failure(), name: null, records: [] });
      this.query(c.name, type, (o, recs) => {
        walk.record(c, o, first);
        first = false;
        if (o === 'answer') return cb({ outcome: 'answer', name: c.name, records: recs });
        step();
      });
    };
    step();
  }

  /** getaddrinfo(): the nsswitch `hosts:` sources in order. Only A (IPv4) and AAAA. */
  resolve(name: string, type: number, cb: (r: ResolveResult) => void): void {
    // a numeric address needs no lookup (AI_NUMERICHOST path)
    if (tryParseIpv4(name) >= 0 && type === DnsType.A) return cb({ addresses: [name], canonName: name, source: null, error: null });
    const sources = parseNsswitchHosts(this.files.nsswitch());
    let i = 0;
    let sawTryAgain = false, sawNodata = false;
    const fail = () => cb({
      addresses: [], canonName: null, source: null,
      error: sawTryAgain ? 'EAI_AGAIN' : sawNodata ? 'EAI_NODATA' : 'EAI_NONAME',
    });
    const after = (status: NssStatus) => {
      const src = sources[i - 1]!;
      if (nssAction(src, status) === 'return') return fail();
      step();
    };
    const step = (): void => {
      if (i >= sources.length) return fail();
      const src = sources[i++]!;
      if (src.name === 'files') {
        const hit = hostsFileLookup(this.files.hosts(), name, type);
        if (hit) return cb({ ...hit, source: 'files', error: null });
        return after(this.files.hosts() === null ? 'UNAVAIL' : 'NOTFOUND');
      }
      if (src.name === 'dns') {
        return this.lookupDns(name, type, (r) => {
          if (r.outcome === 'answer') {
            const { addresses, canon } = addressesFrom(r.records, r.name!, type);
            if (addresses.length) return cb({ addresses, canonName: canon.replace(/\.$/, ''), source: 'dns', error: null });
            sawNodata = true;
            return after('NOTFOUND');
          }
          if (r.outcome === 'tryagain' || r.outcome === 'servfail') { sawTryAgain = true; return after('TRYAGAIN'); }
          if (r.outcome === 'nodata') sawNodata = true;
          after('NOTFOUND');
        });
      }
      // sources we do not implement (myhostname, mdns4_minimal, resolve…) are unavailable
      after('UNAVAIL');
    };
    step();
  }
}

/** Follows the CNAME chain from `owner` and collects the addresses of `type` at its end. */
export function addressesFrom(records: DnsRecord[], owner: string, type: number): { addresses: string[]; canon: string } {
  let canon = owner.toLowerCase();
  for (let hops = 0; hops < 16; hops++) {
    const c = records.find((r) => r.type === DnsType.CNAME && r.name.toLowerCase() === canon);
    if (!c) break;
    canon = (c.data as NameRdata).target.toLowerCase();
  }
  const addresses = records
    .filter((r) => r.type === type && r.name.toLowerCase() === canon)
    .map((r) => (type === DnsType.A ? ipv4ToString((r.data as ARdata).address) : ipv6ToString((r.data as AaaaRdata).address)));
  const orig = records.find((r) => r.name.toLowerCase() === canon);
  return { addresses, canon: orig ? orig.name : canon };
}

/** glibc's files backend: a literal, case-insensitive match on any name of a line (no search list). */
export function hostsFileLookup(text: string | null, name: string, type: number): { addresses: string[]; canonName: string } | null {
  if (text === null) return null;
  const want = name.toLowerCase().replace(/\.$/, '');
  let canonName: string | null = null;
  const addresses: string[] = [];
  for (const e of parseHostsFile(text).entries) {
    const v4 = typeof e.address === 'number';
    if ((type === DnsType.A) !== v4) continue;
    if (!e.names.some((n) => n.toLowerCase() === want)) continue;
    canonName ??= e.names[0]!;
    const a = typeof e.address === 'number' ? ipv4ToString(e.address) : ipv6ToString(e.address);
    if (!addresses.includes(a)) addresses.push(a);
  }
  return canonName === null ? null : { addresses, canonName };
}
