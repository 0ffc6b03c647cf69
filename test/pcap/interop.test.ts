// Files written by Wireshark's own tools (editcap, text2pcap, tshark -w, and concatenated sections) read by
// our reader, compared field by field with what tshark reads from the same file.
import t, { type Test } from 'tap';
import { writeFileSync, readFileSync } from 'node:fs';
import { openCaptureWriter, readCapture } from '../../src/pcap/index.ts';
import { needPeer, run } from '../helpers/peers.ts';
import { ARP, BIG, epochText, ICMP, tempDir, tsharkFields, UDP } from './frames.ts';

const T0 = 1700000000123456768;
const FIELDS = ['frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_name', 'frame.comment', 'frame.packet_flags_direction'];

function ours(path: string): string[][] {
  // tshark names an IDB without if_name "unknown"; a pcap file has no interface to name
  const noName = path.endsWith('.pcapng') ? 'unknown' : '';
  return [...readCapture(path)].map((r) => [
    epochText(r.tsSec, r.tsFracNs), String(r.origLen), String(r.data.length), r.ifName ?? noName, r.comment ?? '',
    r.direction === 'in' ? '0x00000001' : r.direction === 'out' ? '0x00000002' : '',
  ]);
}

function sh(t: Test, cmd: string, args: string[]) {
  const r = run(cmd, args);
  t.equal(r.status, 0, `${cmd} ${args.join(' ')} ${r.stderr}`);
}

/** An Ethernet-only pcapng of ours with two interfaces, comments, directions and a truncated frame. */
function sample(path: string, format?: 'pcap' | 'pcapng', nanos = false): void {
  const w = openCaptureWriter(path, { format, nanos });
  const a = w.addInterface('eth0');
  const b = w.addInterface('eth1', { snaplen: 200 });
  w.write(a, T0, UDP, 0, UDP.length, { direction: 'out', comment: 'one' });
  w.write(b, T0 + 1_234_567, ICMP, 0, ICMP.length, { direction: 'in' });
  w.write(b, T0 + 2_000_000_000, BIG, 0, BIG.length);
  w.write(a, T0 + 3_000_000_000, ARP, 0, ARP.length, { comment: 'two' });
  w.close();
}

t.test('editcap -F pcap (µs) and -F nsecpcap of our pcapng, read by us', (t) => {
  if (!needPeer(t, 'tshark')) return;
  const p = tempDir(t);
  sample(p('in.pcapng'));
  sh(t, 'editcap', ['-F', 'pcap', p('in.pcapng'), p('us.pcap')]);
  sh(t, 'editcap', ['-F', 'nsecpcap', p('in.pcapng'), p('ns.pcap')]);
  const orig = [...readCapture(p('in.pcapng'))];
  const us = [...readCapture(p('us.pcap'))];
  const ns = [...readCapture(p('ns.pcap'))];
  t.equal(us.length, 4);
  t.equal(ns.length, 4);
  orig.forEach((o, i) => {
    t.same(us[i]!.data, o.data, `#${i} bytes (µs)`);
    t.same(ns[i]!.data, o.data, `#${i} bytes (ns)`);
    t.equal(us[i]!.tsFracNs, Math.floor(o.tsFracNs / 1000) * 1000, `#${i} µs`);
    t.equal(ns[i]!.tsNs, o.tsNs, `#${i} ns`);
    t.equal(ns[i]!.truncated, o.truncated);
  });
  t.same(ours(p('us.pcap')), tsharkFields(p('us.pcap'), FIELDS));
  t.same(ours(p('ns.pcap')), tsharkFields(p('ns.pcap'), FIELDS));
  t.end();
});

t.test('editcap -F pcapng of our pcap files, and editcap -a comments', (t) => {
  if (!needPeer(t, 'tshark')) return;
  const p = tempDir(t);
  sample(p('ns.pcap'), 'pcap', true);
  sample(p('us.pcap'), 'pcap', false);
  sh(t, 'editcap', ['-F', 'pcapng', p('ns.pcap'), p('ns.pcapng')]);
  sh(t, 'editcap', ['-F', 'pcapng', '-a', '1:added by editcap', '-a', '3:another', p('us.pcap'), p('us.pcapng')]);
  const fromNs = [...readCapture(p('ns.pcapng'))];
  t.same(fromNs.map((r) => r.tsNs), [...readCapture(p('ns.pcap'))].map((r) => r.tsNs), 'ns resolution kept through editcap');
  const fromUs = [...readCapture(p('us.pcapng'))];
  t.same(fromUs.map((r) => r.comment), ['added by editcap', undefined, 'another', undefined]);
  t.same(fromUs.map((r) => r.tsFracNs), [...readCapture(p('us.pcap'))].map((r) => r.tsFracNs), 'µs IDB (if_tsresol 6 or absent)');
  t.same(ours(p('ns.pcapng')), tsharkFields(p('ns.pcapng'), FIELDS));
  t.same(ours(p('us.pcapng')), tsharkFields(p('us.pcapng'), FIELDS));
  t.end();
});

t.test('text2pcap with directions and an interface name', (t) => {
  if (!needPeer(t, 'tshark')) return;
  const p = tempDir(t);
  const dump = (dir: string, b: Uint8Array) => `${dir} 0000 ${Buffer.from(b).toString('hex').replace(/../g, '$& ')}\n`;
  writeFileSync(p('x.txt'), dump('I', UDP) + dump('O', ICMP) + dump('I', ARP));
  sh(t, 'text2pcap', ['-q', '-D', '-N', 'txif', p('x.txt'), p('x.pcapng')]);
  const recs = [...readCapture(p('x.pcapng'))];
  t.same(recs.map((r) => r.direction), ['in', 'out', 'in']);
  t.same(recs.map((r) => r.ifName), ['txif', 'txif', 'txif']);
  t.same(recs[1]!.data, ICMP);
  t.same(ours(p('x.pcapng')), tsharkFields(p('x.pcapng'), FIELDS));
  t.end();
});

t.test('tshark -w rewrite and concatenated sections (cat a.pcapng b.pcapng)', (t) => {
  if (!needPeer(t, 'tshark')) return;
  const p = tempDir(t);
  sample(p('a.pcapng'));
  sh(t, 'tshark', ['-r', p('a.pcapng'), '-F', 'pcapng', '-w', p('tw.pcapng')]);
  t.same(ours(p('tw.pcapng')), tsharkFields(p('tw.pcapng'), FIELDS));
  t.same(ours(p('tw.pcapng')), ours(p('a.pcapng')), 'tshark kept what we wrote');
  writeFileSync(p('two.pcapng'), Buffer.concat([readFileSync(p('a.pcapng')), readFileSync(p('tw.pcapng'))]));
  const recs = [...readCapture(p('two.pcapng'))];
  t.same(recs.map((r) => r.section), [0, 0, 0, 0, 1, 1, 1, 1]);
  t.same(ours(p('two.pcapng')), tsharkFields(p('two.pcapng'), FIELDS));
  t.end();
});
