// The lab vxlan device (src/lab/vxlan-device.ts): two namespaces joined by an underlay veth, a vxlan0
// in each, pinging overlay addresses — with a static remote, with a flood list (bridge fdb append),
// with vxlan0 as a bridge port behind which a pod namespace sits, and from a `wirestack run` script.
// tshark decodes the underlay capture natively (outer IPv4/UDP, VXLAN, inner Ethernet/IPv4/ICMP).
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../src/lab/lab.ts';
import type { Netns } from '../../src/lab/netns.ts';
import { runScript } from '../../src/cli/commands/run.ts';
import { needPeer, run } from '../helpers/peers.ts';

/** a(eth0 192.168.1.1) —veth— b(eth0 192.168.1.2); vxlan0 10.42.0.1 / 10.42.0.2 on VNI 42. */
function pair(o: { flood?: boolean; learning?: boolean; seed?: number } = {}): { lab: Lab; a: Netns; b: Netns } {
  const lab = new Lab({ seed: o.seed ?? 3 });
  const a = lab.addNetns('a');
  const b = lab.addNetns('b');
  a.linkAddVeth('eth0', 'peer0');
  a.linkSet('peer0', { netns: 'b' });
  b.linkSet('peer0', { name: 'eth0' });
  a.addrAdd('eth0', '192.168.1.1/24');
  b.addrAdd('eth0', '192.168.1.2/24');
  a.linkSet('eth0', { up: true });
  b.linkSet('eth0', { up: true });
  if (o.flood) {
    a.linkAddVxlan('vxlan0', { id: 42, dev: 'eth0', learning: o.learning });
    b.linkAddVxlan('vxlan0', { id: 42, dev: 'eth0', learning: o.learning });
    a.dev('vxlan0')!.vxlan!.fdbAppend(0, { ip: 0xc0a80102 });
    b.dev('vxlan0')!.vxlan!.fdbAppend(0, { ip: 0xc0a80101 });
  } else {
    a.linkAddVxlan('vxlan0', { id: 42, remote: '192.168.1.2', dev: 'eth0', learning: o.learning });
    b.linkAddVxlan('vxlan0', { id: 42, remote: '192.168.1.1', dev: 'eth0', learning: o.learning });
  }
  a.addrAdd('vxlan0', '10.42.0.1/24');
  b.addrAdd('vxlan0', '10.42.0.2/24');
  a.linkSet('vxlan0', { up: true });
  b.linkSet('vxlan0', { up: true });
  return { lab, a, b };
}

t.test('static remote: overlay ping, MTU 1450, learning of the remote VTEP', async (t) => {
  const { a, b } = pair();
  t.equal(a.dev('vxlan0')!.mtu, 1450, 'underlay 1500 − 50');
  const r = a.ping('10.42.0.2', { count: 3 });
  t.match(r.lines.join('\n'), /3 packets transmitted, 3 received, 0% packet loss/);
  t.match(a.ipLink('vxlan0')[0]!, /^\d+: vxlan0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000$/);
  t.match(a.ipLink('vxlan0', true)[2]!, /^ {4}vxlan id 42 remote 192\.168\.1\.2 dev eth0 srcport 0 0 dstport 4789 ttl auto ageing 300 /);
  const bMac = b.dev('vxlan0')!.mac;
  const fdb = a.bridgeFdb();
  t.ok(fdb.includes('00:00:00:00:00:00 dev vxlan0 dst 192.168.1.2 via eth0 self permanent'), 'default entry');
  t.ok(fdb.some((l) => l.startsWith(`${macStr(bMac)} dev vxlan0 dst 192.168.1.2 self`)), 'learned b');
  t.same(a.dev('vxlan0')!.vxlan!.counters.txNoFdb, 0);
  // the underlay carried UDP to 4789 only: no ICMP port unreachable, no drops on eth0
  t.same(b.dev('eth0')!.stats.dropsByReason(), {});
});

