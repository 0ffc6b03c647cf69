import t from 'tap';
import { UdpView, UDP_HEADER_LEN, parseUdp, emitUdp, formatUdp, udpLength, type UdpRepr } from '../../src/ip/udp.ts';
import { WireError } from '../../src/wire-error.ts';
import { fromHex, toHex } from '../../src/bytes.ts';
import { oobGuard } from '../helpers/oob-guard.ts';
import { mulberry32 } from '../helpers/rng.ts';
import { needPeer, scapyBatch } from '../helpers/peers.ts';

const A = 0x0a000001; // 10.0.0.1
const B = 0x0a000002; // 10.0.0.2

// scapy: bytes(IP(src="10.0.0.1",dst="10.0.0.2")/UDP(sport=12345,dport=53)/Raw(b"wirestack golden udp payload!!"))[20:]
const GOLDEN = fromHex('303900350026626477697265737461636b20676f6c64656e20756470207061796c6f61642121');
// scapy: the same with sport=65225, Raw(b"zero"): the sum comes out as 0, sent as 0xffff (RFC 768)
const ZERO_SUM = fromHex('fec90035000cffff7a65726f');
// Captured with tcpdump on a veth in a netns: a datagram from 10.1.0.2 to 10.2.0.2 sent with
// checksum offload, so the checksum on the wire is only the pseudo-header part (wrong).
const OFFLOAD_SRC = 0x0a010002, OFFLOAD_DST = 0x0a020002;
const OFFLOADED = fromHex('8a3d829a0017142f68656c6c6f2077697265737461636b');

t.test('golden datagram: view fields and checksum', async (t) => {
  const v = new UdpView(GOLDEN);
  t.equal(v.check(), 0);
  t.equal(UDP_HEADER_LEN, 8);
  t.equal(v.srcPort, 12345);
  t.equal(v.dstPort, 53);
  t.equal(v.length, 38);
  t.equal(v.checksum, 0x6264);
  t.equal(v.payloadOffset, 8);
  t.equal(v.payloadLength, 30);
  t.ok(v.verifyChecksum(A, B));
  t.notOk(v.verifyChecksum(A, B + 1), 'the pseudo-header counts');
  t.equal(v.computeChecksum(A, B), 0x6264);
});

t.test('parse → repr, emit → identical bytes, format like tshark', async (t) => {
  const r = parseUdp(new UdpView(GOLDEN), A, B);
  t.same(r, { srcPort: 12345, dstPort: 53, length: 38, checksum: 0x6264 });
  if (typeof r === 'number') return;
  t.equal(formatUdp(r, 30), '12345 → 53 Len=30');
  const buf = GOLDEN.slice();
  buf.fill(0, 0, 8);
  t.equal(emitUdp({ srcPort: 12345, dstPort: 53 }, A, B, 30, buf, 0), 8);
  t.equal(toHex(buf), toHex(GOLDEN));
  t.equal(udpLength(r, 30), 38);
});

t.test('emit at a non-zero offset leaves the surroundings alone', async (t) => {
  const buf = new Uint8Array(100).fill(0xee);
  buf.set(GOLDEN.subarray(8), 51);
  t.equal(emitUdp({ srcPort: 12345, dstPort: 53 }, A, B, 30, buf, 43), 8);
  t.equal(toHex(buf, 43, 38), toHex(GOLDEN));
  t.ok(buf.subarray(0, 43).every((x) => x === 0xee));
  t.ok(buf.subarray(81).every((x) => x === 0xee));
  t.throws(() => emitUdp({ srcPort: 1, dstPort: 2 }, A, B, 60, buf, 43), RangeError);
});

t.test('a computed 0 is sent as 0xffff, and 0xffff verifies', async (t) => {
  const buf = ZERO_SUM.slice();
  buf.fill(0, 0, 8);
  emitUdp({ srcPort: 65225, dstPort: 53 }, A, B, 4, buf, 0);
  t.equal(toHex(buf), toHex(ZERO_SUM));
  t.ok(new UdpView(ZERO_SUM).verifyChecksum(A, B));
  // a raw sum over everything including 0xffff folds to 0xffff too
  t.match(parseUdp(new UdpView(ZERO_SUM), A, B), { checksum: 0xffff });
});

t.test('a zero checksum means "none" (RFC 768): accepted, and emitted when asked', async (t) => {
  const buf = GOLDEN.slice();
  emitUdp({ srcPort: 12345, dstPort: 53, checksum: 0 }, A, B, 30, buf, 0);
  t.equal(toHex(buf, 6, 2), '0000');
  const v = new UdpView(buf);
  t.ok(v.verifyChecksum(A, B));
  t.ok(v.verifyChecksum(1, 2), 'whatever the addresses');
  t.same(parseUdp(v, A, B), { srcPort: 12345, dstPort: 53, length: 38, checksum: 0 });
});

