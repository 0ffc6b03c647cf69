// TAP receive paths compared: a do-nothing echo loop (read a frame, write it straight back) fed by
// the kernel of a throwaway namespace, in three designs:
//   batch       — the addon drains the fd on libuv readiness into one arena, one JS call per batch
//   per-frame   — libuv readiness, then one addon read() call from JS per frame
//   thread-pool — fs.read() on a blocking fd: one libuv thread-pool request per frame
// Method: with nobody reading, the kernel in the namespace queues a burst of UDP datagrams to our
// side (a static neighbour entry, so no ARP) into the TAP's ring (txqueuelen raised to hold it);
// then the loop starts and we time the drain from the first to the last frame. This measures our
// side alone, independent of how fast a sender could generate traffic. Needs root; skips otherwise.
import { spawnSync } from 'node:child_process';
import { read as fsRead } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { row, type Row } from './lib.ts';
import { loadAddon } from '../src/tap/addon.ts';
import { openTap } from '../src/tap/tap-port.ts';

const FRAMES = 40_000;
const RUNS = 5;
const OUR_MAC = '02:00:00:00:00:02';
const IDLE_MS = 150;

let gc = 0;
new PerformanceObserver((l) => (gc += l.getEntries().length)).observe({ entryTypes: ['gc'] });

