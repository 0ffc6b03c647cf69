// `cat` and `echo` over the session's per-namespace files (/etc/hosts, /etc/resolv.conf,
// /etc/nsswitch.conf, /etc/hostname, and anything a script writes). Redirections (`>`, `>>`)
// are applied by the runner; `cat` with no file copies standard input (`cat >> f <<EOF`).
import type { Ctx, ShellCommand } from '../command.ts';
import { tryParseIpv4 } from '../../ip/address.ts';

function cat(ctx: Ctx, argv: string[]): number {
  const files = argv.slice(1).filter((a) => a !== '-' || true);
  let rc = 0;
  if (files.length === 0) {
    if (ctx.stdin !== null) ctx.out(ctx.stdin);
    return 0;
  }
  for (const f of files) {
    if (f === '-') {
      if (ctx.stdin !== null) ctx.out(ctx.stdin);
      continue;
    }
    if (f.startsWith('-')) {
      ctx.err(`cat: invalid option -- '${f.slice(1, 2)}'\nTry 'cat --help' for more information.\n`);
      return 1;
    }
    const data = ctx.session.readFile(ctx.ns, f);
    if (data === null) {
      if (isDir(ctx, f)) ctx.err(`cat: ${f}: Is a directory\n`);
      else ctx.err(`cat: ${f}: No such file or directory\n`);
      rc = 1;
      continue;
    }
    ctx.out(data);
  }
  return rc;
}

function isDir(ctx: Ctx, f: string): boolean {
  const p = f.replace(/\/+$/, '') + '/';
  return p === '/' || [...ctx.session.fs(ctx.ns).keys()].some((k) => k.startsWith(p));
}

/** bash's builtin echo: -n (no newline), -e (backslash escapes), -E. */
function echo(ctx: Ctx, argv: string[]): number {
  const a = argv.slice(1);
  let nl = true;
  let esc = false;
  while (a.length && /^-[neE]+$/.test(a[0]!)) {
    const f = a.shift()!;
    if (f.includes('n')) nl = false;
    if (f.includes('e')) esc = true;
    if (f.includes('E')) esc = false;
  }
  let s = a.join(' ');
  if (esc) s = s.replace(/\\(n|t|\\)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
  ctx.out(s + (nl ? '\n' : ''));
  return 0;
}

/** The first address for `name` in a hosts(5) file (IPv4 lines only), or null. */
export function hostsLookup(hosts: string, name: string): string | null {
  const want = name.toLowerCase().replace(/\.$/, '');
  for (const raw of hosts.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [addr, ...names] = line.split(/\s+/);
    if (addr === undefined || tryParseIpv4(addr) < 0) continue;
    if (names.some((n) => n.toLowerCase() === want)) return addr;
  }
  return null;
}

export const catCommand: ShellCommand = { name: 'cat', summary: 'print files (/etc/hosts, /etc/resolv.conf, …) or standard input', run: cat };
export const echoCommand: ShellCommand = { name: 'echo', summary: 'print its arguments (with > / >> to write files)', run: echo };
