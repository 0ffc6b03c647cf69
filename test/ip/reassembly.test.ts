import t from 'tap';
import { fromHex, toHex, put16 } from '../../src/bytes.ts';
import { WireError } from '../../src/wire-error.ts';
import { internetChecksum } from '../../src/ip/checksum.ts';
import { Ipv4View, emitIpv4, type Ipv4Repr } from '../../src/ip/ipv4.ts';
import { fragmentIpv4 } from '../../src/ip/fragment.ts';
import { Reassembler, type Reassembled } from '../../src/ip/reassembly.ts';
import { needPeer, python } from '../helpers/peers.ts';
import { xorshift32 } from '../helpers/rng.ts';

// The three fragments Linux sent for a 3028-byte `ping -s 3000` over a 1500-byte MTU veth
// (tcpdump capture); the data is ping's ICMP header + timeval + fill pattern.
const KERNEL_HDRS = [
  '450005dc298d200040011040c0a84d01c0a84d02',
  '450005dc298d20b940010f87c0a84d01c0a84d02',
  '45000044298d017240013466c0a84d01c0a84d02',
];
const ICMP_DATA = (() => {
  const d = new Uint8Array(3008);
  d.set(fromHex('080009a72be00001204e086b00000000b210080000000000'));
  for (let i = 24; i < 3008; i++) d[i] = (i - 8) & 0xff;
  return d;
})();
function kernelFragments(): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  for (const h of KERNEL_HDRS) {
    const hdr = fromHex(h);
    const n = ((hdr[2]! << 8) | hdr[3]!) - 20;
    const f = new Uint8Array(20 + n);
    f.set(hdr);
    f.set(ICMP_DATA.subarray(pos, pos + n), 20);
    pos += n;
    out.push(f);
  }
  return out;
}
/** What reassembly must give: the first header with length 3028, no flags, checksum recomputed. */
function expectedDatagram(): string {
  const d = new Uint8Array(3028);
  d.set(fromHex('45000bd4298d00004001 0000 c0a84d01c0a84d02'.replace(/ /g, '')));
  d.set(ICMP_DATA, 20);
  put16(d, 10, internetChecksum(d, 0, 20));
  return toHex(d);
}

function isDatagram(r: ReturnType<Reassembler['push']>): r is Reassembled {
  return r !== null && typeof r === 'object';
}
function hexOf(r: ReturnType<Reassembler['push']>): string {
  return isDatagram(r) ? toHex(r.buf.subarray(r.off, r.off + r.len)) : `not a datagram: ${r}`;
}

