// pcapng: golden SHB/IDB/EPB bytes, several interfaces, comments, both directions, snap-length truncation,
// IDBs added mid-capture; hand-built files for big-endian sections, multiple sections, 2^-n resolution,
// SPB and unknown blocks; and tshark reading what we wrote field by field.
import t, { type Test } from 'tap';
import { toHex } from '../../src/bytes.ts';
import { MemorySink, openCaptureWriter, PcapngWriter, readCapture, type CaptureRecord } from '../../src/pcap/index.ts';
import { needPeer } from '../helpers/peers.ts';
import { ARP, BIG, epochText, ICMP, NgBuilder, RAWIP, tempDir, tsharkExpertProblems, tsharkFields, UDP } from './frames.ts';

const te = new TextEncoder();
const T0 = 1700000000123456768;

t.test('golden bytes: SHB, IDB and an EPB with flags and a comment', (t) => {
  const m = new MemorySink();
  const w = new PcapngWriter(m.sink);
  t.equal(w.addInterface('eth0'), 0);
  w.write(0, 1_000_000_005, ARP, 0, ARP.length, { direction: 'in', comment: 'hi' });
  w.close();
  const b = m.bytes();
  const shb = '0a0d0d0a' + '30000000' + '4d3c2b1a' + '0100' + '0000' + 'ffffffffffffffff' +
    '0400' + '0900' + toHex(te.encode('wirestack')) + '000000' + '00000000' + '30000000';
  const idb = '01000000' + '28000000' + '0100' + '0000' + '00000400' +
    '0200' + '0400' + toHex(te.encode('eth0')) + '0900' + '0100' + '09000000' + '00000000' + '28000000';
  const epb = '06000000' + '60000000' + '00000000' + '00000000' + '05ca9a3b' + '2a000000' + '2a000000' +
    toHex(ARP) + '0000' + '0200' + '0400' + '01000000' + '0100' + '0200' + '68690000' + '00000000' + '60000000';
  t.equal(toHex(b), shb + idb + epb);
  t.end();
});

interface Sample { ifId: number; ts: number; frame: Uint8Array; direction?: 'in' | 'out'; comment?: string; origLen?: number }

/** Three interfaces (one raw-IP, one with snaplen 100), the third declared after packets were written. */
function writeSample(w: ReturnType<typeof openCaptureWriter>): { samples: Sample[]; names: string[]; snaps: number[] } {
  const names = ['ns1/veth0', 'ns2/veth1', 'ns3/tun0'];
  const snaps = [262144, 100, 262144];
  const a = w.addInterface(names[0]!, { description: 'first veth end' });
  const b = w.addInterface(names[1]!, { snaplen: 100 });
  const samples: Sample[] = [
    { ifId: a, ts: T0, frame: UDP, direction: 'out' },
    { ifId: b, ts: T0 + 1_000, frame: UDP, direction: 'in' },
    { ifId: b, ts: T0 + 2_048, frame: ICMP, direction: 'out', comment: 'TTL expired' },
    { ifId: a, ts: T0 + 3_000_000_000, frame: BIG, comment: 'no route — ünïcode ✓' },
    { ifId: b, ts: T0 + 4_000_000_000, frame: BIG, direction: 'in' },
    { ifId: a, ts: 7, frame: ARP, origLen: 60 },
  ];
  for (const s of samples) w.write(s.ifId, s.ts, s.frame, 0, s.frame.length, { direction: s.direction, comment: s.comment, origLen: s.origLen });
  const c = w.addInterface(names[2]!, { linktype: 101 });
  const late: Sample = { ifId: c, ts: T0 + 5_000_000_000, frame: RAWIP, direction: 'out', comment: 'late interface' };
  w.write(c, late.ts, late.frame, 0, late.frame.length, late);
  samples.push(late);
  w.close();
  return { samples, names, snaps };
}

function expectRecord(t: Test, r: CaptureRecord, s: Sample, names: string[], snaps: number[], i: number) {
  const incl = Math.min(s.frame.length, snaps[s.ifId]!);
  t.equal(r.ifId, s.ifId, `#${i} interface`);
  t.equal(r.ifName, names[s.ifId], `#${i} name`);
  t.equal(r.tsNs, s.ts, `#${i} timestamp`);
  t.same(r.data, s.frame.subarray(0, incl), `#${i} bytes`);
  t.equal(r.origLen, s.origLen ?? s.frame.length, `#${i} orig len`);
  t.equal(r.truncated, incl < (s.origLen ?? s.frame.length), `#${i} truncated`);
  t.equal(r.direction, s.direction, `#${i} direction`);
  t.equal(r.comment, s.comment, `#${i} comment`);
  t.equal(r.linktype, s.ifId === 2 ? 101 : 1, `#${i} link type`);
}

t.test('round trip: interfaces, directions, comments, truncation, a late IDB', (t) => {
  const path = tempDir(t)('x.pcapng');
  const { samples, names, snaps } = writeSample(openCaptureWriter(path));
  const recs = [...readCapture(path)];
  t.equal(recs.length, samples.length);
  recs.forEach((r, i) => expectRecord(t, r, samples[i]!, names, snaps, i));
  t.end();
});

