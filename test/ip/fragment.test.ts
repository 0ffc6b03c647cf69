import t from 'tap';
import { fromHex, toHex } from '../../src/bytes.ts';
import { WireError } from '../../src/wire-error.ts';
import { internetChecksum } from '../../src/ip/checksum.ts';
import { Ipv4View, emitIpv4, type Ipv4Repr } from '../../src/ip/ipv4.ts';
import { fragmentIpv4 } from '../../src/ip/fragment.ts';
import { Reassembler } from '../../src/ip/reassembly.ts';
import { needPeer, python } from '../helpers/peers.ts';

// A 3028-byte `ping -s 3000` between two namespaces, and the three fragments the Linux kernel sent
// for it over a 1500-byte MTU veth (captured with tcpdump). The datagram is rebuilt from the
// fragments: ICMP header + timeval, then ping's fill pattern.
const KERNEL_HDRS = [
  '450005dc298d200040011040c0a84d01c0a84d02',
  '450005dc298d20b940010f87c0a84d01c0a84d02',
  '45000044298d017240013466c0a84d01c0a84d02',
];
function kernelDatagram(): Uint8Array {
  const d = new Uint8Array(3028);
  d.set(fromHex('45000bd4298d00004001000 0c0a84d01c0a84d02'.replace(/ /g, '')));
  d.set(fromHex('080009a72be00001204e086b00000000b210080000000000'), 20);
  for (let i = 24; i < 3008; i++) d[20 + i] = (i - 8) & 0xff;
  const c = internetChecksum(d, 0, 20);
  d[10] = c >> 8; d[11] = c & 0xff;
  return d;
}

type Frag = Uint8Array;
function collect(buf: Uint8Array, len: number, mtu: number, scratch?: Uint8Array): { n: number; frags: Frag[] } {
  const frags: Frag[] = [];
  const n = fragmentIpv4(buf, 0, len, mtu, (b, o, l) => frags.push(b.slice(o, o + l)), scratch);
  return { n, frags };
}

const v = new Ipv4View();

t.test('Linux agreement: the kernel\'s three fragments of a 3028-byte ping, byte for byte', async (t) => {
  const d = kernelDatagram();
  const { n, frags } = collect(d, d.length, 1500);
  t.equal(n, 3);
  t.same(frags.map((f) => f.length), [1500, 1500, 68]);
  let pos = 20;
  for (let i = 0; i < 3; i++) {
    const f = frags[i]!;
    t.equal(toHex(f.subarray(0, 20)), KERNEL_HDRS[i], `header ${i}`);
    t.equal(toHex(f.subarray(20)), toHex(d.subarray(pos, pos + f.length - 20)), `data ${i}`);
    pos += f.length - 20;
  }
});

t.test('a datagram that fits is passed through unchanged, link padding dropped', async (t) => {
  const d = kernelDatagram().slice(0, 1500);
  d[2] = 0x05; d[3] = 0xd0; // total 1488
  const padded = new Uint8Array(1500 + 6);
  padded.set(d);
  const seen: [Uint8Array, number, number][] = [];
  t.equal(fragmentIpv4(padded, 0, padded.length, 1500, (b, o, l) => seen.push([b, o, l])), 1);
  t.equal(seen.length, 1);
  t.equal(seen[0]![0], padded, 'the input buffer itself, no copy');
  t.equal(seen[0]![2], 1488);
});

t.test('DF set and too big: -DONT_FRAGMENT, nothing emitted', async (t) => {
  const d = kernelDatagram();
  d[6] = 0x40;
  let calls = 0;
  t.equal(fragmentIpv4(d, 0, d.length, 1500, () => calls++), -WireError.DONT_FRAGMENT);
  t.equal(calls, 0);
});

t.test('MTU too small for header + 8 bytes: -MTU_TOO_SMALL', async (t) => {
  const d = kernelDatagram();
  t.equal(fragmentIpv4(d, 0, d.length, 27, () => t.fail('emitted')), -WireError.MTU_TOO_SMALL);
  t.equal(collect(d, d.length, 28).n, 376, '8 data bytes per fragment at MTU 28');
});

