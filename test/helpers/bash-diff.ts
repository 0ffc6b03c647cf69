// Differential harness for the shell: runs one script under real bash against the kernel (in
// throwaway namespaces, every namespace name made unique, the "host" itself a throwaway namespace,
// /etc files bind-mounted copies in a private mount namespace) and under wirestack, and returns
// both sides per script line, normalised so that only MACs, ifindexes, timings, IPv6 and the
// documented differences are hidden.
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScript } from '../../src/shell/script.ts';
import { runScript } from '../../src/cli/commands/run.ts';
import { run, uniqueName } from './peers.ts';

export interface LineResult {
  line: number;
  command: string;
  exit: number;
  stdout: string;
  stderr: string;
}

/** Namespace names a script creates (`ip netns add NAME`), in order. */
export function scriptNamespaces(script: string): string[] {
  const out: string[] = [];
  for (const l of parseScript(script))
    for (const c of l.commands) {
      const a = c.argv;
      const i = a.indexOf('netns');
      if (a[0] === 'ip' && i > 0 && a[i + 1] === 'add' && /^[A-Za-z0-9_.-]+$/.test(a[i + 2] ?? '') && !out.includes(a[i + 2]!)) out.push(a[i + 2]!);
    }
  return out;
}

function rewrite(text: string, map: Map<string, string>): string {
  let s = text;
  for (const [from, to] of map) s = s.replace(new RegExp(`(^|[\\s"'])${from.replace(/[.-]/g, '\\$&')}(?=$|[\\s"'])`, 'gm'), `$1${to}`);
  return s;
}

function unrewrite(text: string, map: Map<string, string>): string {
  let s = text;
  for (const [from, to] of map) s = s.split(to).join(from);
  return s;
}

