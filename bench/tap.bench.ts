// TAP receive paths compared: a do-nothing echo loop (read a frame, write it straight back) fed by
// the kernel of a throwaway namespace, in three designs:
//   batch       — the addon drains the fd on libuv readiness into one arena, one JS call per batch
//   per-frame   — libuv readiness, then one addon read() call from JS per frame
//   thread-pool — fs.read() on a blocking fd: one libuv thread-pool request per frame
// Method: with nobody reading, the kernel in the namespace queues a burst of UDP datagrams to our
// side (a static neighbour entry, so no ARP) into the TAP's ring (txqueuelen raised to hold it);
// then the loop starts and we time the drain from the first to the last frame. This measures our
// side alone, independent of how fast a sender could generate traffic. Needs root; skips otherwise.
//
// Lab router between two TAP devices (kernel netns A → TAP → lab router → TAP → kernel netns B),
// measured the same way: the burst from A waits in the first TAP's ring, then the lab (wall
// clock, ip_forward=1, static neighbours) drains it, forwarding every datagram out of the second
// TAP; timed first to last frame on our side, beside the batch echo loop of the same run.
// Kernel forwarding baseline: three namespaces joined by veths, A → router netns → B; the same
// burst is timed on the sender (forwarding happens in the sender's softirq), rate = frames that
// reached B's veth / send time. It is bounded by the Python sender, so it is a lower bound.
import { spawnSync } from 'node:child_process';
import { read as fsRead } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { row, type Row } from './lib.ts';
import { loadAddon } from '../src/tap/addon.ts';
import { openTap } from '../src/tap/tap-port.ts';
import { Lab } from '../src/lab/lab.ts';
import type { Port, RxHandler } from '../src/link/port.ts';

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

/** Timestamps every frame a port delivers (first and last) and counts them; otherwise transparent. */
function timed(p: Port, st: DrainState): Port {
  return {
    name: p.name,
    medium: p.medium,
    get mtu() {
      return p.mtu;
    },
    set mtu(v: number) {
      p.mtu = v;
    },
    headroom: p.headroom,
    attach(rx: RxHandler) {
      p.attach((b, o, len) => {
        const now = performance.now();
        if (st.n++ === 0) st.t[0] = now;
        st.t[1] = now;
        rx(b, o, len);
      });
    },
    transmit: (b, o, len) => p.transmit(b, o, len),
  };
}

const LAB_A_MAC = '02:00:00:00:0a:02';
const LAB_B_MAC = '02:00:00:00:0b:02';

function rxPackets(ns: string, dev: string): number {
  const r = spawnSync('ip', ['-n', ns, '-s', '-j', 'link', 'show', dev], { encoding: 'utf8' });
  return r.status === 0 ? (JSON.parse(r.stdout)[0].stats64.rx.packets as number) : -1;
}

/** A → TAP → lab router → TAP → B; returns the drain on our side and what B's TAP received. */
// otherhost: the lab addresses B's frames to a MAC that is not B's, so B's kernel drops them as
// PACKET_OTHERHOST right after the TAP write, as it drops the echo loop's frames — the same kernel
// work per write as the echo loop, which isolates what the lab itself adds.
async function runLabRouter(nsA: string, nsB: string, tapA: string, tapB: string, frames: number, otherhost = false): Promise<Drain & { delivered: number }> {
  const pa = openTap(tapA);
  const pb = openTap(tapB);
  let lab: Lab | null = null;
  try {
    sh(['link', 'set', tapA, 'netns', nsA]);
    sh(['link', 'set', tapB, 'netns', nsB]);
    sh(['-n', nsA, 'link', 'set', tapA, 'txqueuelen', String(frames + 1000)]);
    sh(['-n', nsA, 'addr', 'add', '10.215.1.1/24', 'dev', tapA]);
    sh(['-n', nsA, 'link', 'set', tapA, 'up']);
    sh(['-n', nsA, 'neigh', 'replace', '10.215.1.2', 'lladdr', LAB_A_MAC, 'dev', tapA, 'nud', 'permanent']);
    sh(['-n', nsA, 'route', 'add', '10.215.2.0/24', 'via', '10.215.1.2']);
    sh(['-n', nsB, 'addr', 'add', '10.215.2.1/24', 'dev', tapB]);
    sh(['-n', nsB, 'link', 'set', tapB, 'up']);
    const macB = JSON.parse(spawnSync('ip', ['-n', nsB, '-j', 'link', 'show', tapB], { encoding: 'utf8' }).stdout)[0].address as string;
    const before = rxPackets(nsB, tapB);
    // the burst waits in tapA's ring: nothing reads it until the lab attaches
    const py = `import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nd=b'x'*64\na=('10.215.2.9',9)\nfor _ in range(${frames}): s.sendto(d,a)\n`;
    const r = spawnSync('ip', ['netns', 'exec', nsA, '/usr/bin/python3', '-c', py], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`sender failed: ${r.stderr}`);
    const st: DrainState = { t: new Float64Array(2), n: 0 };
    const done = drainTimer(st);
    lab = new Lab({ seed: 1 });
    const ns = lab.root;
    ns.sysctl('net.ipv4.ip_forward', '1');
    ns.linkAddExternal('eth1', pb, { mac: parseInt(LAB_B_MAC.replaceAll(':', ''), 16) });
    ns.addrAdd('eth1', '10.215.2.2/24');
    ns.linkSet('eth1', { up: true });
    // .9 is nobody in B: B's kernel counts the frame and drops it (not local, no forwarding)
    ns.neighAdd('10.215.2.9', otherhost ? '02:00:00:00:0b:99' : macB, 'eth1');
    ns.linkAddExternal('eth0', timed(pa, st), { mac: parseInt(LAB_A_MAC.replaceAll(':', ''), 16) });
    ns.addrAdd('eth0', '10.215.1.2/24');
    ns.linkSet('eth0', { up: true });
    const d = await done;
    await new Promise((res) => setTimeout(res, 50));
    return { ...d, delivered: rxPackets(nsB, tapB) - before };
  } finally {
    lab?.scheduler.stop();
    pa.close();
    pb.close();
  }
}

