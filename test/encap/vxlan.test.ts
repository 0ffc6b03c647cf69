import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex, toHex } from '../../src/bytes.ts';
import { WireError } from '../../src/wire-error.ts';
import { VxlanView, parseVxlan, emitVxlan, formatVxlan, describeVxlan } from '../../src/encap/vxlan.ts';
import {
  VxlanEncapsulator, VxlanDecapsulator, VXLAN_ENCAP_OVERHEAD, flowSrcPort, innerFlowHash,
} from '../../src/encap/vxlan-encap.ts';
import { parseMac } from '../../src/ethernet/mac.ts';
import { parseIpv4Address } from '../../src/ip/address.ts';
import { openCaptureWriter } from '../../src/pcap/index.ts';
import { needPeer, scapyBytes, run } from '../helpers/peers.ts';

// Header bytes as tshark's VXLAN dissector reads them (flags 0x08, VNI 42).
const GOLDEN = fromHex('0800000000002a00');

t.test('header: decode, emit, emit at an offset, format', async (t) => {
  const v = new VxlanView().wrap(GOLDEN, 0, GOLDEN.length);
  t.same(parseVxlan(v), { flags: 0x08, vni: 42 });
  const out = new Uint8Array(12).fill(0xee);
  t.equal(emitVxlan({ flags: 0x08, vni: 42 }, out, 3), 8);
  t.equal(toHex(out), 'eeeeee' + '0800000000002a00' + 'ee');
  t.equal(emitVxlan({ flags: 0x08, vni: 0xffffff }, out, 0), 8);
  t.equal(toHex(out.subarray(0, 8)), '08000000ffffff00');
  t.equal(emitVxlan({ flags: 8, vni: 1 }, out, 5), -WireError.NO_SPACE);
  t.equal(formatVxlan({ flags: 8, vni: 42 }), 'VXLAN VNI 42');
  t.equal(formatVxlan({ flags: 0x0c, vni: 1 }), 'VXLAN VNI 1 flags 0x0c');
  t.match(describeVxlan({ flags: 8, vni: 42 }).join('\n'), /VNI\): 42/);
  v.vni = 7;
  t.equal(v.vni, 7);
});

t.test('header: every malformed variant', async (t) => {
  const cases: [string, string, number][] = [
    ['7 bytes', '0800000000002a', WireError.TRUNCATED],
    ['I flag clear', '0000000000002a00', WireError.BAD_FLAGS],
    ['other flag bit with I', '0c00000000002a00', WireError.BAD_FLAGS],
    ['high flag bit (GBP G) with I', '8800000000002a00', WireError.BAD_FLAGS],
    ['reserved after flags', '0800010000002a00', WireError.BAD_RESERVED],
    ['reserved last byte', '0800000000002a01', WireError.BAD_RESERVED],
  ];
  for (const [name, hex, code] of cases) {
    const b = fromHex(hex);
    t.equal(parseVxlan(new VxlanView().wrap(b, 0, b.length)), code, name);
  }
  // window beyond the buffer
  t.equal(new VxlanView().wrap(GOLDEN, 4, 8).check(), WireError.TRUNCATED);
  t.equal(new VxlanView().wrap(GOLDEN, -1, 8).check(), WireError.TRUNCATED);
});

const OUTER_SRC_MAC = parseMac('02:00:00:00:00:01');
const OUTER_DST_MAC = parseMac('02:00:00:00:00:02');
const SRC_IP = parseIpv4Address('192.0.2.1');
const DST_IP = parseIpv4Address('192.0.2.2');
const INNER = "Ether(src='02:aa:00:00:00:01',dst='02:aa:00:00:00:02')/IP(src='10.1.0.1',dst='10.1.0.2',id=7)/ICMP(id=1,seq=1)/Raw(b'wirestack')";

