// Access to the real peers tests compare against: scapy, tshark, dig, the Linux kernel (ip netns).
// A missing peer skips the test with a clear reason on a user's machine, but fails under CI=true:
// CI must run every real-peer test.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Test } from 'tap';

export const CI = process.env.CI === 'true';

/** Debian's python3 (the PATH python3 is a pyenv build that cannot see python3-scapy). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

function ok(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

const cache = new Map<string, string | null>();

/** Returns null when the peer is usable, else the reason it is not. */
export function peerMissing(name: 'scapy' | 'tshark' | 'dig' | 'netns' | 'tun' | 'tcpdump' | 'iptables'): string | null {
  if (cache.has(name)) return cache.get(name)!;
  let why: string | null = null;
  switch (name) {
    case 'scapy':
      if (!existsSync(SYSTEM_PYTHON) || !ok(SYSTEM_PYTHON, ['-c', 'import scapy.all']))
        why = 'scapy not found: apt-get install python3-scapy';
      break;
    case 'tshark':
      if (!ok('tshark', ['--version'])) why = 'tshark not found: apt-get install tshark';
      break;
    case 'dig':
      if (!ok('dig', ['-v'])) why = 'dig not found: apt-get install dnsutils';
      break;
    case 'tcpdump':
      if (!ok('tcpdump', ['--version'])) why = 'tcpdump not found: apt-get install tcpdump';
      break;
    case 'iptables':
      if (!ok('iptables', ['--version'])) why = 'iptables not found: apt-get install iptables';
      break;
    case 'netns':
      if (process.getuid?.() !== 0) why = 'network namespaces need root';
      else if (!ok('ip', ['netns', 'list'])) why = 'ip netns does not work here (iproute2 missing?)';
      break;
    case 'tun':
      if (process.getuid?.() !== 0) why = 'TAP needs root (CAP_NET_ADMIN)';
      else if (!existsSync('/dev/net/tun')) why = '/dev/net/tun is missing';
      break;
  }
  cache.set(name, why);
  return why;
}

/**
 * Guard for a real-peer test, called first in the test: returns true if it may proceed. Off CI a missing peer skips
 * the test with the reason; under CI=true it fails the test instead.
 */
export function needPeer(t: Test, ...names: Parameters<typeof peerMissing>[0][]): boolean {
  for (const n of names) {
    const why = peerMissing(n);
    if (why) {
      if (CI) t.fail(`required peer missing under CI: ${why}`);
      else t.plan(0, why); // tap reports the test as skipped with this reason
      return false;
    }
  }
  return true;
}

/** Runs a Python program under Debian's python3 (scapy importable); returns stdout, throws on failure. */
export function python(script: string, opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', script], { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout as string;
}

/** Builds a packet with scapy from an expression like `Ether()/IP()/UDP()`; returns its bytes. */
export function scapyBytes(expr: string): Uint8Array {
  const hex = python(`from scapy.all import *\nimport sys\nsys.stdout.write(bytes(${expr}).hex())`).trim();
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/**
 * Builds many packets in one python run (importing scapy takes seconds); element i holds the bytes of
 * exprs[i] as scapyBytes(exprs[i]) would. Each expression is passed as a string literal and eval'd.
 */
export function scapyBatch(exprs: string[]): Uint8Array[] {
  const list = exprs.map((e) => JSON.stringify(e)).join(', ');
  const out = python(`from scapy.all import *\nfor e in [${list}]: print(bytes(eval(e)).hex())`);
  return out.trim().split('\n').map((hex) => Uint8Array.from(Buffer.from(hex, 'hex')));
}

/** Runs a command, returning {status, stdout, stderr}; never throws. */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  return { status: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Runs a command that must succeed (test setup: ip, iptables …); returns stdout, throws with stderr. */
export function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export interface Finished {
  code: number | null;
  signal: string | null;
  out: string;
  err: string;
}

/**
 * Waits for a child to exit without blocking our event loop (a lab in this process must keep
 * answering meanwhile); SIGKILLs it after `ms`. Resolves one tick after exit so the pipes drain.
 */
export function finished(c: ChildProcess, ms: number): Promise<Finished> {
  let out = '';
  let err = '';
  c.stdout?.on('data', (d) => (out += d));
  c.stderr?.on('data', (d) => (err += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => c.kill('SIGKILL'), ms);
    c.on('exit', (code, signal) => {
      clearTimeout(timer);
      setImmediate(() => resolve({ code, signal, out, err }));
    });
  });
}

/** spawn + finished: an asynchronous run(), bounded by `ms`. */
export function runAsync(cmd: string, args: string[], ms = 15_000): Promise<Finished> {
  return finished(spawn(cmd, args), ms);
}

/** Unique name for throwaway kernel objects (namespaces, links), at most 15 chars for IFNAMSIZ. */
export function uniqueName(prefix: string): string {
  return `${prefix}${process.pid.toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.slice(0, 15);
}