t.test('RFC 791 minimum MTU 68 with a full 60-byte header', async (t) => {
  const repr: Ipv4Repr = {
    tos: 0, id: 42, df: false, mf: false, reservedFlag: false, fragOffset: 0, ttl: 64, protocol: 17,
    src: 0x0a000001, dst: 0x0a000002,
    // LSRR (copied) 11 bytes, RR (not copied) 27 bytes, NOP padding
    options: fromHex('830b04c0000201c0000202' + '071b04' + '00'.repeat(24) + '0101'),
  };
  const d = new Uint8Array(60 + 100);
  t.equal(emitIpv4(repr, 100, d, 0), 60);
  for (let i = 60; i < d.length; i++) d[i] = i;
  const { n, frags } = collect(d, d.length, 68);
  // first: 60 + 8; later: 20 + LSRR 11 → 32-byte header, (68 − 32) & ~7 = 32 data bytes; 8+32+32+28 = 100
  t.same(frags.map((f) => f.length), [68, 64, 64, 60]);
  t.equal(n, 4);
  t.equal(toHex(frags[1]!.subarray(20, 32)), '830b04c0000201c000020200', 'only the copied option, zero-padded');
  t.equal(frags[1]![0], 0x48);
  for (const [i, f] of frags.entries()) {
    v.wrap(f, 0, f.length);
    t.equal(v.check(), 0);
    t.equal(v.verifyChecksum(), true);
    t.equal(v.mf, i < 3);
    t.equal(v.id, 42);
  }
  t.same(frags.map((f) => v.wrap(f, 0, f.length).fragOffset * 8), [0, 8, 40, 72]);
  // and they reassemble to the original
  const r = new Reassembler();
  let out: ReturnType<Reassembler['push']> = null;
  for (const f of [...frags].reverse()) out = r.push(f, 0, f.length, 0);
  t.ok(out && typeof out === 'object');
  if (out && typeof out === 'object') t.equal(toHex(out.buf.subarray(out.off, out.off + out.len)), toHex(d));
});

t.test('fragmenting a fragment: offsets add, the original MF stays on the last piece', async (t) => {
  const d = kernelDatagram();
  const { frags: k } = collect(d, d.length, 1500);
  const mid = collect(k[1]!, 1500, 576);
  t.equal(mid.n, 3);
  t.same(mid.frags.map((f) => [v.wrap(f, 0, f.length).fragOffset * 8, v.mf]), [[1480, true], [2032, true], [2584, true]]);
  const last = collect(k[2]!, 68, 44);
  t.same(last.frags.map((f) => [v.wrap(f, 0, f.length).fragOffset * 8, v.mf]), [[2960, true], [2984, false]]);
});

t.test('with a scratch buffer: every fragment is written into it (no allocation), too small → -NO_SPACE', async (t) => {
  const d = kernelDatagram();
  const scratch = new Uint8Array(1500);
  const bufs = new Set<Uint8Array>();
  t.equal(fragmentIpv4(d, 0, d.length, 1500, (b) => bufs.add(b), scratch), 3);
  t.same([...bufs], [scratch]);
  t.equal(fragmentIpv4(d, 0, d.length, 1500, () => t.fail('emitted'), new Uint8Array(1499)), -WireError.NO_SPACE);
});

t.test('malformed input returns the negated check() error', async (t) => {
  const d = kernelDatagram();
  t.equal(fragmentIpv4(d, 0, 19, 1500, () => t.fail()), -WireError.TRUNCATED);
  t.equal(fragmentIpv4(d, 0, 3000, 1500, () => t.fail()), -WireError.BAD_TOTAL_LENGTH);
  const bad = d.slice();
  bad[0] = 0x46; bad[20] = 0x94; bad[21] = 9; // Router Alert running past the header
  t.equal(fragmentIpv4(bad, 0, bad.length, 1500, () => t.fail()), -WireError.BAD_OPTION);
});

// scapy's fragment(pkt, fragsize) cuts the payload into `fragsize`-byte pieces (rounded down to 8) and
// copies every option into every fragment; with only copied options (or none) that is exactly our
// MTU-based split with mtu = header + fragsize.
function scapyFragments(pkt: string, fragsize: number): { whole: Uint8Array; frags: string[] } {
  const out = python(
    `from scapy.all import *\nimport sys\np=${pkt}\n` +
      `sys.stdout.write(bytes(p).hex() + ' ' + ' '.join(bytes(f).hex() for f in fragment(p, fragsize=${fragsize})))`,
  ).trim().split(' ');
  return { whole: fromHex(out[0]!), frags: out.slice(1) };
}

