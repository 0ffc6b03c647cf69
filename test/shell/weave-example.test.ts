// examples/weave/three-nodes{,-fastdp}.sh under `wirestack run`: per-command results, and the
// underlay capture read by tshark — fastdp natively as VXLAN on 6784, sleeve through our Lua
// dissector — plus byte-identical captures from two runs.
import t from 'tap';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '../../src/cli/commands/run.ts';
import type { CommandRecord } from '../../src/shell/runner.ts';
import { needPeer, run } from '../helpers/peers.ts';
import { fastdpSrcShortId, fastdpDstShortId } from '../../src/encap/weave-fastdp.ts';

const ex = (f: string) => readFileSync(new URL(`../../examples/weave/${f}`, import.meta.url), 'utf8');
const lua = new URL('../../contrib/wireshark/weave-sleeve.lua', import.meta.url).pathname;
const pingsOf = (recs: CommandRecord[]) => recs.filter((r) => / ping -c 1 10\./.test(r.command) && !/-s /.test(r.command));

function tshark(args: string[]): string[] {
  const r = run('tshark', args);
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')}: ${r.stderr}`);
  return String(r.stdout).split('\n').filter((l) => l.length > 0);
}

for (const [file, mode, mtu] of [['three-nodes.sh', 'sleeve', 1438], ['three-nodes-fastdp.sh', 'fastdp', 1450]] as const) {
  t.test(`${file}: every pod reaches every other pod; captures decode in tshark`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weave-ex-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const pcap = join(dir, 'run.pcapng');
    const { records, exit } = await runScript(ex(file), { pcapng: pcap });

    // the only failing command is the DF probe, answered with fragmentation needed at the overlay MTU
    const failed = records.filter((r) => r.exit !== 0);
    t.equal(failed.length, 1);
    t.match(failed[0]!.command, /-s 1472/);
    t.match(failed[0]!.stdout, `Frag needed and DF set (mtu = ${mtu})`);
    t.equal(exit, 0, 'the DF probe is `|| true`, so the script succeeds');
    const nodf = records.find((r) => /-s 3000/.test(r.command))!;
    t.match(nodf.stdout, /1 packets transmitted, 1 received, 0% packet loss/);

    const launches = records.filter((r) => /weave launch/.test(r.command));
    const names = launches.map((r) => r.stdout.trim());
    t.equal(names.length, 3);
    for (const n of names) t.match(n, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const attach = records.filter((r) => /weave attach/.test(r.command)).map((r) => r.stdout.trim());
    t.same(attach, ['10.32.0.1', '10.32.0.2', '10.37.85.85', '10.37.85.86', '10.42.170.170', '10.42.170.171'], 'IPAM: one third of 10.32.0.0/12 per peer');

    const pings = pingsOf(records);
    t.equal(pings.length, 30, '30 pod pairs');
    for (const p of pings) t.match(p.stdout, /1 packets transmitted, 1 received, 0% packet loss/, p.command);

    const peers = records.find((r) => /weave status peers/.test(r.command))!.stdout;
    for (const n of names) t.match(peers, new RegExp(`${n}\\(node\\d\\)\\n {3}-> `), `status peers lists ${n}`);
    t.equal((peers.match(/established/g) ?? []).length, 6, 'three peers with two connections each');
    t.match(records.find((r) => /weave status$/.test(r.command))!.stdout, /Peers: 3 \(with 6 established connections\)/);
    t.equal(records.find((r) => /weave status macs/.test(r.command))!.stdout.trim().split('\n').length, 6, 'six pod MACs known');

    if (!needPeer(t, 'tshark')) return;
    // requests leaving node1 (the outer source; the interface records both directions)
    const node1 = 'frame.interface_name == "node1/eth0" && ip.src == 192.168.0.1';
    if (mode === 'fastdp') {
      // native VXLAN decode: outer UDP 6784, VNI, inner Ethernet/IP/ICMP
      const rows = tshark(['-r', pcap, '-d', 'udp.port==6784,vxlan', '-Y', `${node1} && vxlan && icmp.type == 8`, '-T', 'fields', '-e', 'udp.dstport', '-e', 'vxlan.vni', '-e', 'ip.src', '-e', 'ip.dst']);
      t.equal(rows.length, 8, 'echo requests from node1\'s two pods to the four remote pods, inside VXLAN');
      for (const row of rows) {
        const [port, vni, src, dst] = row.split('\t');
        t.equal(port, '6784');
        t.equal(src!.split(',')[0], '192.168.0.1', 'outer source is node1');
        const inner = dst!.split(',')[1]!;
        t.ok(['10.37.85.85', '10.37.85.86', '10.42.170.170', '10.42.170.171'].includes(inner), `inner destination ${inner} is a remote pod`);
        t.not(fastdpSrcShortId(Number(vni)), fastdpDstShortId(Number(vni)), 'VNI carries two different short IDs');
      }
      const bad = tshark(['-r', pcap, '-d', 'udp.port==6784,vxlan', '-Y', '_ws.malformed || _ws.expert.severity == error']);
      t.same(bad, [], 'no malformed packets');
    } else {
      // the Lua dissector: sender / capturing / destination peer names, inner ICMP
      const rows = tshark(['-X', `lua_script:${lua}`, '-r', pcap, '-Y', `${node1} && weavesleeve.destination != 00:00:00:00:00:00 && icmp.type == 8`, '-T', 'fields', '-e', 'weavesleeve.sender', '-e', 'weavesleeve.capturer', '-e', 'weavesleeve.destination', '-e', 'ip.dst']);
      t.equal(rows.length, 8, 'sleeve datagrams with echo requests from node1\'s two pods to the four remote pods');
      for (const row of rows) {
        const [sender, capturer, dest, dst] = row.split('\t');
        t.equal(sender, names[0], 'sender is node1');
        t.equal(capturer!.split(',')[0], names[0], 'captured by node1');
        t.ok(names.slice(1).includes(dest!.split(',')[0]!), 'destined to node2 or node3');
        t.ok(dst!.split(',').some((a) => a.startsWith('10.3') || a.startsWith('10.4')), 'inner ICMP between pods');
      }
      // the tree: sleeve header with the peer names, then the inner Ethernet/IP/ICMP
      const tree = tshark(['-X', `lua_script:${lua}`, '-r', pcap, '-V', '-Y', `${node1} && weavesleeve && icmp.type == 8`]).join('\n');
      t.match(tree, `Sender peer: ${names[0]}`);
      t.match(tree, `Capturing peer: ${names[0]}`);
      t.match(tree, /Internet Control Message Protocol\n\s+Type: 8 \(Echo \(ping\) request\)/);
      const bad = tshark(['-X', `lua_script:${lua}`, '-r', pcap, '-Y', 'weavesleeve.truncated || weavesleeve.garbage || _ws.malformed']);
      t.same(bad, [], 'no truncated, garbage or malformed sleeve payloads');
    }
  });

  t.test(`${file}: two runs write identical pcapng`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weave-det-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    await runScript(ex(file), { pcapng: join(dir, 'a.pcapng') });
    await runScript(ex(file), { pcapng: join(dir, 'b.pcapng') });
    const a = readFileSync(join(dir, 'a.pcapng'));
    const b = readFileSync(join(dir, 'b.pcapng'));
    t.ok(a.length > 50_000);
    t.ok(a.equals(b), 'byte-identical');
  });
}
