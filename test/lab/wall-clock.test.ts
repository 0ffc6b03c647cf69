// The lab's two clocks: virtual scenarios stay deterministic (same bytes every run, ping and
// pingAsync agree), wall-clock ones follow real time (the driver re-arms for earlier events,
// time continues across the switch), and external devices — here an in-memory medium 'ip' port —
// are plain lab devices (NOARP, captures, counters). No root needed.
import t from 'tap';
import { Lab } from '../../src/lab/lab.ts';
import { Scheduler } from '../../src/lab/scheduler.ts';
import { MemorySink } from '../../src/pcap/chunk-sink.ts';
import { readCapture } from '../../src/pcap/capture.ts';
import type { Medium, Port, RxHandler } from '../../src/link/port.ts';
import { put16, put32, u16, u32 } from '../../src/bytes.ts';
import { internetChecksum } from '../../src/ip/checksum.ts';
import { parseIpv4Address } from '../../src/ip/address.ts';

function twoHosts(clock: 'virtual' | 'wall'): Lab {
  const lab = new Lab({ seed: 3, clock });
  lab.addNetns('a');
  lab.addNetns('b');
  lab.root.linkAddVeth('va', 'vb');
  lab.root.linkSet('va', { netns: 'a' });
  lab.root.linkSet('vb', { netns: 'b' });
  lab.netns('a').addrAdd('va', '10.9.0.1/24');
  lab.netns('b').addrAdd('vb', '10.9.0.2/24');
  lab.netns('a').linkSet('va', { up: true });
  lab.netns('b').linkSet('vb', { up: true });
  return lab;
}

t.test('virtual clock: the same scenario gives the same bytes and lines every run', async (t) => {
  const runOnce = async (useAsync: boolean) => {
    const lab = twoHosts('virtual');
    const mem = new MemorySink();
    lab.capture(mem);
    const r = useAsync ? await lab.netns('a').pingAsync('10.9.0.2', { count: 3 }) : lab.netns('a').ping('10.9.0.2', { count: 3 });
    lab.closeCaptures();
    t.equal(lab.scheduler.mode, 'virtual');
    return { lines: r.lines, bytes: Buffer.from(mem.bytes()).toString('hex'), now: lab.now };
  };
  const a = await runOnce(false);
  const b = await runOnce(false);
  const c = await runOnce(true);
  t.same(a, b, 'two runs: identical pcapng bytes, lines and end time');
  t.same(c, a, 'pingAsync on a virtual clock is ping()');
  t.match(a.lines.join('\n'), /3 packets transmitted, 3 received, 0% packet loss, time 2000ms/);
});

t.test('wall clock: pingAsync between two lab namespaces takes real time', async (t) => {
  const lab = twoHosts('wall');
  t.teardown(() => lab.scheduler.stop());
  const t0 = Date.now();
  const r = await lab.netns('a').pingAsync('10.9.0.2', { count: 3, intervalMs: 50 });
  const took = Date.now() - t0;
  t.equal(r.received, 3, r.lines.join('\n'));
  t.ok(took >= 95 && took < 2000, `two 50 ms intervals of real time (${took} ms)`);
  t.ok(lab.now >= 95e6, 'lab time followed the wall clock');
  for (const ms of r.rttsMs) t.ok(ms >= 0.02 && ms < 100, `rtt ${ms} ms ≥ two 10 µs veth hops`);
});

t.test('wall clock: an event earlier than the armed one re-arms the driver', async (t) => {
  const s = new Scheduler('wall');
  // the scheduler's timer is unref'd (an idle lab does not keep a process alive): hold it open
  const keep = setTimeout(() => {}, 5000);
  t.teardown(() => {
    s.stop();
    clearTimeout(keep);
  });
  const order: string[] = [];
  const t0 = performance.now();
  let tEarly = 0;
  await new Promise<void>((resolve) => {
    s.after(300e6, () => {
      order.push('late');
      resolve();
    });
    s.after(2e6, () => {
      order.push('early');
      tEarly = performance.now() - t0;
    });
    s.after(0, () => order.push('now'));
  });
  t.same(order, ['now', 'early', 'late']);
  t.ok(tEarly >= 1.5 && tEarly < 150, `the 2 ms event ran after ${tEarly.toFixed(1)} ms, not after the 300 ms one`);
});

