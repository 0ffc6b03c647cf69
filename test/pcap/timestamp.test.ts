import t from 'tap';
import { fromRaw, hiWord, joinNs, loWord, splitNs, ts } from '../../src/pcap/timestamp.ts';

t.test('splitNs splits small and epoch-sized ns exactly', (t) => {
  splitNs(0);
  t.same([ts.sec, ts.frac], [0, 0]);
  splitNs(1_000_000_005);
  t.same([ts.sec, ts.frac], [1, 5]);
  // 1700000000123456789 is not a double; its nearest double is …768 (a multiple of 256).
  splitNs(1700000000123456789);
  t.same([ts.sec, ts.frac], [1700000000, 123456768]);
  // just below a whole second, where a float division would round up
  splitNs(1699999999999999744);
  t.same([ts.sec, ts.frac], [1699999999, 999999744]);
  splitNs(-5);
  t.same([ts.sec, ts.frac], [0, 0], 'negative clamps to time zero');
  t.end();
});

t.test('joinNs rounds once: join(split(x)) === x for integer doubles', (t) => {
  const xs = [0, 1, 999_999_999, 2 ** 53 - 1, 2 ** 53 + 2, 1700000000123456768, 1699999999999999744, 4102444800000000000];
  for (const x of xs) {
    splitNs(x);
    t.equal(joinNs(ts.sec, ts.frac), x, `round trip ${x}`);
  }
  t.end();
});

t.test('hi/lo words are exact', (t) => {
  const x = 1700000000123456768;
  const hi = hiWord(x);
  const lo = loWord(x, hi);
  t.equal(BigInt(hi) * 2n ** 32n + BigInt(lo), BigInt(x));
  t.ok(lo >= 0 && lo < 2 ** 32);
  t.end();
});

t.test('fromRaw: 10^-9, 10^-6, 2^-n and offsets, small and large', (t) => {
  const x = 1700000000123456768n;
  fromRaw(Number(x >> 32n), Number(x & 0xffffffffn), 9, false, 0);
  t.same([ts.sec, ts.frac, ts.ns], [1700000000, 123456768, 1700000000123456768], 'ns, 64-bit long division');
  // exact 64-bit value not representable as a double: sec/frac still exact
  const y = 1700000000123456789n;
  fromRaw(Number(y >> 32n), Number(y & 0xffffffffn), 9, false, 0);
  t.same([ts.sec, ts.frac], [1700000000, 123456789]);
  fromRaw(0, 1_500_000, 6, false, 0);
  t.same([ts.sec, ts.frac, ts.ns], [1, 500_000_000, 1_500_000_000], 'µs');
  fromRaw(0, 3 * 1024 + 512, 0x0a, true, 0);
  t.same([ts.sec, ts.frac], [3, 500_000_000], '2^-10 units');
  const us = 1700000000654321n;
  fromRaw(Number(us >> 32n), Number(us & 0xffffffffn), 6, false, 0);
  t.same([ts.sec, ts.frac], [1700000000, 654321000], 'epoch µs');
  fromRaw(0, 7, 0, false, 100);
  t.same([ts.sec, ts.frac], [107, 0], 'if_tsoffset seconds added');
  fromRaw(0, 1234567891234, 12, false, 0);
  t.same([ts.sec, ts.frac], [1, 234567891], '10^-12 (picoseconds) rounds down to ns');
  t.end();
});
