import t from 'tap';
import { fromHex, toHex } from '../../src/bytes.ts';
import { WireError } from '../../src/wire-error.ts';
import { internetChecksum } from '../../src/ip/checksum.ts';
import { parseIpv4Address as parseAddr } from '../../src/ip/address.ts';
import {
  Ipv4View, IpProto, IPV4_MIN_HEADER, Ipv4Option, parseIpv4, emitIpv4, ipv4HeaderLength, formatIpv4,
  describeIpv4, parseOptions, checkOptions, type Ipv4Repr,
} from '../../src/ip/ipv4.ts';
import { fragmentIpv4 } from '../../src/ip/fragment.ts';
import { Reassembler } from '../../src/ip/reassembly.ts';
import { oobGuard } from '../helpers/oob-guard.ts';
import { xorshift32 } from '../helpers/rng.ts';
import { needPeer, scapyBytes } from '../helpers/peers.ts';

// Real datagrams captured with tcpdump on a veth between two network namespaces (Linux 6.x):
// `ping -c1`, `ping -c1 -R` (Record Route), a UDP sendto, and an IGMPv3 report (Router Alert).
const PING = fromHex(
  '45000054291340004001f641c0a84d01c0a84d02' +
  '0800277d2bd100011f4e086b00000000b724070000000000101112131415161718191a1b1c1d1e1f' +
  '202122232425262728292a2b2c2d2e2f3031323334353637',
);
const PING_RR = fromHex(
  '4f00007c291540004001b65ec0a84d01c0a84d02' +
  '01072708c0a84d01' + '00'.repeat(32) +
  '0800835e2bd200011f4e086b000000005b42070000000000101112131415161718191a1b1c1d1e1f' +
  '202122232425262728292a2b2c2d2e2f3031323334353637',
);
const UDP = fromHex('4500002b133f400040110c2fc0a84d01c0a84d02aed514e900171b7d68656c6c6f2077697265737461636b');
const IGMP_RA = fromHex('46c00028000040000102f64fc0a84d01e0000016940400002200e8f90000000104000000ef010203');
// Second of three fragments of a 3028-byte ping as the kernel sent it (header only + 8 data bytes).
const FRAG2_HDR = fromHex('450005dc298d20b940010f87c0a84d01c0a84d02');

const A1 = parseAddr('192.168.77.1');
const A2 = parseAddr('192.168.77.2');

function view(b: Uint8Array, off = 0, len = b.length - off): Ipv4View {
  return new Ipv4View().wrap(b, off, len);
}

function reemit(b: Uint8Array): Uint8Array {
  const r = parseIpv4(view(b));
  if (typeof r === 'number') throw new Error(`parse failed: ${r}`);
  const out = new Uint8Array(b.length);
  const hl = emitIpv4(r, b.length - ipv4HeaderLength(r), out, 0);
  out.set(b.subarray(hl), hl);
  return out;
}

t.test('golden ping: view fields', async (t) => {
  const v = view(PING);
  t.equal(v.check(), 0);
  t.equal(v.version, 4);
  t.equal(v.ihl, 5);
  t.equal(v.headerLength, 20);
  t.equal(v.tos, 0);
  t.equal(v.totalLength, 84);
  t.equal(v.id, 0x2913);
  t.equal(v.flags, 2);
  t.equal(v.df, true);
  t.equal(v.mf, false);
  t.equal(v.reservedFlag, false);
  t.equal(v.fragOffset, 0);
  t.equal(v.isFragment, false);
  t.equal(v.ttl, 64);
  t.equal(v.protocol, IpProto.ICMP);
  t.equal(v.checksum, 0xf641);
  t.equal(v.src, A1);
  t.equal(v.dst, A2);
  t.equal(v.optionsOffset, 20);
  t.equal(v.optionsLength, 0);
  t.equal(v.payloadOffset, 20);
  t.equal(v.payloadLength, 64);
  t.equal(v.trailerLength, 0);
  t.equal(v.verifyChecksum(), true);
});