t.test('a repr with length and checksum re-emits them as given (crafting odd packets)', async (t) => {
  const buf = GOLDEN.slice();
  const odd: UdpRepr = { srcPort: 1, dstPort: 2, length: 20, checksum: 0xabcd };
  emitUdp(odd, A, B, 30, buf, 0);
  t.equal(toHex(buf, 0, 8), '000100020014abcd');
});

t.test('view setters and updateChecksum (a port rewrite as NAT does it)', async (t) => {
  const buf = GOLDEN.slice();
  const v = new UdpView(buf);
  v.srcPort = 40000;
  t.notOk(v.verifyChecksum(A, B));
  v.updateChecksum(A, B);
  t.ok(v.verifyChecksum(A, B));
  t.equal(v.srcPort, 40000);
  v.dstPort = 5353; v.length = 12; v.checksum = 7;
  t.equal(toHex(buf, 0, 8), '9c4014e9000c0007');
});

t.test('trailing bytes beyond the length field (link padding) are ignored', async (t) => {
  const padded = new Uint8Array(GOLDEN.length + 5).fill(0x55);
  padded.set(GOLDEN);
  const v = new UdpView(padded);
  t.equal(v.check(), 0);
  t.equal(v.payloadLength, 30);
  t.ok(v.verifyChecksum(A, B));
});

t.test('a datagram sent with checksum offload: BAD_CHECKSUM, and parses with verifyChecksum off', async (t) => {
  const v = new UdpView(OFFLOADED);
  t.equal(v.check(), 0);
  t.notOk(v.verifyChecksum(OFFLOAD_SRC, OFFLOAD_DST));
  t.equal(parseUdp(v, OFFLOAD_SRC, OFFLOAD_DST), WireError.BAD_CHECKSUM);
  const r = parseUdp(v, OFFLOAD_SRC, OFFLOAD_DST, { verifyChecksum: false });
  t.same(r, { srcPort: 35389, dstPort: 33434, length: 23, checksum: 0x142f });
  if (typeof r !== 'number') t.equal(formatUdp(r, 15), '35389 → 33434 Len=15');
  // what the NIC would have filled in
  const fixed = OFFLOADED.slice();
  new UdpView(fixed).updateChecksum(OFFLOAD_SRC, OFFLOAD_DST);
  t.ok(new UdpView(fixed).verifyChecksum(OFFLOAD_SRC, OFFLOAD_DST));
});

// ---- malformed input: one test per variant, exact WireError ---------------------------------------

t.test('malformed: shorter than the header is TRUNCATED', async (t) => {
  t.equal(parseUdp(new UdpView(GOLDEN.subarray(0, 7)), A, B), WireError.TRUNCATED);
  t.equal(parseUdp(new UdpView(new Uint8Array(0)), A, B), WireError.TRUNCATED);
});

t.test('malformed: window beyond the buffer is TRUNCATED', async (t) => {
  t.equal(new UdpView().wrap(GOLDEN, 30, 20).check(), WireError.TRUNCATED);
});

t.test('malformed: length field below 8 is BAD_UDP_LENGTH', async (t) => {
  for (const l of [0, 7]) {
    const b = GOLDEN.slice(); b[4] = 0; b[5] = l;
    t.equal(parseUdp(new UdpView(b), A, B, { verifyChecksum: false }), WireError.BAD_UDP_LENGTH, `length ${l}`);
  }
});

t.test('malformed: length field beyond the bytes present is BAD_UDP_LENGTH', async (t) => {
  t.equal(parseUdp(new UdpView(GOLDEN.subarray(0, 37)), A, B), WireError.BAD_UDP_LENGTH);
  const b = GOLDEN.slice(); b[4] = 0xff; b[5] = 0xff;
  t.equal(new UdpView(b).check(), WireError.BAD_UDP_LENGTH);
});

t.test('malformed: a nonzero wrong checksum is BAD_CHECKSUM', async (t) => {
  const b = GOLDEN.slice(); b[20] ^= 0x80;
  t.equal(parseUdp(new UdpView(b), A, B), WireError.BAD_CHECKSUM);
});

// ---- real peers ------------------------------------------------------------------------------------

t.test('scapy builds the same UDP bytes (checksum over the pseudo-header)', async (t) => {
  if (!needPeer(t, 'scapy')) return;
  const cases: [string, string, number, number, string][] = [
    // src, dst, sport, dport, payload (hex)
    ['10.0.0.1', '10.0.0.2', 12345, 53, toHex(GOLDEN, 8)],
    ['192.168.1.10', '8.8.8.8', 5353, 53, ''],
    ['172.16.0.1', '172.16.255.254', 1, 65535, '00'],
    ['10.0.0.1', '10.0.0.2', 65225, 53, '7a65726f'], // the 0 → 0xffff case
    ['1.2.3.4', '255.255.255.255', 68, 67, 'ff'.repeat(301)],
  ];
  const exprs = cases.map(([s, d, sp, dp, p]) => `IP(src="${s}",dst="${d}")/UDP(sport=${sp},dport=${dp})/Raw(bytes.fromhex("${p}"))`);
  const wants = scapyBatch(exprs).map((b) => toHex(b, 20)); // the UDP part, after scapy's IP header
  t.equal(wants.length, cases.length);
  const ip = (s: string) => s.split('.').reduce((a, x) => a * 256 + Number(x), 0) >>> 0;
  for (const [i, [s, d, sp, dp, p]] of cases.entries()) {
    const payload = fromHex(p);
    const buf = new Uint8Array(8 + payload.length + 3);
    buf.set(payload, 11);
    emitUdp({ srcPort: sp, dstPort: dp }, ip(s), ip(d), payload.length, buf, 3);
    t.equal(toHex(buf, 3), wants[i], exprs[i]);
    const r = parseUdp(new UdpView(fromHex(wants[i]!)), ip(s), ip(d));
    t.match(r, { srcPort: sp, dstPort: dp, length: 8 + payload.length }, 'parses scapy bytes');
  }
  t.ok(wants[3]!.slice(12, 16) === 'ffff', 'scapy also sends a computed 0 as 0xffff');
});