t.test('useWallClock continues from the current lab time', async (t) => {
  const s = new Scheduler('virtual');
  s.runFor(5e9);
  t.equal(s.now, 5e9);
  s.useWallClock();
  const keep = setTimeout(() => {}, 5000);
  t.teardown(() => {
    s.stop();
    clearTimeout(keep);
  });
  t.equal(s.mode, 'wall');
  const n = s.now;
  t.ok(n >= 5e9 && n < 5e9 + 1e9, `no jump back to 0 or ahead (${n})`);
  const fired = await new Promise<number>((resolve) => s.after(5e6, () => resolve(s.now)));
  t.ok(fired >= n + 5e6, 'a timer set after the switch fires in real time');
});

/** A medium 'ip' port in memory: records what the lab transmits, injects packets with headroom. */
class FakeIpPort implements Port {
  readonly name = 'fake0';
  readonly medium: Medium = 'ip';
  mtu = 1500;
  readonly headroom = 64;
  rx: RxHandler | null = null;
  sent: Uint8Array[] = [];
  attach(rx: RxHandler): void {
    this.rx = rx;
  }
  transmit(buf: Uint8Array, off: number, len: number): void {
    this.sent.push(buf.slice(off, off + len));
  }
  inject(pkt: Uint8Array): void {
    const b = new Uint8Array(this.headroom + pkt.length);
    b.set(pkt, this.headroom);
    this.rx!(b, this.headroom, pkt.length);
  }
}

/** IPv4 + ICMP echo request (RFC 792), id 0x1234 seq 1, 8 data bytes. */
function echoRequest(src: number, dst: number): Uint8Array {
  const p = new Uint8Array(36);
  p[0] = 0x45;
  put16(p, 2, 36);
  p[8] = 64;
  p[9] = 1;
  put32(p, 12, src);
  put32(p, 16, dst);
  put16(p, 10, internetChecksum(p, 0, 20));
  p[20] = 8;
  put16(p, 24, 0x1234);
  put16(p, 26, 1);
  p.fill(0xab, 28);
  put16(p, 22, internetChecksum(p, 20, 16));
  return p;
}

t.test("an external medium 'ip' device: NOARP, answers echo without Ethernet, captured like any device", async (t) => {
  const lab = new Lab({ seed: 1 });
  t.teardown(() => lab.scheduler.stop());
  const port = new FakeIpPort();
  const dev = lab.root.linkAddExternal('raw0', port);
  t.equal(lab.scheduler.mode, 'wall');
  t.ok(dev.noArp);
  lab.root.addrAdd('raw0', '10.8.0.2/24');
  lab.root.linkSet('raw0', { up: true });
  t.match(lab.root.ipLink('raw0').join('\n'), /<POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP>[^\n]*\n    link\/none /);
  const mem = new MemorySink();
  lab.capture(mem, { format: 'pcap', ifaces: ['root/raw0'] });
  const peer = parseIpv4Address('10.8.0.1') as number;
  const me = parseIpv4Address('10.8.0.2') as number;
  port.inject(echoRequest(peer, me));
  t.equal(port.sent.length, 1, 'one reply, no ARP first');
  const r = port.sent[0]!;
  t.equal(r[0], 0x45, 'starts at the IPv4 header: the Ethernet header was stripped');
  t.equal(u32(r, 12), me);
  t.equal(u32(r, 16), peer);
  t.equal(r[20], 0, 'echo reply');
  t.equal(u16(r, 24), 0x1234);
  t.equal(internetChecksum(r, 0, 20), 0);
  const res = await lab.root.pingAsync('10.8.0.1', { count: 1, timeoutS: 0.2 });
  t.equal(port.sent.length, 2, 'our echo request left at once (no neighbour resolution)');
  t.equal(port.sent[1]![20], 8);
  t.equal(res.received, 0);
  lab.closeCaptures();
  const recs = [...readCapture(mem.bytes())];
  t.equal(recs.length, 3, 'request in, reply out, our request out');
  t.equal(u16(recs[0]!.data, 12), 0x0800, 'received packets carry the synthetic Ethernet header');
  t.same(recs[1]!.data.subarray(14), r, 'transmitted frames are captured before stripping');
  lab.root.linkDel('raw0');
  port.inject(echoRequest(peer, me));
  t.equal(port.sent.length, 2, 'after linkDel the port is detached');
});