/** Runs `script` under real bash; one result per script line. Cleans up everything it made. */
export function runUnderBash(script: string, timeoutMs = 60_000): LineResult[] {
  const names = scriptNamespaces(script);
  const map = new Map(names.map((n) => [n, uniqueName('wd')]));
  const host = uniqueName('wh');
  const dir = mkdtempSync(join(tmpdir(), 'wsdiff-'));
  const lines = parseScript(script);
  const parts: string[] = [
    'set +e',
    // a host without IPv6 chatter (MLD/ND would fill bridge FDBs and neighbour tables)
    'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null',
    'ip link set lo up',
    // the lab's per-namespace /etc files: private copies so nothing touches the real host
    `for f in hosts resolv.conf nsswitch.conf hostname; do cp /etc/$f ${dir}/etc-$f 2>/dev/null || : > ${dir}/etc-$f; mount --bind ${dir}/etc-$f /etc/$f || exit 99; done`,
    // never touch the real /etc: stop unless the copies are in place
    `grep -q . /proc/self/mountinfo && for f in hosts resolv.conf; do grep -q " /etc/$f " /proc/self/mountinfo || exit 99; done`,
  ];
  lines.forEach((l, i) => {
    parts.push(`{ ${rewrite(l.source, map)}\n} >${dir}/${i}.out 2>${dir}/${i}.err </dev/null; echo $? >${dir}/${i}.rc`);
    for (const c of l.commands) {
      const k = c.argv.indexOf('netns');
      if (c.argv[0] === 'ip' && k > 0 && c.argv[k + 1] === 'add' && map.has(c.argv[k + 2] ?? ''))
        parts.push(`ip netns exec ${map.get(c.argv[k + 2]!)} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null`);
    }
  });
  writeFileSync(join(dir, 'script.sh'), parts.join('\n') + '\n');
  try {
    const add = run('ip', ['netns', 'add', host]);
    if (add.status !== 0) throw new Error(`ip netns add ${host}: ${add.stderr}`);
    run('ip', ['netns', 'exec', host, 'unshare', '-m', '--propagation', 'private', 'bash', join(dir, 'script.sh')], { timeout: timeoutMs });
    return lines.map((l, i) => {
      const rd = (ext: string) => (existsSync(join(dir, `${i}.${ext}`)) ? readFileSync(join(dir, `${i}.${ext}`), 'utf8') : '');
      return {
        line: l.line,
        command: l.text,
        exit: Number(rd('rc').trim() || -1),
        stdout: unrewrite(rd('out'), map),
        stderr: unrewrite(rd('err'), map).replace(/^.*?: line \d+: /gm, ''),
      };
    });
  } finally {
    for (const n of [...map.values(), host]) run('ip', ['netns', 'del', n]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `script` under wirestack; records grouped per script line (a list's last status). */
export async function runUnderWirestack(script: string): Promise<LineResult[]> {
  const { records } = await runScript(script, { progName: 'bash' });
  const by = new Map<number, LineResult>();
  for (const r of records) {
    const cur = by.get(r.line);
    if (!cur) by.set(r.line, { line: r.line, command: r.command, exit: r.exit, stdout: r.stdout, stderr: r.stderr.replace(/^.*?: line \d+: /gm, '') });
    else {
      cur.exit = r.exit;
      cur.stdout += r.stdout;
      cur.stderr += r.stderr.replace(/^.*?: line \d+: /gm, '');
    }
  }
  return [...by.values()].sort((a, b) => a.line - b.line);
}

const MAC = /\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/g;

/**
 * What the comparison sees of a command's stdout. Hidden: MACs (other than 00:… and ff:…),
 * ifindexes, timings, IPv6 lines, the harness host's name or id after `link-netns(id)`, the
 * bridge's multicast `self` FDB entries, `(id: N)` after namespace names; ping keeps only its
 * outcome lines. Documented differences are in test/shell/README-diff.md.
 */
export function normalise(command: string, stdout: string, namespaces: string[] = []): string {
  let s = stdout;
  if (/^ip (netns( list| show)?|netns)\s*$/.test(command.trim()))
    s = s.split('\n').map((l) => l.replace(/ \(id: \d+\)$/, '')).filter((l) => namespaces.includes(l)).join('\n');
  if (/\bping\b/.test(command)) {
    const keep = s.split('\n').filter((l) => /packets transmitted|Destination .* Unreachable|Time to live exceeded/.test(l));
    return keep.map((l) => l.replace(/, time \d+ms/, '').replace(/^From \S+ /, 'From X ')).join('\n');
  }
  if (/\bhostname\b/.test(command)) return '';
  const lines = s.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!;
    if (/^\s+inet6 /.test(l)) {
      i++; // and its valid_lft line
      continue;
    }
    if (/ self( permanent)?$/.test(l) || /^(33:33|01:00:5e):/.test(l)) continue;
    l = l.replace(/ \(id: \d+\)$/, '');
    // the harness's "host" is itself a named namespace (wh…), so iproute2 names it where a real
    // host shows `link-netnsid N` (the lab prints the id, as for a real host); ids are not compared
    l = l.replace(/ link-netns wh[0-9a-z]+$/, ' link-netnsid ID').replace(/ link-netnsid \d+$/, ' link-netnsid ID');
    l = l.replace(/^\d+: /, 'N: ').replace(/@if\d+/, '@ifN');
    l = l.replace(MAC, (m) => (m === '00:00:00:00:00:00' || m === 'ff:ff:ff:ff:ff:ff' ? m : 'MAC'));
    out.push(l);
  }
  // neighbour rows come in hash order; INCOMPLETE→FAILED depends on wall-clock time between commands
  if (/\bip\b.*\s(n|ne|nei|neigh|neighbor|neighbour)(\s|$)|\barp\b/.test(command)) {
    const rows = out.map((l) => l.replace(/ (INCOMPLETE|FAILED) $/, ' UNRESOLVED ')).filter((l) => l);
    const head = rows[0]?.startsWith('Address ') ? [rows.shift()!] : [];
    return [...head, ...rows.sort()].join('\n');
  }
  // the kernel lists FDB entries in hash order (iproute2 6.x ends them without a space: compared as printed)
  if (/\bbridge\b.*\bfdb\b/.test(command)) return out.filter((l) => l).sort().join('\n');
  s = out.join('\n');
  return s;
}