t.test('golden ping: parse → repr, emit → identical bytes', async (t) => {
  const r = parseIpv4(view(PING)) as Ipv4Repr;
  t.same(r, {
    tos: 0, id: 0x2913, df: true, mf: false, reservedFlag: false, fragOffset: 0, ttl: 64, protocol: 1,
    src: A1, dst: A2, options: new Uint8Array(0), checksum: 0xf641, totalLength: 84,
  });
  t.equal(toHex(reemit(PING)), toHex(PING));
  // with checksum and length left to emit, the same bytes come out
  const out = new Uint8Array(20);
  t.equal(emitIpv4({ ...r, checksum: undefined, totalLength: undefined }, 64, out, 0), 20);
  t.equal(toHex(out), toHex(PING.subarray(0, 20)));
});

t.test('emit at a non-zero offset writes only the header bytes there', async (t) => {
  const r = parseIpv4(view(PING_RR)) as Ipv4Repr;
  const out = new Uint8Array(7 + 60 + 3).fill(0xee);
  t.equal(emitIpv4({ ...r, checksum: undefined }, 64, out, 7), 60);
  t.equal(toHex(out.subarray(7, 67)), toHex(PING_RR.subarray(0, 60)));
  t.equal(toHex(out.subarray(0, 7)), 'ee'.repeat(7));
  t.equal(toHex(out.subarray(67)), 'eeeeee');
  t.equal(view(out, 7, 60).verifyChecksum(), true);
});

t.test('golden ping -R: Record Route option kept raw and re-emitted unchanged', async (t) => {
  const v = view(PING_RR);
  t.equal(v.check(), 0);
  t.equal(v.ihl, 15);
  t.equal(v.optionsLength, 40);
  t.equal(v.payloadOffset, 60);
  t.equal(v.payloadLength, 64);
  const r = parseIpv4(v) as Ipv4Repr;
  t.equal(toHex(r.options), toHex(PING_RR.subarray(20, 60)));
  t.same(parseOptions(r.options), [
    { type: Ipv4Option.NOP, offset: 0, length: 1, dataOffset: 1 },
    { type: Ipv4Option.RR, offset: 1, length: 39, dataOffset: 3 },
  ]);
  t.equal(ipv4HeaderLength(r), 60);
  t.equal(toHex(reemit(PING_RR)), toHex(PING_RR));
  t.equal(formatIpv4(r), '192.168.77.1 > 192.168.77.2: ICMP ttl 64 id 10517 DF len 124 [RR]');
});

t.test('golden UDP datagram, with Ethernet padding after it', async (t) => {
  const padded = new Uint8Array(UDP.length + 3);
  padded.set(UDP);
  const v = view(padded);
  t.equal(v.check(), 0);
  t.equal(v.protocol, IpProto.UDP);
  t.equal(v.totalLength, 43);
  t.equal(v.payloadLength, 23);
  t.equal(v.trailerLength, 3);
  const r = parseIpv4(v) as Ipv4Repr;
  t.equal(formatIpv4(r), '192.168.77.1 > 192.168.77.2: UDP ttl 64 id 4927 DF len 43');
  t.equal(toHex(reemit(UDP)), toHex(UDP));
});

t.test('golden IGMPv3 report: Router Alert, DSCP CS6', async (t) => {
  const v = view(IGMP_RA);
  t.equal(v.check(), 0);
  t.equal(v.tos, 0xc0);
  t.equal(v.dscp, 48);
  t.equal(v.ecn, 0);
  t.equal(v.ttl, 1);
  t.equal(v.protocol, 2);
  t.equal(v.dst, parseAddr('224.0.0.22'));
  const r = parseIpv4(v) as Ipv4Repr;
  t.same(parseOptions(r.options), [{ type: Ipv4Option.RA, offset: 0, length: 4, dataOffset: 2 }]);
  t.equal(toHex(reemit(IGMP_RA)), toHex(IGMP_RA));
  t.match(describeIpv4(r).join('\n'), /Option: RA \(148\), length 4/);
});

