import t from 'tap';
import { VethPair, DEFAULT_HEADROOM } from '../../src/link/veth.ts';
import { Scheduler } from '../../src/lab/scheduler.ts';

t.test('a frame sent on one end arrives at the other after the latency, copied with headroom', async (t) => {
  const s = new Scheduler();
  const p = new VethPair(s, 'a', 'b', { latencyNs: 5000 });
  const got: { at: number; bytes: number[]; off: number }[] = [];
  p.b.attach((buf, off, len) => got.push({ at: s.now, bytes: [...buf.subarray(off, off + len)], off }));
  const src = Uint8Array.from([9, 9, 1, 2, 3, 9]);
  p.a.transmit(src, 2, 3);
  src.fill(0); // the sender's buffer is borrowed only during transmit
  t.same(got, [], 'nothing before the clock runs');
  s.runUntilIdle();
  t.same(got, [{ at: 5000, bytes: [1, 2, 3], off: DEFAULT_HEADROOM }]);
});

t.test('order is kept, both directions are independent, no handler counts a loss', async (t) => {
  const s = new Scheduler();
  const p = new VethPair(s, 'a', 'b');
  const atB: number[] = [];
  p.b.attach((buf, off) => atB.push(buf[off]!));
  for (let i = 0; i < 40; i++) p.a.transmit(Uint8Array.of(i), 0, 1); // more than the initial ring
  p.b.transmit(Uint8Array.of(7), 0, 1); // a has no handler
  t.equal(p.b.inFlight, 40);
  s.runUntilIdle();
  t.same(atB, Array.from({ length: 40 }, (_, i) => i));
  t.equal(p.a.lost, 1);
  t.equal(p.b.inFlight, 0);
});