function sh(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** Moves a TAP we opened into `ns`, gives the kernel side an address and a neighbour for us. */
function plumb(ns: string, tap: string): void {
  sh(['link', 'set', tap, 'netns', ns]);
  sh(['-n', ns, 'link', 'set', tap, 'txqueuelen', String(FRAMES + 1000)]);
  sh(['-n', ns, 'addr', 'add', '10.212.0.1/24', 'dev', tap]);
  sh(['-n', ns, 'link', 'set', tap, 'up']);
  sh(['-n', ns, 'neigh', 'replace', '10.212.0.2', 'lladdr', OUR_MAC, 'dev', tap, 'nud', 'permanent']);
}

/** The kernel in `ns` sends FRAMES UDP datagrams (64-byte payload) towards our side of the TAP. */
function burst(ns: string, frames: number): void {
  const py = `import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nd=b'x'*64\na=('10.212.0.2',9)\nfor _ in range(${frames}): s.sendto(d,a)\n`;
  const r = spawnSync('ip', ['netns', 'exec', ns, '/usr/bin/python3', '-c', py], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`sender failed: ${r.stderr}`);
}

interface Drain {
  frames: number;
  seconds: number;
  gc: number;
}

interface DrainState {
  /** [first, last] frame arrival times (performance.now()); a typed array so storing them allocates nothing. */
  t: Float64Array;
  n: number;
}

/** Resolves when no frame arrived for IDLE_MS (bounded by 10 s). */
function drainTimer(state: DrainState): Promise<Drain> {
  const g0 = gc;
  return new Promise((resolve) => {
    const started = Date.now();
    let seen = -1;
    const tick = setInterval(() => {
      if ((state.n === seen && state.n > 0) || Date.now() - started > 10_000) {
        clearInterval(tick);
        resolve({ frames: state.n, seconds: (state.t[1]! - state.t[0]!) / 1e3, gc: gc - g0 });
      }
      seen = state.n;
    }, IDLE_MS);
  });
}

async function runTapPort(ns: string, tap: string, rxMode: 'batch' | 'per-frame', echo: boolean, frames: number): Promise<Drain> {
  const p = openTap(tap, { rxMode });
  try {
    plumb(ns, tap);
    burst(ns, frames);
    const st: DrainState = { t: new Float64Array(2), n: 0 };
    const done = drainTimer(st);
    p.attach((b, o, len) => {
      const now = performance.now();
      if (st.n++ === 0) st.t[0] = now;
      st.t[1] = now;
      // echo: dst is our MAC, so the kernel drops it early as PACKET_OTHERHOST
      if (echo) p.transmit(b, o, len);
    });
    return await done;
  } finally {
    p.close();
  }
}

async function runThreadPool(ns: string, tap: string, frames: number): Promise<Drain> {
  const a = loadAddon('tap');
  const d = a.tapOpen(tap, -1, false); // blocking fd: fs.read parks a pool thread until a frame comes
  let stopped = false;
  try {
    plumb(ns, tap);
    burst(ns, frames);
    const st: DrainState = { t: new Float64Array(2), n: 0 };
    const done = drainTimer(st);
    const buf = new Uint8Array(65553);
    const next = (): void => {
      fsRead(d.fd, buf, 0, buf.length, null, (err, n) => {
        if (err || stopped) return;
        const now = performance.now();
        if (st.n++ === 0) st.t[0] = now;
        st.t[1] = now;
        a.write(d.fd, buf, 0, n);
        next();
      });
    };
    next();
    return await done;
  } finally {
    stopped = true;
    // Deleting the device wakes the read parked in the pool (tun_detach_all shuts the queue down),
    // then the fd can be closed.
    spawnSync('ip', ['-n', ns, 'link', 'del', tap]);
    await new Promise((r) => setTimeout(r, 50));
    a.close(d.fd);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

export async function bench(): Promise<Row[]> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('tap.bench: skipped (needs root for TAP devices and network namespaces)\n');
    return [];
  }
  try {
    loadAddon('tap');
  } catch (e) {
    process.stderr.write(`tap.bench: skipped (${(e as Error).message})\n`);
    return [];
  }
  const ns = `wsbench${process.pid.toString(36)}`.slice(0, 15);
  sh(['netns', 'add', ns]);
  try {
    sh(['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    sh(['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
    // Interleave the variants so drift (CPU frequency, other load) hits them alike. The pool
    // variant is ~15x slower, so it drains a smaller burst to keep the bench short.
    const variants: { key: string; frames: number; go: (tap: string) => Promise<Drain> }[] = [
      { key: 'batch echo', frames: FRAMES, go: (tap) => runTapPort(ns, tap, 'batch', true, FRAMES) },
      { key: 'per-frame echo', frames: FRAMES, go: (tap) => runTapPort(ns, tap, 'per-frame', true, FRAMES) },
      { key: 'pool echo', frames: FRAMES / 4, go: (tap) => runThreadPool(ns, tap, FRAMES / 4) },
      { key: 'batch sink', frames: FRAMES, go: (tap) => runTapPort(ns, tap, 'batch', false, FRAMES) },
      { key: 'per-frame sink', frames: FRAMES, go: (tap) => runTapPort(ns, tap, 'per-frame', false, FRAMES) },
    ];
    const rates = new Map<string, number[]>(variants.map((v) => [v.key, []]));
    const gcs = new Map<string, number>(variants.map((v) => [v.key, 0]));
    for (let r = 0; r < RUNS + 1; r++) {
      for (const [i, v] of variants.entries()) {
        const tap = `wsbt${process.pid.toString(36)}${r}${i}`.slice(0, 15);
        const d = await v.go(tap);
        if (d.frames < v.frames)
          process.stderr.write(`tap.bench: ${v.key}: ${v.frames - d.frames} of ${v.frames} frames never reached us\n`);
        if (r === 0) continue; // warm-up
        rates.get(v.key)!.push((d.frames - 1) / d.seconds);
        gcs.set(v.key, gcs.get(v.key)! + d.gc);
      }
    }
    const m = (k: string) => ({ opsPerSec: median(rates.get(k)!), gc: gcs.get(k)! });
    const perFrame = { name: 'per-frame read() echo', value: m('per-frame echo').opsPerSec };
    const pool = { name: 'thread-pool fs.read echo', value: m('pool echo').opsPerSec };
    const perFrameSink = { name: 'per-frame read() sink', value: m('per-frame sink').opsPerSec };
    return [
      row('tap echo loop, batch reader', 'frames/s', m('batch echo'), perFrame),
      row('tap echo loop, batch vs thread-pool', 'frames/s', m('batch echo'), pool),
      row('tap echo loop, per-frame read()', 'frames/s', m('per-frame echo')),
      row('tap echo loop, thread-pool fs.read', 'frames/s', m('pool echo')),
      row('tap rx only, batch reader', 'frames/s', m('batch sink'), perFrameSink),
      row('tap rx only, per-frame read()', 'frames/s', m('per-frame sink')),
    ];
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}