/** Kernel forwarding A → R → B over veths; rate = frames B received / sender's time. */
function runKernelRouter(nsA: string, nsR: string, nsB: string, frames: number): { rate: number; delivered: number } {
  const before = rxPackets(nsB, 'kb');
  const py = `import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nd=b'x'*64\na=('10.216.2.9',9)\nt=time.perf_counter()\nfor _ in range(${frames}): s.sendto(d,a)\nprint(time.perf_counter()-t)\n`;
  const r = spawnSync('ip', ['netns', 'exec', nsA, '/usr/bin/python3', '-c', py], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`kernel sender failed: ${r.stderr}`);
  const delivered = rxPackets(nsB, 'kb') - before;
  return { rate: delivered / Number(r.stdout.trim()), delivered };
}

function plumbKernelRouter(nsA: string, nsR: string, nsB: string): void {
  sh(['-n', nsA, 'link', 'add', 'ka', 'type', 'veth', 'peer', 'name', 'ra', 'netns', nsR]);
  sh(['-n', nsB, 'link', 'add', 'kb', 'type', 'veth', 'peer', 'name', 'rb', 'netns', nsR]);
  sh(['-n', nsA, 'addr', 'add', '10.216.1.1/24', 'dev', 'ka']);
  sh(['-n', nsR, 'addr', 'add', '10.216.1.2/24', 'dev', 'ra']);
  sh(['-n', nsR, 'addr', 'add', '10.216.2.2/24', 'dev', 'rb']);
  sh(['-n', nsB, 'addr', 'add', '10.216.2.1/24', 'dev', 'kb']);
  for (const [n, d] of [[nsA, 'ka'], [nsR, 'ra'], [nsR, 'rb'], [nsB, 'kb']] as const) sh(['-n', n, 'link', 'set', d, 'up']);
  sh(['netns', 'exec', nsR, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  sh(['-n', nsA, 'route', 'add', '10.216.2.0/24', 'via', '10.216.1.2']);
  const macKb = JSON.parse(spawnSync('ip', ['-n', nsB, '-j', 'link', 'show', 'kb'], { encoding: 'utf8' }).stdout)[0].address as string;
  const macRa = JSON.parse(spawnSync('ip', ['-n', nsR, '-j', 'link', 'show', 'ra'], { encoding: 'utf8' }).stdout)[0].address as string;
  sh(['-n', nsA, 'neigh', 'replace', '10.216.1.2', 'lladdr', macRa, 'dev', 'ka', 'nud', 'permanent']);
  sh(['-n', nsR, 'neigh', 'replace', '10.216.2.9', 'lladdr', macKb, 'dev', 'rb', 'nud', 'permanent']);
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
  const id = process.pid.toString(36);
  const nsB = `wsbB${id}`.slice(0, 15);
  const kA = `wsbkA${id}`.slice(0, 15);
  const kR = `wsbkR${id}`.slice(0, 15);
  const kB = `wsbkB${id}`.slice(0, 15);
  sh(['netns', 'add', ns]);
  try {
    for (const n of [nsB, kA, kR, kB]) {
      sh(['netns', 'add', n]);
      sh(['netns', 'exec', n, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      sh(['netns', 'exec', n, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
    }
    plumbKernelRouter(kA, kR, kB);
    let delivered = 0;
    const kernelRates: number[] = [];
    let kernelDelivered = 0;
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
      {
        key: 'lab router',
        frames: FRAMES,
        go: async (tap) => {
          const d = await runLabRouter(ns, nsB, tap, `${tap}b`.slice(0, 15), FRAMES);
          delivered = d.delivered;
          // the kernel baseline runs here too, so it is interleaved with the rest
          const k = runKernelRouter(kA, kR, kB, FRAMES);
          kernelRates.push(k.rate);
          kernelDelivered = k.delivered;
          return d;
        },
      },
      { key: 'lab router otherhost', frames: FRAMES, go: (tap) => runLabRouter(ns, nsB, tap, `${tap}b`.slice(0, 15), FRAMES, true) },
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
    if (delivered < FRAMES) process.stderr.write(`tap.bench: lab router: B's TAP counted ${delivered} of ${FRAMES} frames (last run)\n`);
    if (kernelDelivered < FRAMES) process.stderr.write(`tap.bench: kernel router: B counted ${kernelDelivered} of ${FRAMES} frames (last run)\n`);
    const echo = { name: 'tap echo loop, batch reader (same run)', value: m('batch echo').opsPerSec };
    const kernel = { opsPerSec: median(kernelRates.slice(1)), gc: 0 };
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
      row('lab router between two TAPs vs echo loop', 'frames/s', m('lab router'), echo),
      row('lab router between two TAPs vs kernel forwarding (veth)', 'frames/s', m('lab router'), { name: 'kernel forwarding A→R→B over veth, sender-bound', value: kernel.opsPerSec }),
      row('kernel forwarding A→R→B over veth (sender-bound)', 'frames/s', kernel),
      row('lab router, B drops as otherhost (same kernel work as echo) vs echo', 'frames/s', m('lab router otherhost'), echo),
    ];
  } finally {
    for (const n of [ns, nsB, kA, kR, kB]) spawnSync('ip', ['netns', 'del', n]);
  }
}
