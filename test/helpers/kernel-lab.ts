// The differential harness: one topology script run against two "sides" — throwaway real network
// namespaces on this kernel, and a wirestack Lab — and the observations a user would make on each
// (ping output, `ip route`, `ip neigh`, the frames on each interface) normalised the same way so
// that a test can compare them with t.same.
//
// Kernel side: every namespace gets a unique name (uniqueName), IPv6 is disabled before any link
// exists (no router solicitations / MLD / DAD noise, and nothing the lab does not model), veths are
// created inside the namespaces, never in the host's own, so no traffic can leave them. `close()`
// deletes every namespace (which destroys their veths and bridges); the test registers it in
// t.teardown. Captures are tcpdump -w per interface; the lab writes one pcap per interface; both are
// summarised by the same tshark field list, so MACs, IP IDs and timestamps are left out by
// construction. Only ARP and ICMP are compared (the lab models no IGMP; IPv6 is off on both).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, uniqueName } from './peers.ts';
import { Lab } from '../../src/lab/lab.ts';
import type { Capture } from '../../src/lab/lab.ts';

export interface PingObs {
  /** Reply/error lines and the summary, without times: `64 bytes from X: icmp_seq=1 ttl=64`. */
  lines: string[];
  exit: number;
}

/** What a topology script may do; both sides implement it. */
export interface Side {
  readonly kind: 'kernel' | 'lab';
  addNetns(ns: string): void;
  veth(ns: string, a: string, b: string): void;
  move(ns: string, dev: string, to: string): void;
  bridge(ns: string, name: string): void;
  master(ns: string, dev: string, br: string): void;
  addr(ns: string, dev: string, cidr: string): void;
  up(ns: string, dev: string): void;
  route(ns: string, dst: string, via: string): void;
  forward(ns: string): void;
  ping(ns: string, dst: string, o?: { count?: number; ttl?: number }): PingObs;
  routes(ns: string): string[];
  neigh(ns: string): string[];
  /** Starts capturing on `ns/dev` (call before the traffic). */
  capture(ns: string, dev: string): Promise<void>;
  /** Stops every capture: `ns/dev` → the frames seen, one summary line each. */
  frames(): Promise<Map<string, string[]>>;
  close(): void;
}

