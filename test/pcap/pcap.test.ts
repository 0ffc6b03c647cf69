// Classic pcap: golden header and record bytes, µs and ns round trips, snap-length truncation, both byte
// orders, and tshark reading what we wrote.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { toHex } from '../../src/bytes.ts';
import { MemorySink, openCaptureWriter, PcapWriter, readCapture } from '../../src/pcap/index.ts';
import { WireError } from '../../src/wire-error.ts';
import { needPeer } from '../helpers/peers.ts';
import { ARP, BIG, epochText, ICMP, RAWIP, tempDir, tsharkExpertProblems, tsharkFields, UDP } from './frames.ts';

const T0 = 1700000000123456768; // an integer double near today's epoch in ns

const SAMPLE: { ts: number; frame: Uint8Array; origLen?: number }[] = [
  { ts: T0, frame: UDP },
  { ts: T0 + 1_000_256, frame: ICMP },
  { ts: T0 + 2_000_000_000, frame: ARP },
  { ts: T0 + 3_000_000_512, frame: BIG },
];

function writeSample(w: { addInterface: PcapWriter['addInterface']; write: PcapWriter['write']; close(): void }, snaplen?: number) {
  const id = w.addInterface('eth0', { snaplen });
  for (const s of SAMPLE) w.write(id, s.ts, s.frame, 0, s.frame.length, { direction: 'out', comment: 'dropped by pcap' });
  w.close();
}

t.test('golden bytes: µs header and first record', (t) => {
  const m = new MemorySink();
  const w = new PcapWriter(m.sink);
  const id = w.addInterface('eth0');
  w.write(id, 1_500_000_999, ARP, 0, ARP.length);
  w.close();
  const b = m.bytes();
  t.equal(toHex(b, 0, 24), 'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000');
  // ts 1 s + 500000 µs (the 999 ns are below µs resolution), incl 42, orig 42
  t.equal(toHex(b, 24, 16), '01000000' + '20a10700' + '2a000000' + '2a000000');
  t.equal(toHex(b, 40), toHex(ARP));
  t.equal(w.stats.records, 1);
  t.equal(w.stats.flushes, 1);
  t.end();
});

t.test('golden bytes: ns magic and fraction', (t) => {
  const m = new MemorySink();
  const w = new PcapWriter(m.sink, { nanos: true, snaplen: 100 });
  w.addInterface('eth0');
  w.write(0, 2_000_000_007, BIG, 0, BIG.length);
  w.close();
  const b = m.bytes();
  t.equal(toHex(b, 0, 4), '4d3cb2a1');
  t.equal(toHex(b, 16, 4), '64000000', 'snaplen 100');
  t.equal(toHex(b, 24, 16), '02000000' + '07000000' + '64000000' + '2a040000', 'incl 100 < orig 1066');
  t.equal(b.length, 24 + 16 + 100);
  t.end();
});

t.test('writes at a non-zero offset copy only the frame', (t) => {
  const m = new MemorySink();
  const w = new PcapWriter(m.sink);
  w.addInterface('eth0');
  const padded = new Uint8Array(ICMP.length + 30).fill(0xee);
  padded.set(ICMP, 10);
  w.write(0, 0, padded, 10, ICMP.length);
  w.close();
  const [r] = [...readCapture(m.bytes())];
  t.same(r!.data, ICMP);
  t.end();
});

t.test('an empty capture still has a valid header', (t) => {
  const m = new MemorySink();
  new PcapWriter(m.sink, { linktype: 101 }).close();
  const b = m.bytes();
  t.equal(b.length, 24);
  t.equal(toHex(b, 20, 4), '65000000');
  t.same([...readCapture(b)], []);
  t.end();
});

t.test('pcap holds one link type: a different second interface throws MIXED_LINKTYPES', (t) => {
  const w = new PcapWriter(new MemorySink().sink);
  t.equal(w.addInterface('a'), 0);
  t.equal(w.addInterface('b', { linktype: 1 }), 1, 'same link type is fine; records are interleaved');
  t.throws(() => w.addInterface('tun0', { linktype: 101 }), { name: 'CaptureError', code: WireError.MIXED_LINKTYPES, message: /link type 101 .* use pcapng/ });
  t.throws(() => w.write(5, 0, UDP, 0, UDP.length), RangeError, 'unknown interface id');
  w.close();
  t.throws(() => w.write(0, 0, UDP, 0, UDP.length), /closed/);
  t.end();
});

