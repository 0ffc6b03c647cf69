import t from 'tap';
import { Lab } from '../../src/lab/lab.ts';
import { NetlinkError } from '../../src/lab/errors.ts';
import { twoNamespaces, bridged, routed } from './topologies.ts';

t.test('primer: two namespaces on a veth pair ping each other and learn ARP', async (t) => {
  const lab = twoNamespaces();
  const r = lab.netns('red').ping('192.168.12.2', { count: 3 });
  t.equal(r.lines[0], 'PING 192.168.12.2 (192.168.12.2) 56(84) bytes of data.');
  t.match(r.lines[1]!, /^64 bytes from 192\.168\.12\.2: icmp_seq=1 ttl=64 time=0\.\d{3} ms$/);
  t.equal(r.lines.at(-2), '3 packets transmitted, 3 received, 0% packet loss, time 2000ms');
  t.match(r.lines.at(-1)!, /^rtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms$/);
  t.match(lab.netns('red').ipNeigh()[0]!, /^192\.168\.12\.2 dev veth-red lladdr [0-9a-f:]{17} REACHABLE $/);
  t.match(lab.netns('blue').arpN()[1]!, /^192\.168\.12\.1 +ether /);
  t.same(lab.root.arpN(), [], 'the host learns nothing');
  t.same(lab.netns('red').ipRoute(), ['192.168.12.0/24 dev veth-red proto kernel scope link src 192.168.12.1 ']);
});

t.test('primer as written: addresses without prefix are /32, no connected route, ping fails like Linux', async (t) => {
  const lab = twoNamespaces('');
  t.same(lab.netns('red').ipRoute(), []);
  const r = lab.netns('red').ping('192.168.12.2', { count: 1 });
  t.same(r.lines, ['ping: connect: Network is unreachable']);
  t.equal(r.exit, 2);
  t.throws(() => lab.netns('red').routeGet('192.168.12.2'), { message: 'RTNETLINK answers: Network is unreachable' });
});

t.test('invalid operations throw the kernel message and change nothing', async (t) => {
  const lab = new Lab();
  lab.addNetns('red');
  lab.root.linkAddVeth('veth-red', 'veth-blue');
  const before = lab.root.ipLink().join('\n');
  t.throws(() => lab.root.linkSet('veth-vlue', { netns: 'red' }), { message: 'Cannot find device "veth-vlue"' });
  t.throws(() => lab.root.linkSet('veth-red', { netns: 'nosuch' }), { message: 'Error: argument "nosuch" is wrong: Invalid "netns" value' });
  t.throws(() => lab.root.linkAddVeth('veth-red', 'x'), { message: 'RTNETLINK answers: File exists' });
  t.throws(() => lab.root.linkSet('veth-red', { master: 'br9' }), { message: 'Error: argument "br9" is wrong: Device does not exist' });
  t.throws(() => lab.root.linkSet('veth-red', { mtu: 20 }), { message: 'Error: mtu less than device minimum.' });
  t.equal(lab.root.ipLink().join('\n'), before);
  lab.root.addrAdd('veth-red', '10.0.0.1/24');
  t.throws(() => lab.root.addrAdd('veth-red', '10.0.0.1/24'), { message: 'Error: ipv4: Address already assigned.' });
  t.throws(() => lab.root.addrDel('veth-red', '10.0.0.9/24'), { message: 'Error: ipv4: Address not found.' });
  lab.root.linkSet('veth-red', { up: true });
  t.throws(() => lab.root.routeAdd({ dst: '10.9.0.0/16', via: '10.1.1.1' }), { message: 'Error: Nexthop has invalid gateway.' });
  t.throws(() => lab.root.routeAdd({ dst: '10.0.0.0/24', dev: 'veth-red' }), { message: 'RTNETLINK answers: File exists' });
  t.throws(() => lab.root.routeDel({ dst: '10.5.0.0/24' }), { message: 'RTNETLINK answers: No such process' });
  t.throws(() => lab.root.linkDel('nosuch'), NetlinkError);
  lab.root.linkDel('veth-blue');
  t.equal(lab.root.dev('veth-red'), undefined, 'deleting one end deletes the pair');
});

t.test('three namespaces on a bridge reach each other and the bridge IP', async (t) => {
  const lab = bridged();
  t.equal(lab.netns('red').ping('192.168.12.2', { count: 2 }).received, 2);
  t.equal(lab.netns('green').ping('192.168.12.1', { count: 2 }).received, 2);
  t.equal(lab.netns('blue').ping('192.168.12.5', { count: 2 }).received, 2, 'bridge as a host interface');
  const fdb = lab.root.bridgeFdb();
  t.ok(fdb.some((l) => /dev veth-red-br master v-net-0 $/.test(l)), 'dynamic entry learned (iproute2 ends it with a space)');
  t.ok(fdb.some((l) => / permanent$/.test(l)));
  t.match(lab.root.bridgeLink()[0]!, /master v-net-0 state forwarding/);
  const br = lab.root.dev('v-net-0')!;
  t.equal(br.mac, Math.min(...br.bridge!.ports.filter((p) => p).map((p) => p!.mac)), 'bridge MAC = lowest port MAC');
});

