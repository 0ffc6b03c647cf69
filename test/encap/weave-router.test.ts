// The Weave-style router in a three-node lab (no real peers needed: the lab is the network; the
// tshark checks of the same scenario are in test/shell/weave-example.test.ts).
import t from 'tap';
import { Lab } from '../../src/lab/lab.ts';
import type { Netns } from '../../src/lab/netns.ts';
import { WeaveRouter, type WeaveMode } from '../../src/encap/weave-router.ts';
import { ipv4ToString, parseCidr, inPrefix } from '../../src/ip/address.ts';
import { macToString, readMac } from '../../src/ethernet/mac.ts';
import { MemorySink } from '../../src/pcap/chunk-sink.ts';
import { readCapture } from '../../src/pcap/capture.ts';
import { u16 } from '../../src/bytes.ts';
import { SleeveView } from '../../src/encap/weave-sleeve.ts';
import { fastdpVni } from '../../src/encap/weave-fastdp.ts';

interface Pod {
  ns: Netns;
  ip: string;
  node: number;
}

function build(mode: WeaveMode, seed = 1) {
  const lab = new Lab({ seed });
  const root = lab.root;
  root.linkAddBridge('underlay');
  root.linkSet('underlay', { up: true });
  const nodes = [1, 2, 3].map((i) => {
    const ns = lab.addNetns(`node${i}`);
    root.linkAddVeth(`veth-node${i}`, 'eth0');
    root.linkSet('eth0', { netns: `node${i}` });
    root.linkSet(`veth-node${i}`, { master: 'underlay', up: true });
    ns.addrAdd('eth0', `192.168.0.${i}/24`);
    ns.linkSet('eth0', { up: true });
    return ns;
  });
  const routers = nodes.map((ns, i) =>
    WeaveRouter.launch(ns, { mode, peers: [1, 2, 3].filter((j) => j !== i + 1).map((j) => `192.168.0.${j}`) }),
  );
  lab.runFor(100);
  const pods: Pod[] = [];
  nodes.forEach((node, i) => {
    for (const s of ['a', 'b']) {
      const name = `pod${i + 1}${s}`;
      const p = lab.addNetns(name);
      node.linkAddVeth(`vethwepl-${name}`, 'ethwe');
      node.linkSet('ethwe', { netns: name });
      node.linkSet(`vethwepl-${name}`, { master: 'weave', up: true });
      const a = routers[i]!.allocate(name)!;
      p.addrAdd('ethwe', `${ipv4ToString(a)}/12`);
      p.linkSet('ethwe', { up: true });
      pods.push({ ns: p, ip: ipv4ToString(a), node: i });
    }
  });
  return { lab, nodes, routers, pods };
}

function pingAll(pods: Pod[]): { ok: number; failed: string[] } {
  let ok = 0;
  const failed: string[] = [];
  for (const a of pods)
    for (const b of pods) {
      if (a === b) continue;
      const r = a.ns.ping(b.ip, { count: 1, timeoutS: 1 });
      if (r.received === 1) ok++;
      else failed.push(`${a.ns.name} -> ${b.ip}`);
    }
  return { ok, failed };
}

