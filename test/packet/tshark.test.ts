// tshark 4.0 reads every capture we craft (pcap and pcapng) with checksum validation on and finds no
// malformed packet and no error-level expert info; its `-T fields` values equal our `inspect --json`
// field by field, and its packet list equals ours line by line.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeer, run } from '../helpers/peers.ts';
import { craftToFile } from '../../src/cli/commands/craft.ts';
import { inspectFrames, packetList } from '../../src/cli/commands/inspect.ts';
import { tsharkText } from '../../src/packet/fields.ts';
import { richSpec, requiredFields } from './rich-spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'ws-tshark-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

for (const ext of ['pcap', 'pcapng']) {
  t.test(`tshark agrees with a crafted .${ext}`, async (t) => {
    if (!needPeer(t, 'tshark')) return;
    const file = join(dir, `rich.${ext}`);
    const { frames } = craftToFile(richSpec, file);
    t.equal(frames, 22);

    // no malformed packets, no checksum (or other error-level) expert info; fragments reassembled
    const bad = run('tshark', ['-r', file, '-n', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
      '-Y', '_ws.malformed || _ws.expert.severity >= error']);
    t.equal(bad.status, 0, bad.stderr);
    t.equal(bad.stdout, '', 'tshark flags no frame');

    // field by field; we do not reassemble fragments, so neither may tshark
    const ours = [...inspectFrames(file)].map((f) => f.fields);
    const names = [...new Set(ours.flatMap((o) => Object.keys(o)))];
    for (const f of requiredFields) t.ok(names.includes(f), `the rich spec exercises ${f}`);
    const r = run('tshark', ['-r', file, '-n', '-o', 'ip.defragment:FALSE', '-T', 'fields', '-E', 'occurrence=a',
      ...names.flatMap((n) => ['-e', n])]);
    t.equal(r.status, 0, r.stderr);
    const rows = r.stdout.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
    t.equal(rows.length, ours.length);
    const mismatches: string[] = [];
    rows.forEach((row, i) => names.forEach((n, j) => {
      const o = tsharkText(ours[i]![n]);
      if (o !== row[j]) mismatches.push(`frame ${i + 1} ${n}: ours ${JSON.stringify(o)} tshark ${JSON.stringify(row[j])}`);
    }));
    t.same(mismatches, [], `${names.length} fields × ${rows.length} frames equal`);

    // the packet list, line for line
    const list = run('tshark', ['-r', file, '-n', '-o', 'ip.defragment:FALSE']);
    const lines: string[] = [];
    packetList(file, (l) => lines.push(l));
    t.same(lines, list.stdout.replace(/\n$/, '').split('\n'));
  });
}

