// The primer's NAT section under `wirestack run` (examples/primer/05, 06): the as-written lines fail
// as iptables 1.8.9 and iproute2 fail; the corrected script MASQUERADEs blue's traffic to the outside
// namespace and forwards a UDP port to blue. Lab UDP sockets then check what each side sees.
import t from 'tap';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '../../src/cli/commands/run.ts';
import type { CommandRecord } from '../../src/shell/runner.ts';
import type { Lab } from '../../src/lab/lab.ts';
import type { UdpSocket } from '../../src/lab/udp-socket.ts';
import { needPeer, run } from '../helpers/peers.ts';

const ex = (f: string) => readFileSync(new URL(`../../examples/primer/${f}`, import.meta.url), 'utf8');
const byCmd = (recs: CommandRecord[], re: RegExp): CommandRecord[] => recs.filter((r) => re.test(r.command));

/** Sends one datagram and runs the lab until it (and any answer) has been delivered. */
function sendAndRun(lab: Lab, s: UdpSocket, data: string, addr: string, port: number): string {
  const e = s.sendTo(data, addr, port);
  lab.runFor(50);
  return e;
}

t.test('05 as written: the broken lines fail as the real tools fail, MASQUERADE is accepted', async (t) => {
  const { records, exit } = await runScript(ex('05-nat-as-written.sh'));
  t.equal(exit, 1);
  const fwd = byCmd(records, /--to-destination/)[0]!;
  t.same([fwd.exit, fwd.stdout, fwd.stderr], [2, '', 'iptables v1.8.9 (nf_tables): unknown option "--dport"\nTry `iptables -h\' or \'iptables --help\' for more information.\n']);
  const masq = byCmd(records, /MASQUERADE/)[0]!;
  t.same([masq.exit, masq.stderr], [0, '']);
  t.same([byCmd(records, /netnx/)[0]!.exit, byCmd(records, /netnx/)[0]!.stderr], [1, 'Object "netnx" is unknown, try "ip help".\n']);
  const via = byCmd(records, /route add 192\.168\.12\.0\/24 via/)[0]!;
  t.same([via.exit, via.stderr], [2, 'RTNETLINK answers: File exists\n']);
  const ping = byCmd(records, /ping/)[0]!;
  t.equal(ping.exit, 2);
  t.match(ping.stderr, /Network is unreachable/);
  t.equal(byCmd(records, /nat -S/)[0]!.stdout, '-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n-A POSTROUTING -s 192.168.12.0/24 -j MASQUERADE\n');
});

t.test('06 corrected: MASQUERADE of ICMP and UDP, replies translated back, DNAT port forward', async (t) => {
  const { records, exit, session } = await runScript(ex('06-nat-corrected.sh'));
  t.ok(records.filter((r) => !/dig/.test(r.command)).every((r) => r.exit === 0), 'every command but dig succeeds');
  t.equal(exit, 1, 'dig gets no DNS answer (nothing listens behind the forward)');
  t.match(byCmd(records, /blue ping/)[0]!.stdout, /2 packets transmitted, 2 received, 0% packet loss/);
  const ct = byCmd(records, /^conntrack -L/)[0]!;
  t.match(ct.stdout, /^icmp {5}1 \d+ src=192\.168\.12\.2 dst=203\.0\.113\.2 type=8 code=0 id=(\d+) src=203\.0\.113\.2 dst=203\.0\.113\.1 type=0 code=0 id=\1 mark=0 use=1\n/m);
  t.match(ct.stdout, /^udp {6}17 \d+ src=203\.0\.113\.2 dst=203\.0\.113\.1 sport=(\d+) dport=5353 \[UNREPLIED\] src=192\.168\.12\.2 dst=203\.0\.113\.2 sport=53 dport=\1 mark=0 use=1$/m);
  t.equal(ct.stderr, 'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.\n');

  const lab = session.lab;
  const outside = lab.netns('outside'), blue = lab.netns('blue'), red = lab.netns('red');
  // UDP from blue to outside: outside sees the gateway's address and blue's port (kept: free)
  const sink = outside.udpBind(9999);
  const b = blue.udpBind(40000);
  t.equal(sendAndRun(lab, b, 'from blue', '203.0.113.2', 9999), '');
  t.same(sink.inbox.map((m) => [m.address, m.port, new TextDecoder().decode(m.data)]), [['203.0.113.1', 40000, 'from blue']]);
  // the reply to 203.0.113.1:40000 is translated back to blue
  t.equal(sendAndRun(lab, sink, 'reply', '203.0.113.1', 40000), '');
  t.same(b.inbox.map((m) => [m.address, m.port]), [['203.0.113.2', 9999]]);
  // red uses the same source port to the same destination: the second flow gets another port
  const r = red.udpBind(40000);
  sink.inbox.length = 0;
  sendAndRun(lab, r, 'from red', '203.0.113.2', 9999);
  t.equal(sink.inbox.length, 1);
  t.equal(sink.inbox[0]!.address, '203.0.113.1');
  t.not(sink.inbox[0]!.port, 40000, 'port clash: MASQUERADE picks another source port');
  sendAndRun(lab, sink, 'to red', '203.0.113.1', sink.inbox[0]!.port);
  t.same(r.inbox.map((m) => new TextDecoder().decode(m.data)), ['to red']);

  // the port forward with a listener behind it: outside → 203.0.113.1:5353 reaches blue:53 and
  // blue's answer comes back from 203.0.113.1:5353
  const dns = blue.udpBind(53);
  const q = outside.udpBind(0);
  sendAndRun(lab, q, 'query', '203.0.113.1', 5353);
  t.same(dns.inbox.map((m) => [m.address, m.port === q.port]), [['203.0.113.2', true]], 'blue sees the real client');
  sendAndRun(lab, dns, 'answer', '203.0.113.2', q.port);
  t.same(q.inbox.map((m) => [m.address, m.port, new TextDecoder().decode(m.data)]), [['203.0.113.1', 5353, 'answer']]);
});