for (const mode of ['sleeve', 'fastdp'] as const) {
  t.test(`${mode}: gossip converges, all 6 pods reach each other, path MTU`, async (t) => {
    const { routers, pods } = build(mode);
    for (const r of routers) {
      t.equal(r.topology.peers.size, 3, `${r.ns.name} knows 3 peers`);
      t.equal(r.connectedPeers().length, 2, `${r.ns.name} connected to both others`);
      for (const p of r.topology.peers.values()) t.equal(p.conns.length, 2, `${r.ns.name} sees ${p.nickname} with 2 connections`);
    }
    t.equal(new Set(routers.map((r) => r.shortId)).size, 3, 'distinct short IDs');

    // IPAM: 10.32.0.0/12 split among the three peers, each pod from its own node's share
    const range = parseCidr('10.32.0.0/12');
    const ipam = routers[0]!.ipam();
    t.same(ipam.peerNames().length, 3);
    t.equal(new Set(pods.map((p) => p.ip)).size, 6, 'no address handed out twice');
    for (const p of pods) {
      const a = parseCidr(p.ip).addr;
      t.ok(inPrefix(a, range.addr, range.len), `${p.ip} in 10.32.0.0/12`);
      t.equal(ipam.ownerOf(a), macToString(routers[p.node]!.peerName), `${p.ip} from node${p.node + 1}'s share`);
    }
    t.equal(ipam.check(), null);

    const r = pingAll(pods);
    t.equal(r.ok, 30, 'all 30 pod pairs answered');
    t.same(r.failed, []);

    // every router knows every pod MAC: learned from frames and gossiped with the topology
    const podMacs = pods.map((p) => p.ns.dev('ethwe')!.mac).sort((a, b) => a - b);
    for (const rt of routers) {
      const gossiped = [...rt.topology.peers.values()].flatMap((p) => p.macs).sort((a, b) => a - b);
      t.same(gossiped, podMacs, `${rt.ns.name}: gossip lists all 6 pod MACs`);
      t.same(rt.macs.entries().map(([m]) => m), podMacs, `${rt.ns.name}: MAC table holds all 6 pod MACs`);
      for (const [mac, owner] of rt.macs.entries()) {
        const pod = pods.find((p) => p.ns.dev('ethwe')!.mac === mac)!;
        t.equal(owner, routers[pod.node]!.peerName, `${macToString(mac)} owned by node${pod.node + 1}`);
      }
    }

    // DF and over the overlay MTU: ICMP fragmentation needed from the router, with that MTU
    const mtu = mode === 'sleeve' ? 1438 : 1450;
    t.equal(routers[0]!.overlayMtu, mtu);
    const big = pods[0]!.ns.ping(pods[4]!.ip, { count: 1, size: 1472, timeoutS: 1 });
    t.equal(big.received, 0);
    t.match(big.lines.join('\n'), `From ${pods[4]!.ip} icmp_seq=1 Frag needed and DF set (mtu = ${mtu})`);
    t.equal(routers[0]!.stats.fragNeeded, 1);
    // just fits: 1438 − 28 bytes of ICMP data
    const fits = pods[0]!.ns.ping(pods[4]!.ip, { count: 1, size: mtu - 28, timeoutS: 1 });
    t.equal(fits.received, 1, 'a datagram of exactly the overlay MTU passes');
    t.equal(routers[0]!.stats.fragNeeded, 1);
    // no DF (the pod fragments 3028 bytes to 1500 first): the router fragments again and it arrives
    const nodf = pods[0]!.ns.ping(pods[4]!.ip, { count: 1, size: 3000, timeoutS: 1 });
    t.equal(nodf.received, 1);
    t.ok(routers[0]!.stats.fragmented >= 2, 'router fragmented the 1500-byte pieces');
    t.equal(routers[2]!.stats.dropMalformed + routers[0]!.stats.dropMalformed, 0);
  });

  t.test(`${mode}: one ARP broadcast crosses the underlay once per peer, no loops`, async (t) => {
    const { lab, routers, pods } = build(mode);
    t.equal(pingAll(pods).ok, 30);
    const pod1a = pods[0]!;
    const srcMac = pod1a.ns.dev('ethwe')!.mac;
    pod1a.ns.neighFlush();
    const sink = new MemorySink();
    const cap = lab.capture(sink, { ifaces: ['root/veth-node1', 'root/veth-node2', 'root/veth-node3'] });
    const before = routers.map((r) => r.stats.received);
    t.equal(pod1a.ns.ping(pods[2]!.ip, { count: 1, timeoutS: 1 }).received, 1);
    lab.runFor(1000);
    cap.close();
    const count: Record<string, number> = {};
    const vnis: number[] = [];
    for (const rec of readCapture(sink.bytes())) {
      const d = rec.data;
      if (u16(d, 12) !== 0x0800 || d[23] !== 17) continue;
      const dport = u16(d, 36);
      const isArpReq = (o: number) => u16(d, o + 12) === 0x0806 && u16(d, o + 20) === 1 && readMac(d, o + 22) === srcMac;
      let n = 0;
      if (dport === 6783) {
        const v = new SleeveView().wrap(d, 42, d.length - 42);
        for (let ok = v.first(); ok; ok = v.next()) if (v.frameLen >= 42 && isArpReq(v.frameOff)) n++;
      } else if (dport === 6784 && isArpReq(50)) {
        n++;
        if (rec.ifName === 'root/veth-node1') vnis.push((d[46]! << 16) | (d[47]! << 8) | d[48]!);
      }
      if (n) count[rec.ifName!] = (count[rec.ifName!] ?? 0) + n;
    }
    t.same(count, { 'root/veth-node1': 2, 'root/veth-node2': 1, 'root/veth-node3': 1 }, 'sent to each peer once, never re-forwarded');
    if (mode === 'fastdp') t.same(vnis.sort(), [fastdpVni(routers[0]!.shortId, routers[1]!.shortId), fastdpVni(routers[0]!.shortId, routers[2]!.shortId)].sort());
    t.ok(routers[1]!.stats.received > before[1]! && routers[2]!.stats.received > before[2]!, 'both peers delivered it');
    t.equal(routers[1]!.stats.dropNotForUs + routers[2]!.stats.dropNotForUs, 0);
  });

  t.test(`${mode}: two runs give byte-identical pcapng`, async (t) => {
    const run = () => {
      const sink = new MemorySink();
      const { lab, pods } = build(mode, 7);
      const cap = lab.capture(sink);
      pingAll(pods.slice(0, 3));
      cap.close();
      return sink.bytes();
    };
    const a = run();
    const b = run();
    t.ok(a.length > 10_000);
    t.ok(Buffer.from(a).equals(Buffer.from(b)), 'identical bytes');
  });
}

t.test('sleeve batches frames captured in the same tick into one datagram per peer', async (t) => {
  const { lab, routers, pods } = build('sleeve');
  t.equal(pingAll(pods).ok, 30);
  const r0 = routers[0]!;
  const frames = r0.stats.sentFrames;
  const dgrams = r0.stats.sentDatagrams;
  // both node1 pods ping node2's pods at the same instant: four requests leave node1 in one tick
  const s1 = pods[0]!.ns.udpBind(0);
  const s2 = pods[1]!.ns.udpBind(0);
  s1.sendTo('a', pods[2]!.ip, 9);
  s1.sendTo('b', pods[3]!.ip, 9);
  s2.sendTo('c', pods[2]!.ip, 9);
  s2.sendTo('d', pods[3]!.ip, 9);
  lab.runFor(1);
  t.equal(r0.stats.sentFrames - frames, 4, 'four frames sent');
  t.ok(r0.stats.sentDatagrams - dgrams < 4, `in ${r0.stats.sentDatagrams - dgrams} datagram(s)`);
});

t.test('launch errors: second router in a namespace, bad peer address', async (t) => {
  const lab = new Lab();
  const ns = lab.addNetns('n');
  WeaveRouter.launch(ns, {});
  t.throws(() => WeaveRouter.launch(ns, {}), /already running/);
  const ns2 = lab.addNetns('m');
  t.throws(() => WeaveRouter.launch(ns2, { peers: ['1.2.3'] }), /invalid peer address/);
  t.equal(lab.scheduler.mode, 'virtual', 'an in-lab router keeps the virtual clock');
});