t.test('flood list (bridge fdb append), nolearning: no dynamic entries', async (t) => {
  const { a } = pair({ flood: true, learning: false });
  t.match(a.ping('10.42.0.2', { count: 2 }).lines.join('\n'), /2 received/);
  t.same(a.bridgeFdb(), ['00:00:00:00:00:00 dev vxlan0 dst 192.168.1.2 self permanent']);
  t.match(a.ipLink('vxlan0', true)[2]!, / dstport 4789 nolearning ttl auto /);
});

t.test('flood list with learning: replies go unicast to the learned VTEP', async (t) => {
  const { a, b } = pair({ flood: true });
  // a second flood destination that does not exist: frames for unknown MACs go to both
  a.dev('vxlan0')!.vxlan!.fdbAppend(0, { ip: 0xc0a80109 });
  t.match(a.ping('10.42.0.2', { count: 2 }).lines.join('\n'), /2 received/);
  t.ok(b.bridgeFdb().some((l) => / dev vxlan0 dst 192\.168\.1\.1 self $/.test(l)), 'b learned a');
});

t.test('no destination: dropped and counted; VNI mismatch: dropped at the receiver', async (t) => {
  const lab = new Lab({ seed: 5 });
  const a = lab.addNetns('a');
  const b = lab.addNetns('b');
  a.linkAddVeth('eth0', 'peer0');
  a.linkSet('peer0', { netns: 'b' });
  a.addrAdd('eth0', '192.168.1.1/24');
  b.addrAdd('peer0', '192.168.1.2/24');
  a.linkSet('eth0', { up: true });
  b.linkSet('peer0', { up: true });
  a.linkAddVxlan('vx', { id: 1 });
  a.addrAdd('vx', '10.1.0.1/24');
  a.linkSet('vx', { up: true });
  a.ping('10.1.0.2', { count: 1 });
  t.ok(a.dev('vx')!.vxlan!.counters.txNoFdb > 0, 'no remote, no flood list');
  a.dev('vx')!.vxlan!.fdbAppend(0, { ip: 0xc0a80102 });
  b.linkAddVxlan('vx', { id: 2 });
  b.addrAdd('vx', '10.1.0.2/24');
  b.linkSet('vx', { up: true });
  a.ping('10.1.0.2', { count: 1 });
  t.ok(b.dev('peer0')!.stats.dropsByReason()['no-socket']! > 0, 'VNI 1 has no device on b');
  t.throws(() => b.linkAddVxlan('vx2', { id: 2 }), /A VXLAN device with the specified VNI already exists/);
  t.throws(() => b.udpBind(4789), /Address already in use/, 'the vxlan socket holds 4789');
  b.linkSet('vx', { up: false });
  t.doesNotThrow(() => b.udpBind(4789).close(), 'released when down');
});

t.test('vxlan0 as a bridge port: a pod behind br0 on each side', async (t) => {
  const { lab, a, b } = pair({ flood: true });
  for (const [ns, ip] of [[a, '10.42.0.11'], [b, '10.42.0.12']] as const) {
    ns.addrDel('vxlan0', '10.42.0.' + (ns === a ? '1' : '2') + '/24');
    ns.linkAddBridge('br0');
    ns.linkSet('vxlan0', { master: 'br0' });
    ns.linkSet('br0', { up: true });
    const pod = lab.addNetns(`pod-${ns.name}`);
    ns.linkAddVeth('vpod', 'vbr');
    ns.linkSet('vpod', { netns: pod.name });
    ns.linkSet('vbr', { master: 'br0', up: true });
    pod.addrAdd('vpod', `${ip}/24`);
    pod.linkSet('vpod', { up: true, mtu: 1450 });
  }
  const r = lab.netns('pod-a').ping('10.42.0.12', { count: 2 });
  t.match(r.lines.join('\n'), /2 received/);
  t.ok(a.bridgeFdb().some((l) => / dev vxlan0 master br0 $/.test(l)), 'br0 learned the remote pod MAC on vxlan0');
});