t.test('golden kernel fragment: MF and offset', async (t) => {
  const b = new Uint8Array(1500);
  b.set(FRAG2_HDR);
  const v = view(b);
  t.equal(v.check(), 0);
  t.equal(v.mf, true);
  t.equal(v.df, false);
  t.equal(v.fragOffset, 185);
  t.equal(v.isFragment, true);
  t.equal(v.verifyChecksum(), true);
  const r = parseIpv4(v) as Ipv4Repr;
  t.equal(formatIpv4(r), '192.168.77.1 > 192.168.77.2: ICMP ttl 64 id 10637 MF off 1480 len 1500');
});

t.test('setters write the right bits', async (t) => {
  const b = PING.slice();
  const v = view(b);
  v.dscp = 46; v.ecn = 1;
  t.equal(v.tos, (46 << 2) | 1);
  v.df = false; v.mf = true; v.fragOffset = 0x1abc; v.reservedFlag = true;
  t.equal(toHex(b.subarray(6, 8)), 'babc');
  t.equal(v.flags, 5);
  v.flags = 2;
  t.equal(toHex(b.subarray(6, 8)), '5abc');
  v.id = 0xbeef; v.totalLength = 60; v.ttl = 9; v.protocol = 17;
  t.equal(toHex(b.subarray(2, 10)), '003cbeef5abc0911');
  v.updateChecksum();
  t.equal(internetChecksum(b, 0, 20), 0);
  t.equal(v.verifyChecksum(), true);
});

t.test('decrementTtl and setSrc/setDst update the checksum incrementally (RFC 1624)', async (t) => {
  for (const g of [PING, PING_RR, UDP, IGMP_RA]) {
    const b = g.slice();
    const v = view(b);
    const ttl = v.ttl;
    t.equal(v.decrementTtl(), ttl - 1);
    t.equal(v.ttl, ttl - 1);
    t.equal(v.verifyChecksum(), true, 'ttl');
    v.setSrc(0x0a000001);
    t.equal(v.src, 0x0a000001);
    t.equal(v.verifyChecksum(), true, 'src');
    v.setDst(0xffffffff);
    t.equal(v.dst, 0xffffffff);
    t.equal(v.verifyChecksum(), true, 'dst');
    // and the incremental result equals a full recomputation
    const c = v.checksum;
    v.updateChecksum();
    t.equal(v.checksum, c);
  }
  const b = IGMP_RA.slice();
  const v = view(b);
  t.equal(v.decrementTtl(), 0);
  t.equal(v.decrementTtl(), -1, 'TTL 0 is left alone');
  t.equal(v.ttl, 0);
  t.equal(v.verifyChecksum(), true);
});

// --- malformed input: one test per variant, each with its exact error ---

function withBytes(b: Uint8Array, edits: [number, number][], fix = true): Uint8Array {
  const c = b.slice();
  for (const [o, x] of edits) c[o] = x;
  if (fix) {
    const hl = Math.min((c[0]! & 0xf) * 4, c.length);
    c[10] = 0; c[11] = 0;
    const s = internetChecksum(c, 0, hl);
    c[10] = s >> 8; c[11] = s & 0xff;
  }
  return c;
}

t.test('malformed: truncated below 20 bytes', async (t) => {
  t.equal(view(PING, 0, 19).check(), WireError.TRUNCATED);
  t.equal(parseIpv4(view(PING, 0, 19)), WireError.TRUNCATED);
  t.equal(view(new Uint8Array(0)).check(), WireError.TRUNCATED);
});

t.test('malformed: window beyond the buffer is truncated, not read', async (t) => {
  t.equal(view(PING, 70, 20).check(), WireError.TRUNCATED);
  t.equal(view(PING, -1, 20).check(), WireError.TRUNCATED);
});

t.test('malformed: version 6', async (t) => {
  t.equal(parseIpv4(view(withBytes(PING, [[0, 0x65]]))), WireError.BAD_VERSION);
});

t.test('malformed: IHL < 5', async (t) => {
  t.equal(parseIpv4(view(withBytes(PING, [[0, 0x44]], false))), WireError.BAD_IHL);
});

t.test('malformed: IHL beyond the buffer', async (t) => {
  const b = withBytes(UDP.subarray(0, 24), [[0, 0x47]], false);
  t.equal(parseIpv4(view(b)), WireError.BAD_IHL);
});

