// Per-run shell state over one Lab: the namespace commands run in (the root one unless inside
// `ip netns exec`), a small per-namespace file system for the files the primer edits, the last
// exit status, and whether the run is interactive (ping without -c then runs until Ctrl-C).
//
// Deliberate difference from Linux: every namespace has its own /etc/hosts, /etc/resolv.conf,
// /etc/nsswitch.conf and /etc/hostname (as a container has). On a real host `ip netns exec NS`
// shares the host's /etc unless /etc/netns/NS/ exists, and shares its hostname (no UTS ns).
import { Lab } from '../lab/lab.ts';
import type { Netns } from '../lab/netns.ts';

export const ROOT_HOSTNAME = 'wirestack';

/** Debian defaults (bookworm), with the namespace's hostname. */
export function defaultFiles(hostname: string): Map<string, string> {
  return new Map([
    ['/etc/hostname', `${hostname}\n`],
    [
      '/etc/hosts',
      `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n`,
    ],
    ['/etc/resolv.conf', 'nameserver 8.8.8.8\n'],
    [
      '/etc/nsswitch.conf',
      '# /etc/nsswitch.conf\n#\n# Example configuration of GNU Name Service Switch functionality.\n\npasswd:         files\ngroup:          files\nshadow:         files\ngshadow:        files\n\nhosts:          files dns\nnetworks:       files\n\nprotocols:      db files\nservices:       db files\nethers:         db files\nrpc:            db files\n\nnetgroup:       nis\n',
    ],
  ]);
}

export interface SessionOptions {
  seed?: number;
  interactive?: boolean;
  /** Echo requests sent by a `ping` without `-c` in a non-interactive run. */
  pingDefaultCount?: number;
  lab?: Lab;
}

export class Session {
  readonly lab: Lab;
  readonly interactive: boolean;
  readonly pingDefaultCount: number;
  private readonly files = new Map<Netns, Map<string, string>>();
  /** Exit status of the last command (`$?`). */
  lastExit = 0;
  /** `set -e` (or `wirestack run -e`): stop at the first failing command. */
  errexit = false;
  /** Shell variables (`NAME=VALUE`, `export`, `for NAME in …`); unset ones expand to nothing. */
  readonly vars = new Map<string, string>();
  /** Names marked by `export` (listed by a bare `export`; no lab command reads the environment). */
  readonly exported = new Set<string>();
  /** Set by the `exit N` builtin: the script (or shell) stops with status N. */
  exitRequested: number | null = null;

  constructor(o: SessionOptions = {}) {
    this.lab = o.lab ?? new Lab({ seed: o.seed ?? 1 });
    this.interactive = o.interactive ?? false;
    this.pingDefaultCount = o.pingDefaultCount ?? 4;
    // a real host boots with lo up (127.0.0.1/8); namespaces made by `ip netns add` start with it down
    if (!this.lab.root.lo.adminUp) this.lab.root.linkSet('lo', { up: true });
  }

  get root(): Netns {
    return this.lab.root;
  }

  /** The file table of a namespace, created with the defaults on first use. */
  fs(ns: Netns): Map<string, string> {
    let f = this.files.get(ns);
    if (!f) {
      f = defaultFiles(ns === this.lab.root ? ROOT_HOSTNAME : ns.name);
      // files written to /etc/netns/NAME/ before the namespace existed (as `ip netns exec` would
      // bind-mount them over /etc on Linux)
      if (ns !== this.lab.root) {
        const pre = `/etc/netns/${ns.name}/`;
        for (const [k, v] of this.fs(this.lab.root)) if (k.startsWith(pre)) f.set('/etc/' + k.slice(pre.length), v);
      }
      this.files.set(ns, f);
    }
    return f;
  }

  /**
   * `/etc/netns/NS/FILE` seen from the host is NS's `/etc/FILE`: Linux's `ip netns exec`
   * bind-mounts those files over /etc, and here each namespace's /etc is that copy.
   */
  private resolve(ns: Netns, path: string): { f: Map<string, string>; p: string } {
    const p = normPath(path);
    const m = ns === this.lab.root ? /^\/etc\/netns\/([^/]+)\/(.+)$/.exec(p) : null;
    const target = m ? this.lab.netnsOrNull(m[1]!) : null;
    if (m && target && target !== this.lab.root) return { f: this.fs(target), p: '/etc/' + m[2]! };
    return { f: this.fs(ns), p };
  }

  readFile(ns: Netns, path: string): string | null {
    const { f, p } = this.resolve(ns, path);
    return f.get(p) ?? null;
  }

  writeFile(ns: Netns, path: string, data: string, append: boolean): void {
    const { f, p } = this.resolve(ns, path);
    f.set(p, append ? (f.get(p) ?? '') + data : data);
  }

  hostname(ns: Netns): string {
    return (this.readFile(ns, '/etc/hostname') ?? '').split('\n')[0]!.trim() || 'localhost';
  }

  /** Device names across all namespaces (for completion). */
  deviceNames(): string[] {
    return [...new Set(this.lab.allNamespaces().flatMap((n) => n.devices.map((d) => d.name)))];
  }
}

export function normPath(p: string): string {
  const parts: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') parts.pop();
    else parts.push(s);
  }
  return '/' + parts.join('/');
}