t.test('tshark decodes the underlay capture: outer IPv4/UDP(csum 0)/VXLAN 42/inner ICMP', async (t) => {
  if (!needPeer(t, 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'vxlan-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { lab, a } = pair();
  const f = join(dir, 'u.pcap');
  lab.capture(f, { ifaces: ['a/eth0'] });
  a.ping('10.42.0.2', { count: 2 });
  lab.closeCaptures();
  const out = run('tshark', ['-r', f, '-Y', 'vxlan', '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.checksum', '-e', 'vxlan.vni', '-e', 'icmp.type', '-E', 'separator=|']);
  t.equal(out.status, 0, out.stderr);
  const rows = out.stdout.trim().split('\n');
  t.ok(rows.length >= 4, `${rows.length} vxlan frames (requests + replies, ARP included)`);
  const icmp = rows.filter((r) => /\|[08]$/.test(r));
  t.equal(icmp.length, 4, 'two requests, two replies');
  for (const r of icmp) {
    const [src, dst, sport, dport, csum, vni] = r.split('|');
    t.match(`${src}|${dst}`, /^192\.168\.1\.1,10\.42\.0\.1\|192\.168\.1\.2,10\.42\.0\.2$|^192\.168\.1\.2,10\.42\.0\.2\|192\.168\.1\.1,10\.42\.0\.1$/);
    t.ok(Number(sport!.split(',')[0]) >= 49152, 'source port from the flow hash range');
    t.equal(dport, '4789');
    t.equal(csum, '0x0000', 'outer UDP checksum zero');
    t.equal(vni, '42');
  }
  // clean: no malformed packets, no expert warnings/errors
  const exp = run('tshark', ['-r', f, '-Y', '_ws.malformed || _ws.expert.severity >= 6291456']);
  t.equal(exp.stdout.trim(), '', 'no malformed or warning-level expert info');
});

t.test('wirestack run: the iproute2 way, ping across, tshark reads the pcapng', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vxlan-run-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = `ip netns add a
ip netns add b
ip -n a link add eth0 type veth peer name eth1
ip -n a link set eth1 netns b
ip -n a addr add 192.168.7.1/24 dev eth0
ip -n b addr add 192.168.7.2/24 dev eth1
ip -n a link set eth0 up
ip -n b link set eth1 up
ip -n a link add vxlan0 type vxlan id 7 dstport 8472 dev eth0
ip -n b link add vxlan0 type vxlan id 7 dstport 8472 dev eth1
bridge -n a fdb append 00:00:00:00:00:00 dst 192.168.7.2 dev vxlan0
bridge -n b fdb append 00:00:00:00:00:00 dst 192.168.7.1 dev vxlan0
ip -n a addr add 10.7.0.1/24 dev vxlan0
ip -n b addr add 10.7.0.2/24 dev vxlan0
ip -n a link set vxlan0 up
ip -n b link set vxlan0 up
ip netns exec a ping -c 2 10.7.0.2
bridge -n a fdb show dev vxlan0`;
  const pcap = join(dir, 'all.pcapng');
  const { records, exit } = await runScript(script, { pcapng: pcap });
  t.equal(exit, 0, records.filter((r) => r.exit !== 0).map((r) => `${r.command}: ${r.stderr}`).join('\n'));
  const ping = records.find((r) => r.command.includes('ping'))!;
  t.match(ping.stdout, /2 packets transmitted, 2 received/);
  const show = records.at(-1)!.stdout.trim().split('\n');
  t.ok(show.includes('00:00:00:00:00:00 dst 192.168.7.2 self permanent'));
  t.ok(show.some((l) => /^[0-9a-f:]{17} dst 192\.168\.7\.2 self$/.test(l.trimEnd())), `learned entry: ${show.join(' / ')}`);
  if (!needPeer(t, 'tshark')) return;
  // 8472 is not VXLAN's registered port: tell tshark, as one would
  const out = run('tshark', ['-r', pcap, '-d', 'udp.port==8472,vxlan', '-Y', 'vxlan && icmp', '-T', 'fields', '-e', 'frame.interface_name', '-e', 'vxlan.vni', '-e', 'icmp.type']);
  t.equal(out.status, 0, out.stderr);
  const rows = out.stdout.trim().split('\n');
  t.ok(rows.length >= 4 && rows.every((r) => /^[ab]\/eth[01]\t7\t[08]$/.test(r)), rows.join('\n'));
});

function macStr(m: number): string {
  return m.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
}