function encapOf(inner: Uint8Array, port = 4789, vni = 42, firstId = 0x1234) {
  const buf = new Uint8Array(VXLAN_ENCAP_OVERHEAD + 16 + inner.length);
  const off = VXLAN_ENCAP_OVERHEAD + 16;
  buf.set(inner, off);
  const enc = new VxlanEncapsulator({ outerSrcMac: OUTER_SRC_MAC, outerDstMac: OUTER_DST_MAC, srcIp: SRC_IP, dstIp: DST_IP, vni, dstPort: port }, firstId);
  const o = enc.encapsulate(buf, off, inner.length);
  return { buf, o, len: inner.length + VXLAN_ENCAP_OVERHEAD, off };
}

t.test('encapsulation equals scapy byte for byte (outer sport and IP id taken from ours)', async (t) => {
  if (!needPeer(t, 'scapy')) return;
  const inner = scapyBytes(INNER);
  const { buf, o, len, off } = encapOf(inner);
  t.equal(o, off - 50, 'outer frame starts 50 bytes into the headroom');
  const ours = buf.subarray(o, o + len);
  t.equal(toHex(ours.subarray(50)), toHex(inner), 'inner frame untouched (not copied)');
  const sport = (ours[34]! << 8) | ours[35]!;
  t.ok(sport >= 49152 && sport <= 65535, `source port ${sport} in 49152-65535`);
  const theirs = scapyBytes(
    `Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02')/IP(src='192.0.2.1',dst='192.0.2.2',id=0x1234)/UDP(sport=${sport},dport=4789,chksum=0)/VXLAN(vni=42,flags=0x08)/${INNER}`,
  );
  t.equal(toHex(ours), toHex(theirs));

  // scapy's own default computes the UDP checksum: we accept that on receive as well as our zero.
  const withCsum = scapyBytes(
    `Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02')/IP(src='192.0.2.1',dst='192.0.2.2')/UDP(sport=${sport},dport=4789)/VXLAN(vni=42,flags=0x08)/${INNER}`,
  );
  t.not((withCsum[40]! << 8) | withCsum[41]!, 0, 'scapy filled in a checksum');
  const d = new VxlanDecapsulator();
  t.equal(d.decapsulate(withCsum, 0, withCsum.length), 0);
  t.equal(toHex(withCsum.subarray(d.innerOff, d.innerOff + d.innerLen)), toHex(inner));
  withCsum[withCsum.length - 1]! ^= 1; // corrupt the payload under the checksum
  t.equal(d.decapsulate(withCsum, 0, withCsum.length), WireError.BAD_CHECKSUM);
  t.equal(d.decapsulate(ours, 0, ours.length), 0, 'zero checksum accepted');
  t.equal(d.vni, 42);
  t.equal(d.outerSrcIp, SRC_IP);
  t.equal(d.outerSrcPort, sport);
  t.equal(d.outerSrcMac, OUTER_SRC_MAC);
  t.equal(d.innerOff, 50);
  t.equal(d.innerLen, inner.length);
});

t.test('decapsulation errors', async (t) => {
  const inner = fromHex('02aa0000000202aa000000010806' + '00'.repeat(28));
  const d = new VxlanDecapsulator();
  const good = () => {
    const { buf, o, len } = encapOf(inner);
    return buf.slice(o, o + len);
  };
  let f = good();
  t.equal(d.decapsulate(f, 0, f.length), 0);
  t.equal(new VxlanDecapsulator(8472).decapsulate(f, 0, f.length), WireError.NOT_TUNNEL, 'other port');
  f = good(); f[12] = 0x86; f[13] = 0xdd;
  t.equal(d.decapsulate(f, 0, f.length), WireError.NOT_TUNNEL, 'not IPv4');
  f = good(); f[23] = 6;
  t.equal(d.decapsulate(f, 0, f.length), WireError.NOT_TUNNEL, 'not UDP');
  f = good(); f[20] = 0x20;
  t.equal(d.decapsulate(f, 0, f.length), WireError.NOT_TUNNEL, 'fragment');
  f = good(); f[24] ^= 0xff;
  t.equal(d.decapsulate(f, 0, f.length), WireError.BAD_CHECKSUM, 'IP header checksum');
  f = good(); f[42] = 0;
  t.equal(d.decapsulate(f, 0, f.length), WireError.BAD_FLAGS);
  f = good(); f[49] = 1;
  t.equal(d.decapsulate(f, 0, f.length), WireError.BAD_RESERVED);
  f = good();
  t.equal(d.decapsulate(f, 0, 40), WireError.BAD_TOTAL_LENGTH, 'cut inside the UDP header');
  t.equal(d.decapsulate(f, 0, 10), WireError.TRUNCATED);
  t.equal(d.decapsulate(f, 0, f.length + 1), WireError.TRUNCATED, 'window past the buffer');
  // an outer datagram whose VXLAN payload is shorter than an Ethernet header
  const { buf, o } = encapOf(inner.subarray(0, 10));
  t.equal(d.decapsulate(buf, o, 60), WireError.TRUNCATED);
  // not enough headroom
  const enc = new VxlanEncapsulator({ outerSrcMac: 1, outerDstMac: 2, srcIp: 1, dstIp: 2, vni: 1 });
  t.equal(enc.encapsulate(new Uint8Array(100), 49, 14), -WireError.NO_SPACE);
  t.equal(enc.encapsulate(new Uint8Array(70000), 50, 65500), -WireError.BAD_TOTAL_LENGTH);
});