t.test('tshark also passes snaplen-truncated records as truncated, not malformed', async (t) => {
  if (!needPeer(t, 'tshark')) return;
  const file = join(dir, 'trunc.pcapng');
  craftToFile([46, 60, 100].map((snaplen) => ({
    snaplen, layers: [{ ether: {} }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { sport: 30000, dport: 9 } }, { raw: { len: 100 } }],
  })), file);
  const r = run('tshark', ['-r', file, '-n']);
  const lines: string[] = [];
  packetList(file, (l) => lines.push(l));
  // tshark's heuristic dissectors claim the fuller records (port 9 + zeros → "ADwin Config"): compare the first
  t.equal(lines[0], r.stdout.split('\n')[0]);
  for (const l of lines) t.match(l, /Len=100\[Packet size limited during capture\]$/);
  t.match(lines[0], /UDP 142 30000 → 9 Len=100\[Packet size limited during capture\]$/);
  const bad = run('tshark', ['-r', file, '-n', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-Y', '_ws.malformed || _ws.expert.severity >= error']);
  t.equal(bad.stdout, '');
});

// Captures from `tcpdump -i any` (Linux cooked SLL/SLL2) and raw-IP links: ours decodes them as tshark
// does (packet list and fields line for line) and --verify passes them.
t.test('non-Ethernet link types (raw IPv4 101/228, SLL 113, SLL2 276) agree with tshark', async (t) => {
  if (!needPeer(t, 'tshark')) return;
  const { buildStack } = await import('../../src/packet/build.ts');
  const { openCaptureWriter } = await import('../../src/pcap/index.ts');
  const { verifyFrame } = await import('../../src/packet/verify.ts');
  const eth = [
    buildStack([{ ether: {} }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2' } }, { icmp: { id: 7, seq: 1 } }], 'l'),
    buildStack([{ ether: {} }, { ipv4: { src: '10.0.0.2', dst: '10.0.0.1' } }, { udp: { sport: 5000, dport: 53 } }, { dns: { qd: ['a.example'] } }], 'l'),
  ];
  const ip = eth.map((b) => b.subarray(14));
  const sll = (p: Uint8Array) => Uint8Array.of(0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00, ...p);
  const sll2 = (p: Uint8Array) => Uint8Array.of(0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...p);
  const cases: [number, Uint8Array[]][] = [[101, ip], [228, ip], [113, ip.map(sll)], [276, ip.map(sll2)]];
  for (const [lt, frames] of cases) {
    const file = join(dir, `lt${lt}.pcap`);
    const w = openCaptureWriter(file);
    const id = w.addInterface('any', { linktype: lt });
    frames.forEach((b, i) => w.write(id, i * 1000, b, 0, b.length));
    w.close();
    const lines: string[] = [];
    packetList(file, (l) => lines.push(l));
    t.same(lines, run('tshark', ['-r', file, '-n']).stdout.replace(/\n$/, '').split('\n'), `linktype ${lt} list`);
    const ours = [...inspectFrames(file)];
    for (const f of ours) t.same(verifyFrame(f.data, f.d), [], `linktype ${lt} frame ${f.number} verifies`);
    const names = ['ip.src', 'ip.dst', 'icmp.seq', 'udp.dstport', 'dns.qry.name', ...(lt >= 113 ? ['sll.pkttype', 'sll.hatype', 'sll.etype', 'sll.halen'] : [])];
    const r = run('tshark', ['-r', file, '-n', '-T', 'fields', '-E', 'occurrence=a', ...names.flatMap((n) => ['-e', n])]);
    const rows = r.stdout.replace(/\n$/, '').split('\n');
    t.same(ours.map((f) => names.map((n) => tsharkText(f.fields[n])).join('\t')), rows, `linktype ${lt} fields`);
  }
});

// VXLAN (UDP 4789): the inner frame is dissected; outer and inner values of a field are joined with
// ',' exactly as tshark prints them; scapy's default header (I|P flags, next protocol 3) included.
t.test('VXLAN frames from scapy: fields and packet list equal tshark, --verify passes', async (t) => {
  if (!needPeer(t, 'tshark', 'scapy')) return;
  const { python } = await import('../helpers/peers.ts');
  const { verifyFrame } = await import('../../src/packet/verify.ts');
  const file = join(dir, 'vxlan.pcap');
  python(`
from scapy.all import *
o = Ether(src='02:00:00:00:00:0a', dst='02:00:00:00:00:0b')/IP(src='10.0.0.1', dst='10.0.0.2')/UDP(sport=40000, dport=4789)
wrpcap(${JSON.stringify(file)}, [
  o/VXLAN(vni=42, flags=0x08)/Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='192.168.0.1', dst='192.168.0.2')/ICMP(id=3, seq=4),
  o/VXLAN(vni=7, flags=0x08)/Ether(src='02:00:00:00:00:01', dst='ff:ff:ff:ff:ff:ff')/ARP(psrc='192.168.0.1', pdst='192.168.0.2'),
  o/VXLAN(vni=9)/Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='192.168.0.1', dst='192.168.0.2')/UDP(sport=1, dport=53)/DNS(qd=DNSQR(qname='a.example')),
])`);
  const ours = [...inspectFrames(file)];
  for (const f of ours) t.same(verifyFrame(f.data, f.d), [], `frame ${f.number} verifies`);
  t.same(ours.map((f) => f.fields['vxlan.vni']), ['42', '7', '9']);
  const names = [...new Set(ours.flatMap((f) => Object.keys(f.fields)))].filter((n) => n !== 'frame.time_epoch');
  t.ok(names.includes('vxlan.flags') && names.includes('arp.src.proto_ipv4') && names.includes('dns.qry.name'));
  const r = run('tshark', ['-r', file, '-n', '-T', 'fields', '-E', 'occurrence=a', ...names.flatMap((n) => ['-e', n])]);
  t.equal(r.status, 0, r.stderr);
  const rows = r.stdout.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
  const mismatches: string[] = [];
  rows.forEach((row, i) => names.forEach((n, j) => {
    const o = tsharkText(ours[i]!.fields[n]);
    if (o !== row[j]) mismatches.push(`frame ${i + 1} ${n}: ours ${JSON.stringify(o)} tshark ${JSON.stringify(row[j])}`);
  }));
  t.same(mismatches, [], `${names.length} fields × ${rows.length} frames equal`);
  const lines: string[] = [];
  packetList(file, (l) => lines.push(l));
  t.same(lines, run('tshark', ['-r', file, '-n']).stdout.replace(/\n$/, '').split('\n'));
});
