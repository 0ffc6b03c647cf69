// PcapTap: frames in both directions recorded with direction and the clock's time, passed on unchanged,
// comments on the next record and on notes of dropped frames; tshark reads the result.
import t from 'tap';
import { PcapTap } from '../../src/link/pcap-tap.ts';
import type { Port, RxHandler } from '../../src/link/port.ts';
import { MemorySink, openCaptureWriter, PcapngWriter, readCapture } from '../../src/pcap/index.ts';
import { needPeer } from '../helpers/peers.ts';
import { ARP, ICMP, RAWIP, tempDir, tsharkFields, UDP } from '../pcap/frames.ts';

/** A port stub: records what is transmitted, and `deliver` plays a frame arriving from the wire. */
class StubPort implements Port {
  rx: RxHandler | null = null;
  sent: { buf: Uint8Array; off: number; len: number }[] = [];
  mtu = 1500;
  readonly headroom = 32;
  constructor(readonly name: string, readonly medium: 'ethernet' | 'ip' = 'ethernet') {}
  attach(rx: RxHandler): void {
    this.rx = rx;
  }
  transmit(buf: Uint8Array, off: number, len: number): void {
    this.sent.push({ buf, off, len });
  }
  deliver(buf: Uint8Array, off: number, len: number): void {
    this.rx?.(buf, off, len);
  }
}

t.test('records both directions and passes frames on unchanged', (t) => {
  const m = new MemorySink();
  const w = new PcapngWriter(m.sink);
  let now = 1_000;
  const inner = new StubPort('veth0');
  const tap = PcapTap.open(inner, w, () => now, 'ns1/veth0');
  t.equal(tap.name, 'veth0');
  t.equal(tap.medium, 'ethernet');
  t.equal(tap.headroom, 32);
  tap.mtu = 9000;
  t.equal(inner.mtu, 9000, 'mtu is the inner port\'s');

  const got: { buf: Uint8Array; off: number; len: number }[] = [];
  tap.attach((buf, off, len) => got.push({ buf, off, len }));

  const framed = new Uint8Array(100).fill(0xee);
  framed.set(UDP, 20);
  tap.transmit(framed, 20, UDP.length);
  now = 2_000;
  tap.commentNext('reply to ping');
  inner.deliver(ICMP, 0, ICMP.length);
  now = 3_000;
  tap.note(ARP, 0, ARP.length, 'out', 'ARP failed');
  now = 4_000;
  inner.deliver(UDP, 0, UDP.length);
  tap.enabled = false;
  tap.transmit(ARP, 0, ARP.length); // passed on, not recorded
  w.close();

  t.equal(inner.sent.length, 2, 'note() does not transmit; disabled tap still forwards');
  t.equal(inner.sent[0]!.buf, framed, 'same buffer');
  t.same([inner.sent[0]!.off, inner.sent[0]!.len], [20, UDP.length], 'same offset and length');
  t.equal(got.length, 2);
  t.equal(got[0]!.buf, ICMP, 'rx gets the borrowed frame itself');

  const recs = [...readCapture(m.bytes())];
  t.same(recs.map((r) => [r.tsNs, r.direction, r.comment ?? null, r.ifName, r.data.length]), [
    [1000, 'out', null, 'ns1/veth0', UDP.length],
    [2000, 'in', 'reply to ping', 'ns1/veth0', ICMP.length],
    [3000, 'out', 'ARP failed', 'ns1/veth0', ARP.length],
    [4000, 'in', null, 'ns1/veth0', UDP.length],
  ]);
  t.same(recs[0]!.data, UDP);
  t.end();
});

t.test('an IP-medium port is captured as LINKTYPE_RAW; two taps share one pcapng', (t) => {
  if (!needPeer(t, 'tshark')) return;
  const path = tempDir(t)('tap.pcapng');
  const w = openCaptureWriter(path);
  let now = 1_700_000_000_000_000_000;
  const a = PcapTap.open(new StubPort('eth0'), w, () => now, 'h1/eth0');
  const ipPort = new StubPort('tun0', 'ip');
  const b = PcapTap.open(ipPort, w, () => now, 'h2/tun0');
  a.transmit(UDP, 0, UDP.length);
  now += 1_000_000;
  ipPort.deliver(RAWIP, 0, RAWIP.length);
  now += 1_000_000;
  b.commentNext('TTL expired');
  b.transmit(RAWIP, 0, RAWIP.length);
  w.close();
  t.same([...readCapture(path)].map((r) => r.linktype), [1, 101, 101]);
  t.same(tsharkFields(path, ['frame.interface_name', 'frame.packet_flags_direction', 'frame.comment', 'ip.src', 'ip.checksum.status']), [
    ['h1/eth0', '0x00000002', '', '10.0.0.1', '1'],
    ['h2/tun0', '0x00000001', '', '192.168.1.1', '1'],
    ['h2/tun0', '0x00000002', 'TTL expired', '192.168.1.1', '1'],
  ]);
  t.end();
});

t.test('to a pcap file the tap records the frames and drops direction and comments', (t) => {
  const path = tempDir(t)('tap.pcap');
  const w = openCaptureWriter(path);
  const inner = new StubPort('eth0');
  const tap = new PcapTap(inner, w, w.addInterface('eth0'), () => 5);
  tap.commentNext('lost in pcap');
  tap.transmit(UDP, 0, UDP.length);
  inner.deliver(ICMP, 0, ICMP.length);
  w.close();
  const recs = [...readCapture(path)];
  t.same(recs.map((r) => [r.tsNs, r.data.length, r.direction, r.comment]), [[0, UDP.length, undefined, undefined], [0, ICMP.length, undefined, undefined]], 'µs pcap: 5 ns rounds down to 0');
  t.end();
});