const TSHARK_FIELDS = ['arp.opcode', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4', 'ip.src', 'ip.dst', 'ip.ttl', 'icmp.type', 'icmp.code', 'icmp.seq', 'ip.flags.df'];

/** One line per frame: `arp 1 10.0.1.2>10.0.1.1` or `ip 10.0.1.2>10.0.2.2 ttl=64 icmp 8/0 seq=1 df=1` (inner headers of ICMP errors included). */
export function summarise(file: string): string[] {
  // ARP and ICMP only: the kernel's bridge also sends IGMP reports, which the lab does not model
  const r = run('tshark', ['-r', file, '-Y', 'arp || icmp', '-T', 'fields', '-E', 'separator=|', ...TSHARK_FIELDS.flatMap((f) => ['-e', f])]);
  if (r.status !== 0) throw new Error(`tshark ${file}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [op, asrc, adst, src, dst, ttl, type, code, seq, df] = l.split('|');
      if (op) return `arp ${op} ${asrc}>${adst}`;
      return `ip ${src}>${dst} ttl=${ttl} icmp ${type}/${code} seq=${seq} df=${df}`;
    });
}

/** Ping output as compared: reply/error lines without `time=`, the summary without `time`, exit status. */
export function normalisePing(lines: string[], exit: number): PingObs {
  const out: string[] = [];
  for (const l of lines) {
    if (/^(64 bytes|\d+ bytes from|From |ping: )/.test(l)) out.push(l.replace(/ time=[\d.]+ ms$/, ''));
    else if (/packets transmitted/.test(l)) out.push(l.replace(/, time \d+ms$/, ''));
  }
  return { lines: out, exit };
}

/** `ip neigh` lines with MACs replaced, sorted. */
export function normaliseNeigh(lines: string[]): string[] {
  return lines.map((l) => l.trim().replace(/lladdr [0-9a-f:]{17}/, 'lladdr <mac>')).filter((l) => l !== '').sort();
}

export class KernelSide implements Side {
  readonly kind = 'kernel';
  private readonly names = new Map<string, string>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'wsdiff-k-'));
  private caps: { key: string; file: string; proc: ChildProcess; done: Promise<void> }[] = [];

  private real(ns: string): string {
    const r = this.names.get(ns);
    if (!r) throw new Error(`no namespace ${ns}`);
    return r;
  }

  private sh(args: string[]): string {
    const r = run('ip', args, { timeout: 10_000 });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  private exec(ns: string, cmd: string[], timeout = 20_000) {
    return run('ip', ['netns', 'exec', this.real(ns), ...cmd], { timeout });
  }

  addNetns(ns: string): void {
    const real = uniqueName('wsd');
    this.sh(['netns', 'add', real]);
    this.names.set(ns, real);
    for (const k of ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']) this.exec(ns, ['sysctl', '-qw', k]);
    this.sh(['-n', real, 'link', 'set', 'lo', 'up']);
  }
  veth(ns: string, a: string, b: string): void {
    this.sh(['-n', this.real(ns), 'link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
  }
  move(ns: string, dev: string, to: string): void {
    this.sh(['-n', this.real(ns), 'link', 'set', dev, 'netns', this.real(to)]);
  }
  bridge(ns: string, name: string): void {
    this.sh(['-n', this.real(ns), 'link', 'add', name, 'type', 'bridge']);
  }
  master(ns: string, dev: string, br: string): void {
    this.sh(['-n', this.real(ns), 'link', 'set', dev, 'master', br]);
  }
  addr(ns: string, dev: string, cidr: string): void {
    this.sh(['-n', this.real(ns), 'addr', 'add', cidr, 'dev', dev]);
  }
  up(ns: string, dev: string): void {
    this.sh(['-n', this.real(ns), 'link', 'set', dev, 'up']);
  }
  route(ns: string, dst: string, via: string): void {
    this.sh(['-n', this.real(ns), 'route', 'add', dst, 'via', via]);
  }
  forward(ns: string): void {
    this.exec(ns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  }
  ping(ns: string, dst: string, o: { count?: number; ttl?: number } = {}): PingObs {
    const args = ['ping', '-c', String(o.count ?? 3), '-i', '0.2', '-W', '1', ...(o.ttl ? ['-t', String(o.ttl)] : []), dst];
    const r = this.exec(ns, args);
    return normalisePing((r.stdout + r.stderr).split('\n'), r.status);
  }
  routes(ns: string): string[] {
    return this.sh(['-n', this.real(ns), 'route', 'show']).split('\n').map((l) => l.trim()).filter((l) => l !== '');
  }
  neigh(ns: string): string[] {
    return normaliseNeigh(this.sh(['-n', this.real(ns), 'neigh', 'show']).split('\n'));
  }
  async capture(ns: string, dev: string): Promise<void> {
    const file = join(this.dir, `${ns}-${dev}.pcap`);
    const proc = spawn('ip', ['netns', 'exec', this.real(ns), 'tcpdump', '-i', dev, '-w', file, '-U', '--immediate-mode', '-Z', 'root', '-n', '-s', '256', 'arp or icmp'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump on ${ns}/${dev} did not start: ${err}`)), 5000);
      proc.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('exit', () => {
        clearTimeout(timer);
        reject(new Error(`tcpdump on ${ns}/${dev} exited: ${err}`));
      });
    });
    const done = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
    this.caps.push({ key: `${ns}/${dev}`, file, proc, done });
    await ready;
  }
  async frames(): Promise<Map<string, string[]>> {
    await new Promise((r) => setTimeout(r, 200)); // let the last frames reach the capture
    const out = new Map<string, string[]>();
    for (const c of this.caps) c.proc.kill('SIGINT');
    for (const c of this.caps) {
      await Promise.race([c.done, new Promise((r) => setTimeout(r, 3000))]);
      if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
      out.set(c.key, summarise(c.file));
    }
    this.caps = [];
    return out;
  }
  close(): void {
    for (const c of this.caps) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    for (const real of this.names.values()) run('ip', ['netns', 'del', real]);
    this.names.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class LabSide implements Side {
  readonly kind = 'lab';
  readonly lab = new Lab({ seed: 7 });
  private readonly dir = mkdtempSync(join(tmpdir(), 'wsdiff-l-'));
  private caps: { key: string; file: string; cap: Capture }[] = [];

  addNetns(ns: string): void {
    this.lab.addNetns(ns).linkSet('lo', { up: true });
  }
  veth(ns: string, a: string, b: string): void {
    this.lab.netns(ns).linkAddVeth(a, b);
  }
  move(ns: string, dev: string, to: string): void {
    this.lab.netns(ns).linkSet(dev, { netns: to });
  }
  bridge(ns: string, name: string): void {
    this.lab.netns(ns).linkAddBridge(name);
  }
  master(ns: string, dev: string, br: string): void {
    this.lab.netns(ns).linkSet(dev, { master: br });
  }
  addr(ns: string, dev: string, cidr: string): void {
    this.lab.netns(ns).addrAdd(dev, cidr);
  }
  up(ns: string, dev: string): void {
    this.lab.netns(ns).linkSet(dev, { up: true });
  }
  route(ns: string, dst: string, via: string): void {
    this.lab.netns(ns).routeAdd({ dst, via });
  }
  forward(ns: string): void {
    this.lab.netns(ns).sysctl('net.ipv4.ip_forward', '1');
  }
  ping(ns: string, dst: string, o: { count?: number; ttl?: number } = {}): PingObs {
    const r = this.lab.netns(ns).ping(dst, { count: o.count ?? 3, intervalMs: 200, timeoutS: 1, ttl: o.ttl });
    return normalisePing(r.lines, r.exit);
  }
  routes(ns: string): string[] {
    return this.lab.netns(ns).ipRoute().map((l) => l.trim());
  }
  neigh(ns: string): string[] {
    return normaliseNeigh(this.lab.netns(ns).ipNeigh());
  }
  async capture(ns: string, dev: string): Promise<void> {
    const file = join(this.dir, `${ns}-${dev}.pcap`);
    this.caps.push({ key: `${ns}/${dev}`, file, cap: this.lab.capture(file, { ifaces: [`${ns}/${dev}`], format: 'pcap' }) });
  }
  async frames(): Promise<Map<string, string[]>> {
    // no runUntilIdle: the kernel captures stop right after the traffic too (later ARP probes of
    // entries in DELAY would be in one and not the other)
    const out = new Map<string, string[]>();
    for (const c of this.caps) {
      c.cap.close();
      out.set(c.key, summarise(c.file));
    }
    this.caps = [];
    return out;
  }
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Both sides, the kernel's torn down with the test. */
export function bothSides(t: { teardown(fn: () => void): void }): [KernelSide, LabSide] {
  const k = new KernelSide();
  const l = new LabSide();
  t.teardown(() => {
    k.close();
    l.close();
  });
  return [k, l];
}
