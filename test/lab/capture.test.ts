import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeer, run } from '../helpers/peers.ts';
import { MemorySink } from '../../src/pcap/chunk-sink.ts';
import { routed, twoNamespaces } from './topologies.ts';

function scenario(sink: string | MemorySink) {
  const lab = routed({ mtu2: 600, seed: 42 });
  const cap = lab.capture(sink);
  const a = lab.netns('a');
  a.ping('10.0.2.2', { count: 2 });
  a.ping('10.0.2.2', { count: 1, ttl: 1 });
  a.ping('172.16.0.9', { count: 1 });
  a.ping('10.0.2.2', { count: 1, size: 1000 });
  a.udpBind(0).sendTo(new Uint8Array(1400), '10.0.2.2', 7);
  lab.runUntilIdle();
  cap.close();
  return lab;
}

t.test('two runs of the same scenario give byte-identical pcapng', async (t) => {
  const m1 = new MemorySink();
  const m2 = new MemorySink();
  scenario(m1);
  scenario(m2);
  const a = m1.bytes();
  const b = m2.bytes();
  t.ok(a.length > 1000);
  t.equal(Buffer.compare(Buffer.from(a), Buffer.from(b)), 0);
  const m3 = new MemorySink();
  const lab = routed({ mtu2: 600, seed: 43 });
  const c = lab.capture(m3);
  lab.netns('a').ping('10.0.2.2', { count: 2 });
  c.close();
  t.not(Buffer.compare(Buffer.from(m3.bytes().subarray(0, 200)), Buffer.from(a.subarray(0, 200))), 1, 'sanity');
});

t.test('tshark reads the capture cleanly: checksums valid, no malformed or expert errors', async (t) => {
  if (!needPeer(t, 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'wslab-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'lab.pcapng');
  scenario(f);
  const opts = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];
  const r = run('tshark', ['-r', f, ...opts, '-T', 'fields', '-e', 'frame.interface_name', '-e', '_ws.col.Protocol', '-e', '_ws.col.Info', '-e', 'frame.comment']);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.ok(lines.some((l) => l.startsWith('a/a-r\tICMP') && l.includes('Echo (ping) request')));
  t.ok(lines.some((l) => l.includes('Time-to-live exceeded')));
  t.ok(lines.some((l) => l.includes('Destination unreachable (Network unreachable)')));
  t.ok(lines.some((l) => l.includes('Fragmentation needed')));
  t.ok(lines.some((l) => l.includes('TTL expired in r')), 'pcapng comment on the dropped frame');
  t.ok(lines.some((l) => l.includes('no route to 172.16.0.9')));
  t.ok(lines.some((l) => l.startsWith('a/a-r\tECHO')), 'UDP datagram to port 7 captured');
  const expert = run('tshark', ['-r', f, ...opts, '-Y', '_ws.malformed || _ws.expert.severity >= "warning" || ip.checksum.status == "Bad" || icmp.checksum.status == "Bad" || udp.checksum.status == "Bad"']);
  t.equal(expert.stdout.trim(), '', 'no malformed packets or warnings');
  const ifs = run('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.interface_name']).stdout.trim().split('\n');
  t.ok(new Set(ifs).size >= 4, 'one IDB per namespace/interface');
});

t.test('pcap with one interface', async (t) => {
  if (!needPeer(t, 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'wslab-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'red.pcap');
  const lab = twoNamespaces();
  const c = lab.capture(f, { ifaces: ['red/veth-red'] });
  lab.netns('red').ping('192.168.12.2', { count: 2 });
  c.close();
  const r = run('tshark', ['-r', f, '-T', 'fields', '-e', '_ws.col.Protocol']);
  t.equal(r.status, 0, r.stderr);
  t.same(r.stdout.trim().split('\n').filter((x) => x === 'ICMP').length, 4);
  t.ok(readFileSync(f).length > 24);
});