// ---- fuzz ------------------------------------------------------------------------------------------

t.test('the OOB detector catches a read past the window', async (t) => {
  const bad: number[] = [];
  const v = new UdpView().wrap(oobGuard(GOLDEN.slice(), 0, 6, (f) => bad.push(f.index)), 0, 6);
  t.equal(v.check(), WireError.TRUNCATED);
  void v.checksum;
  t.same(bad, [6, 7]);
});

t.test('fuzz: 20,000 random and mutated datagrams never throw and never touch bytes outside the window', async (t) => {
  const seed = 0x5eed;
  const rand = mulberry32(seed);
  const ri = (n: number) => Math.floor(rand() * n);
  const seeds = [GOLDEN, ZERO_SUM, OFFLOADED];
  const view = new UdpView();
  let thrown = 0, oob = 0, parsed = 0, roundTrips = 0;
  const out = new Uint8Array(256);
  for (let n = 0; n < 20000; n++) {
    let d: Uint8Array;
    if (n % 4 === 0) {
      d = new Uint8Array(ri(64));
      for (let i = 0; i < d.length; i++) d[i] = ri(256);
      if (d.length >= 6 && rand() < 0.5) { d[4] = 0; d[5] = ri(d.length + 4); }
    } else {
      const base = seeds[ri(seeds.length)]!;
      d = base.slice(0, rand() < 0.3 ? ri(base.length + 1) : base.length);
      for (let k = ri(3); k > 0 && d.length > 0; k--) d[ri(d.length)] = ri(256);
    }
    const src = rand() < 0.5 ? A : ri(2 ** 32), dst = rand() < 0.5 ? B : ri(2 ** 32);
    if (d.length >= 8 && rand() < 0.3) {
      // a valid checksum for some, so parsing gets past it
      const v = new UdpView(d);
      if (v.check() === 0) v.updateChecksum(src, dst);
    }
    const pre = ri(16), post = ri(16);
    const backing = new Uint8Array(pre + d.length + post);
    for (let i = 0; i < backing.length; i++) backing[i] = ri(256);
    backing.set(d, pre);
    const bad: number[] = [];
    const g = oobGuard(backing, pre, pre + d.length, (f) => bad.push(f.index));
    try {
      view.wrap(g, pre, d.length);
      if (view.check() === 0) {
        void (view.srcPort + view.dstPort + view.length + view.checksum + view.payloadOffset + view.payloadLength);
        view.verifyChecksum(src, dst);
        view.computeChecksum(src, dst);
      }
      for (const verify of [true, false]) {
        const r = parseUdp(view, src, dst, { verifyChecksum: verify });
        if (typeof r === 'number') continue;
        parsed++;
        formatUdp(r, view.payloadLength);
        // re-emit the header in front of a copy of the payload: identical header bytes
        const pl = view.payloadLength;
        out.set(d.subarray(8, 8 + pl), 9);
        emitUdp(r, src, dst, pl, out, 1);
        if (toHex(out, 1, 8) !== toHex(d, 0, 8)) t.fail(`round trip differs: ${toHex(d)}`);
        else roundTrips++;
        // and with the checksum recomputed, the result verifies
        emitUdp({ srcPort: r.srcPort, dstPort: r.dstPort }, src, dst, pl, out, 1);
        if (!new UdpView(out, 1, 8 + pl).verifyChecksum(src, dst)) t.fail(`recomputed checksum fails: ${toHex(d)}`);
      }
    } catch (e) {
      thrown++;
      if (thrown < 5) t.fail(`threw on ${toHex(d)}: ${(e as Error).message}`);
    }
    if (bad.length > 0) { oob++; if (oob < 5) t.fail(`out of window access at ${bad.slice(0, 4)} for ${toHex(d)}`); }
  }
  t.equal(thrown, 0, `seed ${seed}: no throws`);
  t.equal(oob, 0, 'no access outside the window');
  t.ok(parsed > 2000, `${parsed} parsed`);
  t.equal(roundTrips, parsed, 'every parsed header re-emits byte for byte');
});

