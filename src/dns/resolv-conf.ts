// /etc/resolv.conf (resolv.conf(5)) parsed as glibc's resolv_conf loader reads it (glibc ≥ 2.26):
// - a line is `keyword value…`; `#` or `;` in column 0 starts a comment; unknown keywords, bad
//   addresses and unknown options are ignored silently (glibc never reports them);
// - `nameserver` keeps the first MAXNS = 3 valid addresses; none at all means 127.0.0.1
//   ("the name server on the local machine");
// - `domain` and `search` replace each other: the last one in the file wins; `domain X` is a
//   one-entry search list; without either, the search list is the hostname's domain part;
// - the search list is unlimited since glibc 2.26 (older glibc kept 6 domains / 256 chars;
//   `legacySearchLimit` reproduces that);
// - options ndots:N (max 15), timeout:N (max 30 s), attempts:N (max 5), rotate; values clamp at
//   those maxima (RES_MAXNDOTS, RES_MAXRETRANS, RES_MAXRETRY); defaults ndots 1, timeout 5,
//   attempts 2 (RES_TIMEOUT, RES_DFLRETRY).
import { tryParseIpv4 } from '../ip/address.ts';

export const MAXNS = 3;
export const MAXDNSRCH_LEGACY = 6;

export interface ResolvConf {
  /** Up to 3 IPv4 nameservers in file order (dotted quads). */
  nameservers: string[];
  /** Search domains without trailing dots, in order. */
  search: string[];
  ndots: number;
  /** Seconds before retrying (RES_TIMEOUT). */
  timeout: number;
  /** Rounds over all nameservers (RES_DFLRETRY). */
  attempts: number;
  rotate: boolean;
  /** Options we recognise but do not act on (edns0, single-request, trust-ad…), for display. */
  otherOptions: string[];
  /** True when no `nameserver` line was usable and the loopback default applies. */
  defaultNameserver: boolean;
}

export interface ResolvConfOptions {
  /** The host's name; its part after the first dot is the default search domain. */
  hostname?: string;
  /** Cap the search list at 6 domains / 256 characters as glibc < 2.26 did. */
  legacySearchLimit?: boolean;
}

const KNOWN_FLAGS = new Set([
  'debug', 'rotate', 'edns0', 'single-request', 'single-request-reopen', 'no-tld-query', 'no-check-names',
  'inet6', 'ip6-bytestring', 'ip6-dotint', 'no-ip6-dotint', 'use-vc', 'no-reload', 'trust-ad', 'no-aaaa',
]);

function clampInt(v: string, max: number): number | null {
  // glibc reads the value with atoi(): leading digits count, anything else is 0
  const m = /^\d+/.exec(v);
  const n = m ? Number(m[0]) : 0;
  return Math.min(n, max);
}

/** Parses resolv.conf text; never fails (glibc ignores what it does not understand). */
export function parseResolvConf(text: string, o: ResolvConfOptions = {}): ResolvConf {
  const rc: ResolvConf = {
    nameservers: [], search: [], ndots: 1, timeout: 5, attempts: 2, rotate: false, otherOptions: [], defaultNameserver: false,
  };
  let search: string[] | null = null;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('#') || raw.startsWith(';')) continue;
    const words = raw.trim().split(/[ \t]+/).filter((w) => w !== '');
    // glibc requires the keyword to be followed by a blank: "nameserver" alone is ignored
    if (words.length < 2) continue;
    const [kw, ...rest] = words as [string, ...string[]];
    if (kw === 'nameserver') {
      if (rc.nameservers.length < MAXNS && tryParseIpv4(rest[0]!) >= 0 && /^\d+\.\d+\.\d+\.\d+$/.test(rest[0]!)) rc.nameservers.push(rest[0]!);
    } else if (kw === 'domain') {
      search = [rest[0]!.replace(/\.$/, '')];
    } else if (kw === 'search') {
      // a '#' or ';' after the keyword ends the list (glibc stops at comment characters)
      const doms: string[] = [];
      for (const w of rest) {
        if (w.startsWith('#') || w.startsWith(';')) break;
        doms.push(w === '.' ? '' : w.replace(/\.$/, ''));
      }
      search = doms;
    } else if (kw === 'options') {
      for (const opt of rest) {
        const c = opt.indexOf(':');
        const name = c < 0 ? opt : opt.slice(0, c);
        const val = c < 0 ? '' : opt.slice(c + 1);
        if (name === 'ndots' && c >= 0) rc.ndots = clampInt(val, 15)!;
        else if (name === 'timeout' && c >= 0) rc.timeout = Math.max(1, clampInt(val, 30)!);
        else if (name === 'attempts' && c >= 0) rc.attempts = Math.max(1, clampInt(val, 5)!);
        else if (name === 'rotate') rc.rotate = true;
        else if (KNOWN_FLAGS.has(name)) rc.otherOptions.push(name);
      }
    }
  }
  if (rc.nameservers.length === 0) {
    rc.nameservers.push('127.0.0.1');
    rc.defaultNameserver = true;
  }
  if (search === null) {
    const h = o.hostname ?? '';
    const dot = h.indexOf('.');
    search = dot >= 0 && dot < h.length - 1 ? [h.slice(dot + 1).replace(/\.$/, '')] : [];
  }
  if (o.legacySearchLimit) {
    const kept: string[] = [];
    let chars = 0;
    for (const d of search) {
      if (kept.length >= MAXDNSRCH_LEGACY || chars + d.length + 1 > 256) break;
      kept.push(d);
      chars += d.length + 1;
    }
    search = kept;
  }
  rc.search = search;
  return rc;
}

/** The resolv.conf text for a config (normalised, as `cat` of a freshly written file would read). */
export function formatResolvConf(rc: ResolvConf): string {
  const lines: string[] = [];
  if (rc.search.length) lines.push(`search ${rc.search.join(' ')}`);
  if (!rc.defaultNameserver) for (const n of rc.nameservers) lines.push(`nameserver ${n}`);
  const opts: string[] = [];
  if (rc.ndots !== 1) opts.push(`ndots:${rc.ndots}`);
  if (rc.timeout !== 5) opts.push(`timeout:${rc.timeout}`);
  if (rc.attempts !== 2) opts.push(`attempts:${rc.attempts}`);
  if (rc.rotate) opts.push('rotate');
  opts.push(...rc.otherOptions);
  if (opts.length) lines.push(`options ${opts.join(' ')}`);
  return lines.join('\n') + '\n';
}