t.test('malformed: total length beyond the buffer', async (t) => {
  t.equal(parseIpv4(view(PING, 0, 83)), WireError.BAD_TOTAL_LENGTH);
  t.equal(parseIpv4(view(withBytes(PING, [[2, 0x01]]))), WireError.BAD_TOTAL_LENGTH);
});

t.test('malformed: total length shorter than the header', async (t) => {
  t.equal(parseIpv4(view(withBytes(PING, [[2, 0], [3, 19]]))), WireError.BAD_TOTAL_LENGTH);
  t.equal(parseIpv4(view(withBytes(PING_RR, [[2, 0], [3, 56]]))), WireError.BAD_TOTAL_LENGTH);
});

t.test('malformed: bad header checksum', async (t) => {
  const b = withBytes(PING, [[11, 0x42]], false);
  t.equal(view(b).check(), 0, 'check() does not look at the checksum');
  t.equal(view(b).verifyChecksum(), false);
  t.equal(parseIpv4(view(b)), WireError.BAD_CHECKSUM);
  const r = parseIpv4(view(b), { verifyChecksum: false }) as Ipv4Repr;
  t.equal(r.checksum, 0xf642);
  t.equal(toHex(new Uint8Array(0)), '');
});

t.test('malformed: option running past the header', async (t) => {
  // RR length 39 → 41 would run one byte past the 40-byte option area
  t.equal(parseIpv4(view(withBytes(PING_RR, [[22, 41]]))), WireError.BAD_OPTION);
  // Router Alert with length 6 in a 4-byte option area
  t.equal(parseIpv4(view(withBytes(IGMP_RA, [[21, 6]]))), WireError.BAD_OPTION);
});

t.test('malformed: option length < 2', async (t) => {
  t.equal(parseIpv4(view(withBytes(IGMP_RA, [[21, 1]]))), WireError.BAD_OPTION);
  t.equal(parseIpv4(view(withBytes(IGMP_RA, [[21, 0]]))), WireError.BAD_OPTION);
});

t.test('malformed: option type as the last header byte has no length byte', async (t) => {
  // NOP NOP NOP then RR type with no room for its length
  t.equal(parseIpv4(view(withBytes(IGMP_RA, [[20, 1], [21, 1], [22, 1], [23, 7]]))), WireError.BAD_OPTION);
  // but NOPs and an EOL followed by garbage padding are fine
  t.not(typeof parseIpv4(view(withBytes(IGMP_RA, [[20, 1], [21, 0], [22, 0xff], [23, 0xff]]))), 'number');
  t.equal(checkOptions(new Uint8Array([1, 1, 0, 0x44]), 0, 4), 0);
});

t.test('emit refuses what cannot be encoded', async (t) => {
  const r = parseIpv4(view(PING)) as Ipv4Repr;
  t.equal(emitIpv4(r, 64, new Uint8Array(19), 0), -WireError.NO_SPACE);
  t.equal(emitIpv4(r, 64, new Uint8Array(30), 11), -WireError.NO_SPACE);
  t.equal(emitIpv4({ ...r, options: new Uint8Array(41) }, 0, new Uint8Array(100), 0), -WireError.BAD_OPTION);
  t.equal(emitIpv4({ ...r, totalLength: undefined }, 65516, new Uint8Array(100), 0), -WireError.BAD_TOTAL_LENGTH);
  t.equal(emitIpv4({ ...r, totalLength: undefined }, 65515, new Uint8Array(100), 0), 20);
});

t.test('options are padded with zero bytes to a 4-byte boundary', async (t) => {
  const out = new Uint8Array(24).fill(0xaa);
  const r: Ipv4Repr = {
    tos: 0, id: 1, df: false, mf: false, reservedFlag: false, fragOffset: 0, ttl: 64, protocol: 17,
    src: 1, dst: 2, options: new Uint8Array([Ipv4Option.NOP]),
  };
  t.equal(ipv4HeaderLength(r), 24);
  t.equal(emitIpv4(r, 0, out, 0), 24);
  t.equal(toHex(out.subarray(20)), '01000000');
  t.equal(out[0], 0x46);
  t.equal(view(out).verifyChecksum(), true);
});