for (const nanos of [false, true]) {
  const kind = nanos ? 'ns' : 'µs';
  t.test(`round trip ${kind} pcap through a file, with snap length 600`, (t) => {
    const path = tempDir(t)(`x-${nanos ? 'ns' : 'us'}.pcap`);
    writeSample(openCaptureWriter(path, { nanos, snaplen: 600 }));
    const recs = [...readCapture(path)];
    t.equal(recs.length, SAMPLE.length);
    SAMPLE.forEach((s, i) => {
      const r = recs[i]!;
      const frac = Math.floor((s.ts - 1700000000e9) % 1e9);
      const sec = 1700000000 + Math.floor((s.ts - 1700000000e9) / 1e9);
      t.equal(r.tsSec, sec, `#${i} seconds`);
      t.equal(r.tsFracNs, nanos ? frac : Math.floor(frac / 1000) * 1000, `#${i} fraction at ${kind} resolution`);
      const incl = Math.min(600, s.frame.length);
      t.same(r.data, s.frame.subarray(0, incl), `#${i} bytes`);
      t.equal(r.origLen, s.frame.length);
      t.equal(r.truncated, incl < s.frame.length);
      t.equal(r.linktype, 1);
      t.equal(r.direction, undefined, 'pcap drops direction');
      t.equal(r.comment, undefined, 'pcap drops comments');
    });
    if (nanos) t.equal(recs[0]!.tsNs, T0, 'ns timestamps round-trip to the same double');
    t.end();
  });

  t.test(`tshark reads our ${kind} pcap cleanly`, (t) => {
    if (!needPeer(t, 'tshark')) return;
    const path = tempDir(t)('x.pcap');
    writeSample(openCaptureWriter(path, { nanos, snaplen: 600 }));
    const rows = tsharkFields(path, ['frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'ip.checksum.status', 'udp.checksum.status']);
    const ours = [...readCapture(path)].map((r, i) => [String(i + 1), epochText(r.tsSec, r.tsFracNs), String(r.origLen), String(r.data.length)]);
    t.same(rows.map((r) => r.slice(0, 4)), ours);
    t.same(rows.map((r) => r[4]), ['1', '1', '', '1'], 'IPv4 checksums verified good (tshark: 0 bad, 1 good, 2 unverified)');
    t.same(rows.map((r) => r[5]), ['1', '', '', '2'], 'UDP checksum verified good; the truncated frame left unverified');
    t.same(tsharkExpertProblems(path), [], 'no errors, warnings, malformed packets or bad checksums');
    t.end();
  });
}

t.test('big-endian pcap (as written on a big-endian host) reads the same', (t) => {
  const m = new MemorySink();
  writeSample(new PcapWriter(m.sink, { nanos: true }));
  const le = m.bytes();
  const be = le.slice();
  const swap32 = (o: number) => be.set([le[o + 3]!, le[o + 2]!, le[o + 1]!, le[o]!], o);
  const swap16 = (o: number) => be.set([le[o + 1]!, le[o]!], o);
  swap32(0); swap16(4); swap16(6); swap32(8); swap32(12); swap32(16); swap32(20);
  for (let o = 24; o < le.length;) {
    const incl = le[o + 8]! | (le[o + 9]! << 8) | (le[o + 10]! << 16);
    for (let k = 0; k < 16; k += 4) swap32(o + k);
    o += 16 + incl;
  }
  t.equal(toHex(be, 0, 4), 'a1b23c4d');
  const a = [...readCapture(le)];
  const b = [...readCapture(be)];
  t.equal(b.length, 4);
  t.same(b, a.map((r) => ({ ...r })));
  t.end();
});

t.test('raw-IP link type is written and read back', (t) => {
  if (!needPeer(t, 'tshark')) return;
  const path = tempDir(t)('raw.pcap');
  const w = openCaptureWriter(path);
  w.addInterface('tun0', { linktype: 101 });
  w.write(0, 1e9, RAWIP, 0, RAWIP.length);
  w.close();
  const [r] = [...readCapture(path)];
  t.equal(r!.linktype, 101);
  t.same(r!.data, RAWIP);
  t.same(tsharkFields(path, ['ip.src', 'udp.dstport', 'udp.checksum.status']), [['192.168.1.1', '2000', '1']]);
  t.end();
});

t.test('openCaptureWriter chooses by extension and refuses unknown ones', (t) => {
  const p = tempDir(t);
  openCaptureWriter(p('a.pcap')).close();
  openCaptureWriter(p('a.pcapng')).close();
  openCaptureWriter(p('a.bin'), { format: 'pcapng' }).close();
  t.equal(toHex(readFileSync(p('a.pcap')), 0, 4), 'd4c3b2a1');
  t.equal(toHex(readFileSync(p('a.pcapng')), 0, 4), '0a0d0d0a');
  t.equal(toHex(readFileSync(p('a.bin')), 0, 4), '0a0d0d0a');
  t.throws(() => openCaptureWriter(p('a.txt')), /\.pcap or \.pcapng/);
  t.end();
});