t.test('tshark reads our pcapng field by field and finds nothing wrong', (t) => {
  if (!needPeer(t, 'tshark')) return;
  const path = tempDir(t)('x.pcapng');
  const { samples, names } = writeSample(openCaptureWriter(path));
  const rows = tsharkFields(path, ['frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id',
    'frame.interface_name', 'frame.comment', 'frame.packet_flags_direction', 'frame.p2p_dir']);
  const recs = [...readCapture(path)];
  t.equal(rows.length, samples.length);
  const want = recs.map((r, i) => [
    String(i + 1), epochText(r.tsSec, r.tsFracNs), String(r.origLen), String(r.data.length), String(r.ifId),
    names[r.ifId]!, r.comment ?? '',
    r.direction === 'in' ? '0x00000001' : r.direction === 'out' ? '0x00000002' : '',
    r.direction === 'in' ? '1' : r.direction === 'out' ? '0' : '', // Wireshark's P2P_DIR_RECV / P2P_DIR_SENT
  ]);
  t.same(rows, want);
  t.same(tsharkExpertProblems(path), []);
  const desc = tsharkFields(path, ['frame.interface_description']).map((r) => r[0]);
  t.equal(desc[0], 'first veth end');
  t.end();
});

t.test('big-endian section, multiple sections, per-section interfaces', (t) => {
  const be = new NgBuilder(false);
  be.shb(false).idb(1, 65535, be.opt(2, te.encode('be0'))).epb(0, 0, 1_500_000, UDP, UDP.length, [...be.opt(2, be.u32(1)), ...be.opt(1, te.encode('from BE'))]);
  // second section in little-endian, where interface 0 is a different interface with ns resolution
  be.shb(true).idb(1, 0, [...be.opt(2, te.encode('le0')), ...be.opt(9, [9])]).epb(0, 0, 42, ICMP);
  const recs = [...readCapture(be.bytes())];
  t.equal(recs.length, 2);
  t.match(recs[0], { section: 0, ifName: 'be0', tsSec: 1, tsFracNs: 500_000_000, direction: 'in', comment: 'from BE' });
  t.same(recs[0]!.data, UDP);
  t.match(recs[1], { section: 1, ifName: 'le0', tsNs: 42, truncated: false });
  t.same(recs[1]!.data, ICMP);
  t.end();
});

t.test('if_tsresol 2^-n and default µs, if_tsoffset, SPB, obsolete PB and unknown blocks', (t) => {
  const b = new NgBuilder();
  b.shb()
    .block(0x0bad, [1, 2, 3, 4]) // unknown block: skipped
    .idb(1, 50, b.opt(9, [0x80 | 20])) // 2^-20 s units, snaplen 50
    .idb(1, 0) // no if_tsresol: microseconds
    .idb(1, 0, b.opt(14, [...b.u32(10), ...b.u32(0)])) // if_tsoffset = 10 s
    .epb(0, 0, (3 << 20) + (1 << 19), UDP.subarray(0, 50), UDP.length)
    .epb(1, 0, 2_000_001, ICMP)
    .epb(2, 0, 1_000_000, ARP)
    .spb(BIG.subarray(0, 50), BIG.length) // SPB uses interface 0 and its snaplen
    .block(5, [...b.u32(0), ...b.u32(0), ...b.u32(0)]) // ISB: skipped
    .block(2, [...b.u16(1), ...b.u16(0), ...b.u32(0), ...b.u32(7), ...b.u32(ARP.length), ...b.u32(ARP.length), ...ARP, 0, 0, ...b.opt(2, b.u32(2)), 0, 0, 0, 0]);
  const recs = [...readCapture(b.bytes())];
  t.equal(recs.length, 5);
  t.match(recs[0], { ifId: 0, tsSec: 3, tsFracNs: 500_000_000, origLen: UDP.length, truncated: true });
  t.same(recs[0]!.data, UDP.subarray(0, 50));
  t.match(recs[1], { ifId: 1, tsSec: 2, tsFracNs: 1000 });
  t.match(recs[2], { ifId: 2, tsSec: 11, tsFracNs: 0 });
  t.match(recs[3], { ifId: 0, tsNs: 0, origLen: BIG.length, truncated: true });
  t.same(recs[3]!.data, BIG.subarray(0, 50));
  t.match(recs[4], { ifId: 1, tsSec: 0, tsFracNs: 7000, direction: 'out' }, 'obsolete Packet Block with pack_flags');
  t.end();
});

t.test('borrowed records (copy: false) reuse one object', (t) => {
  const m = new MemorySink();
  const w = new PcapngWriter(m.sink);
  w.addInterface('x');
  w.write(0, 1, UDP, 0, UDP.length);
  w.write(0, 2, ICMP, 0, ICMP.length);
  w.close();
  const seen: CaptureRecord[] = [];
  const lens: number[] = [];
  for (const r of readCapture(m.bytes(), { copy: false })) {
    seen.push(r);
    lens.push(r.data.length);
  }
  t.equal(seen[0], seen[1], 'same object');
  t.same(lens, [UDP.length, ICMP.length]);
  t.end();
});

t.test('a comment too long for a 16-bit option length is refused, not written corrupt', (t) => {
  const m = new MemorySink();
  const w = new PcapngWriter(m.sink);
  w.addInterface('x');
  t.throws(() => w.write(0, 0, UDP, 0, UDP.length, { comment: 'x'.repeat(70000) }), RangeError);
  w.write(0, 0, UDP, 0, UDP.length, { comment: 'y'.repeat(65535) });
  w.close();
  const recs = [...readCapture(m.bytes())];
  t.equal(recs.length, 1);
  t.equal(recs[0]!.comment!.length, 65535);
  t.end();
});