// --- scapy agrees byte for byte ---

function ourBytes(scapy: Uint8Array, edit: (r: Ipv4Repr) => Ipv4Repr): Uint8Array {
  // Decode scapy's header only to learn its payload; build our header from our own repr.
  const v = view(scapy);
  const out = new Uint8Array(scapy.length);
  const r = edit({
    tos: 0, id: 1, df: false, mf: false, reservedFlag: false, fragOffset: 0, ttl: 64, protocol: 0,
    src: 0, dst: 0, options: new Uint8Array(0),
  });
  const hl = emitIpv4(r, v.payloadLength, out, 0);
  out.set(scapy.subarray(v.payloadOffset), hl);
  return out;
}

t.test('scapy: emit equals scapy byte for byte', async (t) => {
  if (!needPeer(t, 'scapy')) return;
  const s1 = scapyBytes("IP(src='10.0.0.1',dst='10.0.0.2',id=0x1234,flags='DF',ttl=64,options=[IPOption_RR()])/ICMP()");
  t.equal(toHex(ourBytes(s1, (r) => ({
    ...r, src: 0x0a000001, dst: 0x0a000002, id: 0x1234, df: true, protocol: IpProto.ICMP,
    options: new Uint8Array([7, 3, 4]),
  }))), toHex(s1));
  const s2 = scapyBytes("IP(src='10.0.0.1',dst='10.0.0.2',id=7,ttl=1,tos=0xb8,options=[IPOption_Router_Alert()])/UDP(sport=1,dport=2)/b'abc'");
  t.equal(toHex(ourBytes(s2, (r) => ({
    ...r, src: 0x0a000001, dst: 0x0a000002, id: 7, ttl: 1, tos: 0xb8, protocol: IpProto.UDP,
    options: new Uint8Array([0x94, 4, 0, 0]),
  }))), toHex(s2));
  const s3 = scapyBytes("IP(src='192.0.2.9',dst='198.51.100.7',flags='evil+MF',frag=100,proto=6,ttl=255)");
  t.equal(toHex(ourBytes(s3, (r) => ({
    ...r, src: parseAddr('192.0.2.9'), dst: parseAddr('198.51.100.7'), reservedFlag: true, mf: true,
    fragOffset: 100, protocol: IpProto.TCP, ttl: 255,
  }))), toHex(s3));
  const s4 = scapyBytes(
    "IP(src='10.0.0.1',dst='10.0.0.2',options=[IPOption_RR(routers=['1.2.3.4','5.6.7.8'],pointer=8),IPOption_NOP(),IPOption_LSRR(routers=['9.9.9.9'])])/Raw(b'x'*33)",
  );
  t.equal(toHex(ourBytes(s4, (r) => ({
    ...r, src: 0x0a000001, dst: 0x0a000002, protocol: 0,
    options: fromHex('070b080102030405060708 01 8307040909090900'.replace(/ /g, '')),
  }))), toHex(s4));
  // and parse → emit of scapy's bytes is the identity, with scapy's option list recovered
  for (const s of [s1, s2, s3, s4]) t.equal(toHex(reemit(s)), toHex(s));
  t.same((parseOptions((parseIpv4(view(s4)) as Ipv4Repr).options) as { type: number }[]).map((o) => o.type), [7, 1, 131, 0]);
});

// --- fuzz: random and mutated buffers never throw and never read outside their window ---

t.test('fuzz detector catches an out-of-bounds read', async (t) => {
  const faults: string[] = [];
  const g = oobGuard(PING.slice(), 0, 16, (f) => faults.push(f.message));
  const v = new Ipv4View().wrap(g, 0, 16);
  t.equal(v.check(), WireError.TRUNCATED);
  t.same(faults, [], 'check() stays inside');
  void v.dst; // an accessor used without a successful check() reads bytes 16..19
  t.ok(faults.length > 0, faults[0]);
});