t.test('router: forwards only with ip_forward=1', async (t) => {
  const off = routed({ forward: false });
  t.equal(off.netns('a').ping('10.0.2.2', { count: 2, timeoutS: 2 }).received, 0);
  t.ok(off.netns('r').dev('r-a')!.stats.dropsByReason()['not-forwarding']! > 0);
  const on = routed();
  const r = on.netns('a').ping('10.0.2.2', { count: 2 });
  t.equal(r.received, 2);
  t.match(r.lines[1]!, /ttl=63/, 'TTL decremented once');
});

t.test('TTL expiry gives ICMP time exceeded from the router', async (t) => {
  const lab = routed();
  const r = lab.netns('a').ping('10.0.2.2', { count: 1, ttl: 1 });
  t.equal(r.lines[1], 'From 10.0.1.1 icmp_seq=1 Time to live exceeded');
  t.equal(lab.netns('r').dev('r-a')!.stats.dropsByReason()['ttl-expired'], 1);
});

t.test('no route on the router gives net unreachable; none at the sender fails connect', async (t) => {
  const lab = routed();
  const r = lab.netns('a').ping('172.16.0.1', { count: 1 });
  t.equal(r.lines[1], 'From 10.0.1.1 icmp_seq=1 Destination Net Unreachable');
  lab.netns('a').routeDel({ dst: 'default' });
  t.same(lab.netns('a').ping('172.16.0.1', { count: 1 }).lines, ['ping: connect: Network is unreachable']);
});

t.test('ARP failure: Destination Host Unreachable after 3 probes, neighbour FAILED', async (t) => {
  const lab = twoNamespaces();
  lab.netns('red').linkSet('lo', { up: true });
  const r = lab.netns('red').ping('192.168.12.9', { count: 3 });
  t.same(r.lines.slice(1, 4), [1, 2, 3].map((s) => `From 192.168.12.1 icmp_seq=${s} Destination Host Unreachable`));
  t.equal(r.lines.at(-2), '3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2000ms');
  t.equal(r.lines.at(-1), 'pipe 3');
  t.ok(lab.netns('red').ipNeigh().includes('192.168.12.9 dev veth-red FAILED '));
  // through a router: the router answers host unreachable
  const rl = routed();
  const r2 = rl.netns('a').ping('10.0.2.99', { count: 1 });
  t.equal(r2.lines[1], 'From 10.0.1.1 icmp_seq=1 Destination Host Unreachable');
});

t.test('DF over a small MTU gives frag needed; without DF the router fragments and b reassembles', async (t) => {
  const lab = routed({ mtu2: 600 });
  const a = lab.netns('a');
  // ping sets DF when the datagram fits the first hop (1500): the router cannot forward it
  const r = a.ping('10.0.2.2', { count: 1, size: 1000 });
  t.equal(r.lines[1], 'From 10.0.1.1 icmp_seq=1 Frag needed and DF set (mtu = 600)');
  // UDP without DF (too big for a's own link: fragmented at the source) and through the router
  const b = lab.netns('b');
  const got: number[] = [];
  b.udpBind(9000).onMessage((m) => got.push(m.data.length));
  const s = a.udpBind(0);
  a.linkSet('a-r', { mtu: 1200 });
  lab.netns('r').linkSet('r-a', { mtu: 1200 });
  t.equal(s.sendTo(new Uint8Array(3000).fill(7), '10.0.2.2', 9000), '');
  lab.runUntilIdle();
  t.same(got, [3000], 'reassembled across two fragmenting hops');
});

t.test('UDP to a closed port: ICMP port unreachable reported to the socket', async (t) => {
  const lab = twoNamespaces();
  const s = lab.netns('red').udpBind(0);
  s.sendTo('hello', '192.168.12.2', 53);
  lab.runUntilIdle();
  t.same(s.errors, ['ECONNREFUSED']);
  t.ok(s.port >= 32768 && s.port <= 60999);
});

t.test('malformed frames are dropped and counted, never throw', async (t) => {
  const lab = twoNamespaces();
  const blue = lab.netns('blue').dev('veth-blue')!;
  const red = lab.netns('red').dev('veth-red')!;
  const port = red.port!;
  const bad = [
    new Uint8Array(5),
    Uint8Array.from([...macBytes(blue.mac), 1, 2, 3, 4, 5, 6, 0x08, 0x00, 0x45, 0, 0, 10]), // truncated IP
    Uint8Array.from([...macBytes(blue.mac), 1, 2, 3, 4, 5, 6, 0x08, 0x06, 0, 1]), // truncated ARP
    Uint8Array.from([...macBytes(blue.mac), 1, 2, 3, 4, 5, 6, 0x08, 0x00, ...new Array(20).fill(0x4f)]), // bad IHL
  ];
  for (const b of bad) port.transmit(b, 0, b.length);
  t.doesNotThrow(() => lab.runUntilIdle());
  t.equal(blue.stats.dropsByReason()['malformed'], 4);
  t.equal(lab.netns('red').ping('192.168.12.2', { count: 1 }).received, 1, 'still works');
});

t.test('link down: no traffic', async (t) => {
  const lab = twoNamespaces();
  lab.netns('blue').linkSet('veth-blue', { up: false });
  t.match(lab.netns('red').ipLink()[2]!, /NO-CARRIER.*state LOWERLAYERDOWN/);
  t.equal(lab.netns('red').ping('192.168.12.2', { count: 2, timeoutS: 1 }).received, 0);
});

function macBytes(m: number): number[] {
  const out: number[] = [];
  for (let i = 5; i >= 0; i--) out.push(Math.floor(m / 2 ** (8 * i)) & 0xff);
  return out;
}
