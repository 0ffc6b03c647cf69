// The `hosts:` line of /etc/nsswitch.conf (nsswitch.conf(5)): an ordered list of sources, each
// optionally followed by `[STATUS=ACTION …]` criteria. Without the file or the line glibc uses
// "dns [!UNAVAIL=return] files"; Debian ships "files dns", and so do our lab namespaces' files.
// The default action after a source is `continue` on every status except SUCCESS (`return`).

export type NssStatus = 'SUCCESS' | 'NOTFOUND' | 'UNAVAIL' | 'TRYAGAIN';
export type NssAction = 'return' | 'continue' | 'merge';

export interface NssSource {
  /** 'files', 'dns', 'myhostname', 'mdns4_minimal', … (unknown sources are kept; a lookup skips them as UNAVAIL). */
  name: string;
  /** Action per status after this source; absent statuses use the default. */
  actions: Partial<Record<NssStatus, NssAction>>;
}

const STATUSES: readonly NssStatus[] = ['SUCCESS', 'NOTFOUND', 'UNAVAIL', 'TRYAGAIN'];

/** glibc's built-in default when nsswitch.conf lacks a hosts line. */
export const GLIBC_DEFAULT_HOSTS = 'dns [!UNAVAIL=return] files';

/** What to do after `src` answered with `status`. */
export function nssAction(src: NssSource, status: NssStatus): NssAction {
  return src.actions[status] ?? (status === 'SUCCESS' ? 'return' : 'continue');
}

/** Parses a source list such as `files [NOTFOUND=return] dns`. Malformed criteria are ignored. */
export function parseNssSources(spec: string): NssSource[] {
  const out: NssSource[] = [];
  const re = /\[([^\]]*)\]?|([^\s[]+)/g;
  for (let m = re.exec(spec); m; m = re.exec(spec)) {
    if (m[2] !== undefined) {
      out.push({ name: m[2].toLowerCase(), actions: {} });
      continue;
    }
    const last = out[out.length - 1];
    if (!last) continue; // criteria before any source: glibc rejects the line's start; we skip
    for (const item of m[1]!.trim().split(/\s+/)) {
      const e = /^(!?)([A-Za-z]+)=([A-Za-z]+)$/.exec(item);
      if (!e) continue;
      const st = e[2]!.toUpperCase() as NssStatus;
      const act = e[3]!.toLowerCase() as NssAction;
      if (!STATUSES.includes(st) || !['return', 'continue', 'merge'].includes(act)) continue;
      // "!STATUS=action" applies the action to every other status
      if (e[1]) for (const s of STATUSES) { if (s !== st) last.actions[s] = act; }
      else last.actions[st] = act;
    }
  }
  return out;
}

/** The `hosts:` sources from nsswitch.conf text (null text = no file: glibc's default). */
export function parseNsswitchHosts(text: string | null): NssSource[] {
  if (text !== null) {
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*/, '');
      const m = /^\s*hosts\s*:(.*)$/.exec(line);
      if (m) {
        const srcs = parseNssSources(m[1]!);
        if (srcs.length) return srcs;
      }
    }
  }
  return parseNssSources(GLIBC_DEFAULT_HOSTS);
}