t.test('filter DROP and REJECT: ping results and drop counters', async (t) => {
  const base = ex('06-nat-corrected.sh').split('\n').filter((l) => !/dig|conntrack|nat -S|ping/.test(l)).join('\n');
  const { records, session } = await runScript(`${base}
iptables -A FORWARD -s 192.168.12.1 -p icmp -j DROP
iptables -A FORWARD -s 192.168.12.2 -p icmp -j REJECT
ip netns exec red ping -c 1 -W 1 203.0.113.2
ip netns exec blue ping -c 1 -W 1 203.0.113.2
iptables -L FORWARD -n -v
`);
  const [red, blue] = byCmd(records, /ping/);
  t.equal(red!.exit, 1);
  t.match(red!.stdout, /1 packets transmitted, 0 received, 100% packet loss/);
  t.equal(blue!.exit, 1);
  t.match(blue!.stdout, /From 192\.168\.12\.5 icmp_seq=1 Destination Port Unreachable/);
  t.match(blue!.stdout, /1 packets transmitted, 0 received, \+1 errors, 100% packet loss/);
  const l = byCmd(records, /-L FORWARD/)[0]!.stdout;
  t.match(l, /^ +1 +84 DROP +1 +-- +\* +\* +192\.168\.12\.1 +0\.0\.0\.0\/0 *$/m);
  t.match(l, /^ +1 +84 REJECT +1 +-- +\* +\* +192\.168\.12\.2 +0\.0\.0\.0\/0 +reject-with icmp-port-unreachable$/m);
  t.equal(session.lab.root.dev('v-net-0')!.stats.dropsByReason().netfilter, 2);
});

t.test('pcapng comments name the rule and the conntrack entry (read back by tshark)', async (t) => {
  needPeer(t, 'tshark');
  const dir = mkdtempSync(join(tmpdir(), 'ws-nat-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'nat.pcapng');
  await runScript(ex('06-nat-corrected.sh'), { pcapng: f });
  const rows = run('tshark', ['-r', f, '-Y', 'frame.comment', '-T', 'fields', '-e', 'frame.interface_name', '-e', 'frame.comment']).stdout.split('\n');
  t.ok(rows.some((r) => /^root\/veth-out\tMASQUERADE by nat\/POSTROUTING rule 1 → 203\.0\.113\.1 id \d+$/.test(r)), 'first echo request: MASQUERADE by the rule');
  t.ok(rows.some((r) => /^root\/veth-out\tun-SNAT by conntrack entry icmp #\d+ → 192\.168\.12\.2 id \d+$/.test(r)), 'echo reply translated back by the entry');
  t.ok(rows.some((r) => r === 'root/veth-out\tDNAT by nat/PREROUTING rule 1 → 192.168.12.2:53'), 'the forwarded query');
  t.ok(rows.some((r) => /^root\/v-net-0\tICMP error un-DNAT by conntrack entry udp #\d+ → 203\.0\.113\.1$/.test(r)), 'port unreachable about the forwarded query, translated back');
});