t.test('outer source port: one flow one port, flows spread over 49152-65535', async (t) => {
  const f = fromHex('02aa0000000202aa0000000108004500001c000100004011000' + '00a0100010a010002' + '1f4000350008' + '0000');
  const h1 = innerFlowHash(f, 0, f.length, 0);
  t.equal(innerFlowHash(f, 0, f.length, 0), h1, 'deterministic');
  const seen = new Set<number>();
  for (let sp = 1000; sp < 1400; sp++) {
    f[34] = sp >> 8; f[35] = sp & 0xff;
    const p = flowSrcPort(innerFlowHash(f, 0, f.length, 0), 49152, 65535);
    t.ok(p >= 49152 && p <= 65535);
    seen.add(p);
  }
  t.ok(seen.size > 390, `400 flows → ${seen.size} ports`);
  t.equal(flowSrcPort(0, 49152, 65535), 49152);
  // Linux scaling: hash ^= hash << 16, then (hash * (max - min)) >> 32
  t.equal(flowSrcPort(0x0000ffff, 49152, 65535), 65534, '0xffff → 0xffffffff → top of the range');
  t.equal(flowSrcPort(0xffffffff, 49152, 65535), 49152, '0xffffffff → 0x0000ffff → bottom');
});

t.test('tshark decodes our VXLAN (4789 natively, 8472 with -d)', async (t) => {
  if (!needPeer(t, 'tshark', 'scapy')) return;
  const dir = mkdtempSync(join(tmpdir(), 'vxlan-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const inner = scapyBytes(INNER);
  for (const port of [4789, 8472]) {
    const path = join(dir, `v${port}.pcap`);
    const w = openCaptureWriter(path);
    const ifId = w.addInterface('underlay');
    const { buf, o, len } = encapOf(inner, port, 4242);
    w.write(ifId, 1_000_000_000, buf, o, len);
    w.close();
    const args = ['-r', path, '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', 'udp.dstport', '-e', 'udp.checksum', '-e', 'vxlan.vni', '-e', 'vxlan.flags', '-e', 'eth.src', '-e', 'ip.dst', '-e', 'icmp.type', '-e', '_ws.expert'];
    if (port === 8472) args.unshift('-d', 'udp.port==8472,vxlan');
    const r = run('tshark', args);
    t.equal(r.status, 0, r.stderr);
    const f = r.stdout.trim().split('|');
    t.equal(f[0], '192.0.2.1,10.1.0.1', `outer and inner IP sources (${port})`);
    t.equal(f[1], String(port));
    t.equal(f[2], '0x0000');
    t.equal(f[3], '4242');
    t.equal(f[4], '0x0800');
    t.equal(f[5], '02:00:00:00:00:01,02:aa:00:00:00:01', 'outer and inner MACs');
    t.equal(f[6], '192.0.2.2,10.1.0.2');
    t.equal(f[7], '8');
    t.equal(f[8] ?? '', '', 'no expert info (malformed/checksum) items');
  }
});