t.test('scapy fragment(): byte for byte, no options', async (t) => {
  if (!needPeer(t, 'scapy')) return;
  for (const [mtu, size] of [[1500, 4000], [576, 1400], [1006, 2999], [68, 200]] as const) {
    const { whole, frags } = scapyFragments(
      `IP(src='10.1.2.3',dst='10.9.8.7',id=0xabcd,ttl=17,tos=0x10)/UDP(sport=5000,dport=53)/Raw(bytes(i & 0xff for i in range(${size})))`,
      mtu - 20,
    );
    const ours = collect(whole, whole.length, mtu);
    t.equal(ours.n, frags.length, `mtu ${mtu}: count`);
    t.same(ours.frags.map((f) => toHex(f)), frags, `mtu ${mtu}: bytes`);
  }
});

t.test('scapy fragment(): byte for byte with Router Alert and LSRR (copied options)', async (t) => {
  if (!needPeer(t, 'scapy')) return;
  const { whole, frags } = scapyFragments(
    "IP(src='10.1.2.3',dst='10.9.8.7',id=77,options=[IPOption_Router_Alert(),IPOption_LSRR(routers=['192.0.2.1'])])/ICMP()/Raw(b'z'*3000)",
    1500 - 32,
  );
  t.equal(new Ipv4View().wrap(whole, 0, whole.length).headerLength, 32);
  const ours = collect(whole, whole.length, 1500);
  t.equal(ours.n, 3);
  t.same(ours.frags.map((f) => toHex(f)), frags);
});

t.test('scapy fragment() copies Record Route into every fragment; we follow RFC 791 and do not', async (t) => {
  if (!needPeer(t, 'scapy')) return;
  const { whole, frags } = scapyFragments(
    "IP(src='10.1.2.3',dst='10.9.8.7',id=78,options=[IPOption_RR()])/ICMP()/Raw(b'y'*2000)",
    1500 - 24,
  );
  const ours = collect(whole, whole.length, 1500);
  t.equal(toHex(ours.frags[0]!), frags[0], 'first fragment identical (all options)');
  const f2 = ours.frags[1]!;
  v.wrap(f2, 0, f2.length);
  t.equal(v.headerLength, 20, 'RR (copied bit clear) left out of later fragments');
  t.equal(fromHex(frags[1]!)[0], 0x46, 'scapy keeps it');
  // identical payload bytes at identical offsets
  const s2 = fromHex(frags[1]!);
  t.equal(v.fragOffset, new Ipv4View().wrap(s2, 0, s2.length).fragOffset);
  t.equal(toHex(f2.subarray(20)), toHex(s2.subarray(24)));
});

t.test('no garbage: 20,000 fragmentations into a scratch buffer trigger no GC', async (t) => {
  const { PerformanceObserver } = await import('node:perf_hooks');
  const d = kernelDatagram();
  const scratch = new Uint8Array(1500);
  let frags = 0, bytes = 0;
  const sink = (_b: Uint8Array, _o: number, l: number) => { frags++; bytes += l; };
  for (let i = 0; i < 2000; i++) fragmentIpv4(d, 0, d.length, 1500, sink, scratch); // warm up the JIT
  let gcs = 0;
  const obs = new PerformanceObserver((list) => { gcs += list.getEntries().length; });
  obs.observe({ entryTypes: ['gc'] });
  frags = 0;
  const t0 = performance.now();
  for (let i = 0; i < 20000; i++) fragmentIpv4(d, 0, d.length, 1500, sink, scratch);
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 50)); // let GC entries be delivered
  obs.disconnect();
  t.equal(frags, 60000);
  t.equal(gcs, 0, 'garbage collections during the loop');
  t.comment(`${(frags / ms * 1000 / 1e6).toFixed(2)} M fragments/s, ${(bytes / ms / 1e6).toFixed(2)} GB/s`);
});