function shuffle<T>(a: T[], next: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const SEC = 1e9;

t.test('kernel fragments in order → the datagram; buffers owned as documented', async (t) => {
  const r = new Reassembler();
  const f = kernelFragments();
  t.equal(r.push(f[0]!, 0, f[0]!.length, 0), null);
  t.equal(r.push(f[1]!, 0, f[1]!.length, 1), null);
  t.equal(r.count, 1);
  const out = r.push(f[2]!, 0, f[2]!.length, 2);
  t.equal(hexOf(out), expectedDatagram());
  t.equal(new Ipv4View().wrap((out as Reassembled).buf, 0, 3028).verifyChecksum(), true);
  t.equal(r.count, 0);
  t.equal(r.heldBytes, 0, 'everything released');
  t.match(r.counters, { reasmReqds: 3, reasmOk: 1, reasmFails: 0 });
});

t.test('reversed and shuffled orders give the same datagram', async (t) => {
  const next = xorshift32(7);
  const r = new Reassembler();
  const orders = [[2, 1, 0], [1, 2, 0], [0, 2, 1], [2, 0, 1]];
  for (let k = 0; k < 20; k++) orders.push(shuffle([0, 1, 2], next));
  for (const order of orders) {
    const f = kernelFragments();
    let out: ReturnType<Reassembler['push']> = null;
    for (const [i, j] of order.entries()) {
      out = r.push(f[j]!, 0, f[j]!.length, 0);
      if (i < 2) t.equal(out, null);
    }
    t.equal(hexOf(out), expectedDatagram(), `order ${order}`);
  }
  t.equal(r.counters.reasmOk, orders.length);
});

t.test('random datagrams: fragment, shuffle, reassemble → the original bytes', async (t) => {
  const next = xorshift32(99);
  const r = new Reassembler();
  let fragmented = 0;
  for (let k = 0; k < 200; k++) {
    const optLen = [0, 4, 12, 40][next() % 4]!;
    const options = new Uint8Array(optLen);
    if (optLen) { options[0] = 0x94; options[1] = 4; options.fill(1, 4); } // RA then NOPs
    const repr: Ipv4Repr = {
      tos: next() & 0xff, id: next() & 0xffff, df: false, mf: false, reservedFlag: false, fragOffset: 0,
      ttl: 1 + (next() % 255), protocol: next() & 0xff, src: next() >>> 0, dst: next() >>> 0, options,
    };
    const plen = 1 + (next() % 9000);
    const d = new Uint8Array(20 + optLen + plen);
    emitIpv4(repr, plen, d, 0);
    for (let i = 20 + optLen; i < d.length; i++) d[i] = next();
    const frags: Uint8Array[] = [];
    const mtu = 68 + (next() % 1500);
    fragmentIpv4(d, 0, d.length, mtu, (b, o, l) => frags.push(b.slice(o, o + l)));
    if (frags.length > 1) fragmented++;
    shuffle(frags, next);
    let out: ReturnType<Reassembler['push']> = null;
    for (const f of frags) out = r.push(f, 0, f.length, k * SEC);
    if (hexOf(out) !== toHex(d)) {
      t.fail(`datagram ${k} (mtu ${mtu}, ${frags.length} fragments) did not round-trip`);
      break;
    }
  }
  t.ok(fragmented > 150, `${fragmented} of 200 needed fragmenting`);
  t.equal(r.counters.reasmOk, fragmented, 'the rest passed through as non-fragments');
  t.equal(r.count, 0);
});

t.test('duplicates are ignored, the datagram kept', async (t) => {
  const r = new Reassembler();
  const f = kernelFragments();
  t.equal(r.push(f[1]!, 0, 1500, 0), null);
  t.equal(r.push(f[1]!, 0, 1500, 0), WireError.FRAG_DUPLICATE, 'exact duplicate');
  // a fragment wholly inside a held one (bytes 1480..1488 of the middle fragment)
  const sub = f[1]!.slice(0, 28);
  put16(sub, 2, 28);
  put16(sub, 10, 0);
  put16(sub, 10, internetChecksum(sub, 0, 20));
  t.equal(r.push(sub, 0, 28, 0), WireError.FRAG_DUPLICATE, 'contained in one fragment');
  t.equal(r.push(f[0]!, 0, 1500, 0), null);
  t.equal(r.push(f[0]!, 0, 1500, 0), WireError.FRAG_DUPLICATE);
  t.equal(hexOf(r.push(f[2]!, 0, 68, 0)), expectedDatagram());
  t.equal(r.counters.duplicates, 3);
  t.equal(r.counters.reasmFails, 0);
});

function fragment(id: number, offset: number, len: number, mf: boolean, fill = 0x55): Uint8Array {
  const f = new Uint8Array(20 + len).fill(fill);
  const repr: Ipv4Repr = {
    tos: 0, id, df: false, mf, reservedFlag: false, fragOffset: offset / 8, ttl: 64, protocol: 17,
    src: 0x0a000001, dst: 0x0a000002, options: new Uint8Array(0),
  };
  emitIpv4(repr, len, f, 0);
  return f;
}

t.test('overlapping fragments drop the whole datagram (Linux, CVE-2018-5391)', async (t) => {
  const r = new Reassembler();
  t.equal(r.push(fragment(1, 0, 16, true), 0, 36, 0), null);
  t.equal(r.push(fragment(1, 8, 16, true), 0, 36, 0), WireError.FRAG_OVERLAP);
  t.equal(r.count, 0, 'datagram gone');
  t.equal(r.heldBytes, 0);
  // the remaining fragments start a new datagram that cannot complete without its first part
  t.equal(r.push(fragment(1, 16, 8, false), 0, 28, 0), null);
  t.equal(r.counters.reasmOverlaps, 1);
  t.equal(r.counters.reasmFails, 1);
});

t.test('a fragment covering two adjacent held fragments is an overlap, not a duplicate (as Linux)', async (t) => {
  const r = new Reassembler();
  t.equal(r.push(fragment(2, 0, 8, true), 0, 28, 0), null);
  t.equal(r.push(fragment(2, 8, 8, true), 0, 28, 0), null);
  t.equal(r.push(fragment(2, 0, 16, true), 0, 36, 0), WireError.FRAG_OVERLAP);
  // new data that starts inside a held fragment and goes beyond it
  t.equal(r.push(fragment(3, 0, 16, true), 0, 36, 0), null);
  t.equal(r.push(fragment(3, 8, 16, false), 0, 36, 0), WireError.FRAG_OVERLAP);
});

t.test('inconsistent last fragments drop the datagram: BAD_FRAGMENT', async (t) => {
  const r = new Reassembler();
  t.equal(r.push(fragment(4, 8, 8, false), 0, 28, 0), null);
  t.equal(r.push(fragment(4, 0, 24, true), 0, 44, 0), WireError.BAD_FRAGMENT, 'data beyond the known end');
  t.equal(r.push(fragment(5, 16, 8, true), 0, 28, 0), null);
  t.equal(r.push(fragment(5, 8, 8, false), 0, 28, 0), WireError.BAD_FRAGMENT, 'end before data already held');
  t.equal(r.push(fragment(6, 16, 8, false), 0, 28, 0), null);
  t.equal(r.push(fragment(6, 24, 8, false), 0, 28, 0), WireError.BAD_FRAGMENT, 'a second, different end');
  t.equal(r.push(fragment(7, 8, 7, true), 0, 27, 0), WireError.BAD_FRAGMENT, 'MF fragment trimmed to 8 bytes leaves nothing');
  t.equal(r.count, 0);
  t.equal(r.counters.malformed, 4);
});

t.test('non-last fragments are trimmed to a multiple of 8 (as Linux)', async (t) => {
  const r = new Reassembler();
  t.equal(r.push(fragment(8, 0, 13, true, 0xaa), 0, 33, 0), null);
  const out = r.push(fragment(8, 8, 4, false, 0xbb), 0, 24, 0);
  t.ok(isDatagram(out));
  if (isDatagram(out)) {
    t.equal(out.len, 32);
    t.equal(toHex(out.buf.subarray(20, 32)), 'aa'.repeat(8) + 'bb'.repeat(4));
  }
});

t.test('oversize (ping of death): FRAG_OVERSIZE drops the datagram', async (t) => {
  const r = new Reassembler();
  t.equal(r.push(fragment(9, 0, 1000, true), 0, 1020, 0), null);
  // 8191 × 8 + 20 bytes of data + 20-byte header = 65568 > 65535
  t.equal(r.push(fragment(9, 65528, 20, false), 0, 40, 0), WireError.FRAG_OVERSIZE);
  t.equal(r.count, 0);
  // the largest legal datagram still reassembles: 20 + 65515
  const d = new Uint8Array(65535);
  emitIpv4({ tos: 0, id: 10, df: false, mf: false, reservedFlag: false, fragOffset: 0, ttl: 64, protocol: 17,
    src: 1, dst: 2, options: new Uint8Array(0) }, 65515, d, 0);
  let out: ReturnType<Reassembler['push']> = null;
  t.equal(fragmentIpv4(d, 0, d.length, 9000, (b, o, l) => { out = r.push(b, o, l, 0); }), 8);
  t.equal(hexOf(out), toHex(d));
  t.equal(r.counters.oversize, 1);
});

t.test('DF on any fragment sets DF on the datagram (Linux max_df)', async (t) => {
  const r = new Reassembler();
  const a = fragment(11, 0, 8, true);
  const b = fragment(11, 8, 8, false);
  b[6] = b[6]! | 0x40;
  put16(b, 10, 0); put16(b, 10, internetChecksum(b, 0, 20));
  r.push(a, 0, 28, 0);
  const out = r.push(b, 0, 28, 0) as Reassembled;
  t.equal(toHex(out.buf.subarray(6, 8)), '4000');
});

t.test('non-fragments pass straight through; malformed input is reported', async (t) => {
  const r = new Reassembler();
  const f = fragment(12, 0, 8, false);
  const padded = new Uint8Array(40);
  padded.set(f, 5);
  const out = r.push(padded, 5, 35, 0);
  t.ok(isDatagram(out));
  if (isDatagram(out)) t.same([out.buf === padded, out.off, out.len], [true, 5, 28]);
  t.equal(r.push(f, 0, 19, 0), WireError.TRUNCATED);
  t.equal(r.counters.reasmReqds, 0);
});

t.test('timeout: 30 s from the first fragment, not refreshed; first fragment handed out for ICMP', async (t) => {
  const expired: string[] = [];
  const r = new Reassembler({ onTimeout: (b, o, l) => expired.push(toHex(b.subarray(o, o + l))) });
  const f = kernelFragments();
  t.equal(r.push(f[0]!, 0, 1500, 0), null);
  t.equal(r.push(f[2]!, 0, 68, 29 * SEC), null, 'does not restart the timer');
  t.equal(r.expire(30 * SEC - 1), 0);
  t.equal(r.expire(30 * SEC), 1);
  t.same(expired, [toHex(f[0]!)], 'the first fragment exactly as received');
  t.equal(r.count, 0);
  t.equal(r.heldBytes, 0);
  t.match(r.counters, { reasmTimeout: 1, reasmFails: 1 });
  // the late fragment starts a new datagram rather than completing the old one
  t.equal(r.push(f[1]!, 0, 1500, 31 * SEC), null);
  // a timed-out datagram without its first fragment gives nothing to quote
  t.equal(r.expire(61 * SEC), 1);
  t.equal(expired.length, 1);
});

t.test('push expires what is due before adding, and expire() takes a callback', async (t) => {
  const r = new Reassembler({ timeoutNs: 5 * SEC });
  const f = kernelFragments();
  r.push(f[0]!, 0, 1500, 0);
  r.push(f[1]!, 0, 1500, 5 * SEC); // the first datagram expired just before this
  t.equal(r.counters.reasmTimeout, 1);
  t.equal(r.push(f[2]!, 0, 68, 6 * SEC), null, 'not completed with a stale first fragment');
  const got: number[] = [];
  t.equal(r.expire(100 * SEC, (_b, _o, l) => got.push(l)), 1);
  t.same(got, [], 'first fragment never arrived for the second datagram');
});

t.test('keys are (src, dst, id, protocol): interleaved datagrams do not mix', async (t) => {
  const r = new Reassembler();
  const mk = (src: number, proto: number, id: number, off: number, mf: boolean, fill: number) => {
    const b = fragment(id, off, 8, mf, fill);
    b[9] = proto;
    b[12] = src;
    put16(b, 10, 0); put16(b, 10, internetChecksum(b, 0, 20));
    return b;
  };
  const parts = [mk(1, 17, 5, 0, true, 1), mk(2, 17, 5, 0, true, 2), mk(1, 6, 5, 0, true, 3), mk(1, 17, 6, 0, true, 4)];
  for (const p of parts) t.equal(r.push(p, 0, 28, 0), null);
  t.equal(r.count, 4);
  const tails = [mk(1, 17, 5, 8, false, 11), mk(2, 17, 5, 8, false, 12), mk(1, 6, 5, 8, false, 13), mk(1, 17, 6, 8, false, 14)];
  for (const [i, p] of tails.entries()) {
    const out = r.push(p, 0, 28, 0) as Reassembled;
    t.equal(toHex(out.buf.subarray(20, 36)), toHex(new Uint8Array(8).fill(i + 1)) + toHex(new Uint8Array(8).fill(i + 11)));
  }
});

t.test('maxDatagrams: the oldest datagram is evicted to make room', async (t) => {
  const r = new Reassembler({ maxDatagrams: 3 });
  for (let id = 0; id < 5; id++) t.equal(r.push(fragment(id, 8, 8, false), 0, 28, id), null);
  t.equal(r.count, 3);
  t.equal(r.counters.evicted, 2);
  t.equal(r.push(fragment(0, 0, 8, true), 0, 28, 10), null, 'id 0 was evicted: starts over');
  t.ok(isDatagram(r.push(fragment(4, 0, 8, true), 0, 28, 10)), 'id 4 survived');
});

t.test('memory bound: 100,000 hostile fragments never push heldBytes over maxBytes', async (t) => {
  const maxBytes = 4 * 1024 * 1024;
  // enough slots that memory, not the datagram count, is what binds
  const r = new Reassembler({ maxBytes, maxDatagrams: 1 << 16 });
  t.equal(r.maxBytes, maxBytes);
  t.equal(r.timeoutNs, 30e9);
  const next = xorshift32(0xBAD);
  const f = new Uint8Array(20 + 1480);
  const v = new Ipv4View();
  let peak = 0, over = 0, drift = 0;
  const t0 = performance.now();
  for (let i = 0; i < 100000; i++) {
    // sparse, small and large fragments, mostly new ids, some repeats (overlaps, duplicates)
    const len = next() & 1 ? 8 : 8 * (1 + (next() % 185));
    const off = 8 * (next() % 8000);
    emitIpv4({ tos: 0, id: next() % 20000, df: false, mf: next() % 8 !== 0, reservedFlag: false,
      fragOffset: off / 8, ttl: 64, protocol: 17, src: 0xc6336400 + (next() % 64), dst: 0x0a000001,
      options: new Uint8Array(0) }, len, f, 0);
    r.push(f, 0, 20 + len, i * 1000); // 1 µs apart: nothing times out
    if (r.heldBytes > maxBytes) over++;
    if (r.heldBytes > peak) peak = r.heldBytes;
    if (i % 5000 === 0 && r.recountBytes() !== r.heldBytes) drift++;
  }
  const ms = performance.now() - t0;
  t.equal(over, 0, `peak ${peak} of ${maxBytes} bytes`);
  t.equal(drift, 0, 'heldBytes equals the bytes actually held');
  t.ok(r.counters.evicted > 0, `${r.counters.evicted} datagrams evicted`);
  t.ok(peak > maxBytes * 0.9, 'the bound was actually reached');
  t.comment(`100k hostile fragments in ${ms.toFixed(0)} ms; counters ${JSON.stringify(r.counters)}`);
  // a legitimate datagram still gets through afterwards
  const frags = kernelFragments();
  let out: ReturnType<Reassembler['push']> = null;
  for (const x of frags) out = r.push(x, 0, x.length, 100000 * 1000);
  t.equal(hexOf(out), expectedDatagram());
  void v;
});

t.test('scapy defragment() agrees with our reassembly of the same shuffled fragments', async (t) => {
  if (!needPeer(t, 'scapy')) return;
  const out = python(
    'from scapy.all import *\nimport sys, random\nrandom.seed(5)\n' +
      "p=IP(src='10.1.2.3',dst='10.9.8.7',id=4242)/UDP(sport=1,dport=2)/Raw(bytes(i*7 & 0xff for i in range(5000)))\n" +
      'fr=fragment(p, fragsize=1000)\nrandom.shuffle(fr)\n' +
      "sys.stdout.write(' '.join(bytes(f).hex() for f in fr) + ' ' + bytes(defragment(fr)[0]).hex())",
  ).trim().split(' ');
  const whole = out.pop()!;
  const r = new Reassembler();
  let res: ReturnType<Reassembler['push']> = null;
  for (const h of out) {
    const b = fromHex(h);
    res = r.push(b, 0, b.length, 0);
  }
  t.equal(out.length, 6);
  t.equal(hexOf(res), whole);
});