t.test('fuzz: 20,000 random and mutated buffers through view, parse, fragment and reassembly', async (t) => {
  const next = xorshift32(0xC0FFEE);
  const seeds = [PING, PING_RR, UDP, IGMP_RA];
  const faults: string[] = [];
  const reasm = new Reassembler({ maxBytes: 1 << 20, maxDatagrams: 64 });
  const scratch = new Uint8Array(2048);
  let ok = 0, parsed = 0, frags = 0, badEmit = 0;
  for (let n = 0; n < 20000; n++) {
    let data: Uint8Array;
    const kind = next() % 4;
    if (kind === 0) {
      data = new Uint8Array(next() % 100);
      for (let i = 0; i < data.length; i++) data[i] = next();
      if (data.length && next() & 1) data[0] = 0x40 | (data[0]! & 0x0f);
    } else {
      const s = seeds[next() % seeds.length]!;
      data = s.slice(0, kind === 1 ? next() % (s.length + 1) : s.length);
      const flips = 1 + (next() % 6);
      for (let i = 0; i < flips && data.length; i++) {
        const o = next() % Math.min(data.length, 64); // mutate mostly the header
        data[o] = next() & 1 ? data[o]! ^ (1 << (next() % 8)) : next();
      }
      if (kind === 3 && data.length >= 20) { // make it a valid-checksum fragment sometimes
        data[6] = (data[6]! & 0xc0) | 0x20 | (next() & 0x1f);
        data[10] = 0; data[11] = 0;
        const hl = Math.min((data[0]! & 0xf) * 4, data.length);
        const c = internetChecksum(data, 0, hl);
        data[10] = c >> 8; data[11] = c & 0xff;
      }
    }
    // place the window inside a larger buffer of real bytes
    const pre = next() % 8;
    const backing = new Uint8Array(pre + data.length + 8);
    for (let i = 0; i < backing.length; i++) backing[i] = next();
    backing.set(data, pre);
    const g = oobGuard(backing, pre, pre + data.length, (f) => faults.push(f.message));
    const v = new Ipv4View().wrap(g, pre, data.length);
    try {
      if (v.check() === 0) {
        ok++;
        void (v.version + v.ihl + v.tos + v.dscp + v.ecn + v.totalLength + v.id + v.flags + v.fragOffset + v.ttl +
          v.protocol + v.checksum + v.src + v.dst + v.payloadLength + v.trailerLength + v.optionsLength);
        void (v.df || v.mf || v.reservedFlag || v.isFragment || v.verifyChecksum());
      }
      for (const verifyChecksum of [true, false]) {
        const r = parseIpv4(v, { verifyChecksum });
        if (typeof r !== 'number') {
          parsed++;
          formatIpv4(r);
          describeIpv4(r);
          const out = new Uint8Array(ipv4HeaderLength(r));
          if (emitIpv4(r, v.payloadLength, out, 0) !== out.length) badEmit++;
        }
      }
      const c = fragmentIpv4(g, pre, data.length, 28 + (next() % 1500), () => { frags++; }, scratch);
      if (c === 0) t.fail('fragmentIpv4 returned 0');
      reasm.push(g, pre, data.length, n * 1e6);
      if (reasm.heldBytes > reasm.maxBytes) t.fail('reassembly over its memory bound');
      if (v.check() === 0 && !v.isFragment) {
        // mutators stay inside too once check() passed
        v.decrementTtl(); v.setSrc(next()); v.setDst(next()); v.updateChecksum();
      }
    } catch (e) {
      t.fail(`threw on ${toHex(data)}: ${(e as Error).stack}`);
      break;
    }
    if (faults.length) {
      t.fail(`out-of-bounds access on ${toHex(data)} (window at ${pre}): ${faults[0]}`);
      break;
    }
  }
  t.same(faults, []);
  t.equal(badEmit, 0, 'every parsed repr re-emits its header');
  t.ok(ok > 1000, `check() accepted ${ok} inputs`);
  t.ok(parsed > 500, `parse accepted ${parsed}`);
  t.ok(frags > 500, `fragments emitted: ${frags}`);
  t.equal(reasm.recountBytes(), reasm.heldBytes);
});

t.test('IPV4_MIN_HEADER', async (t) => {
  t.equal(IPV4_MIN_HEADER, 20);
});
