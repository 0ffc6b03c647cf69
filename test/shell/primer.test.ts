// The primer examples under `wirestack run` (no root needed): per line exit status, the real
// tools' error wording, and the --explain line derived from lab state.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { runScript } from '../../src/cli/commands/run.ts';
import { main } from '../../src/cli/main.ts';
import { bufferIo } from '../../src/cli/command.ts';
import type { CommandRecord } from '../../src/shell/runner.ts';

const ex = (f: string) => readFileSync(new URL(`../../examples/primer/${f}`, import.meta.url), 'utf8');
const byCmd = (recs: CommandRecord[], re: RegExp): CommandRecord[] => recs.filter((r) => re.test(r.command));

t.test('01 as written: the veth-vlue typo and the /32 addresses', async (t) => {
  const { records, exit } = await runScript(ex('01-two-namespaces-as-written.sh'));
  t.equal(exit, 1);
  const vlue = byCmd(records, /veth-vlue/)[0]!;
  t.equal(vlue.exit, 1);
  t.equal(vlue.stderr, 'Cannot find device "veth-vlue"\n');
  t.match(vlue.explain, /did you mean "veth-blue"/);
  const blue = byCmd(records, /-n blue/);
  t.same(blue.map((r) => [r.exit, r.stderr]), [[1, 'Cannot find device "veth-blue"\n'], [1, 'Cannot find device "veth-blue"\n']]);
  t.match(blue[0]!.explain, /it is in the host namespace/);
  const ping = byCmd(records, /ping/)[0]!;
  t.equal(ping.exit, 2);
  t.match(ping.stderr, /ping: connect: Network is unreachable/);
  t.match(ping.stderr, /stopped after 4 packets/);
  t.equal(ping.explain, '192.168.12.2 is not covered by any route in red: the address 192.168.12.1 was added without a prefix, so it is a /32 and gives no connected route (add it as 192.168.12.1/24)');
  for (const r of byCmd(records, /arp/)) t.equal(r.stdout, '', `${r.command}: empty ARP table`);
});

t.test('02 corrected: ping works, ARP tables filled, host table empty', async (t) => {
  const { records, exit } = await runScript(ex('02-two-namespaces-corrected.sh'));
  t.equal(exit, 0);
  t.ok(records.every((r) => r.exit === 0));
  const ping = byCmd(records, /ping/)[0]!;
  t.match(ping.stdout, /^PING 192\.168\.12\.2 \(192\.168\.12\.2\) 56\(84\) bytes of data\.\n64 bytes from 192\.168\.12\.2: icmp_seq=1 ttl=64 time=/);
  t.match(ping.stdout, /3 packets transmitted, 3 received, 0% packet loss/);
  const [red, blue, host] = byCmd(records, /arp -n/);
  t.match(red!.stdout, /^Address {18}HWtype  HWaddress {11}Flags Mask {12}Iface\n192\.168\.12\.2 {13}ether {3}([0-9a-f]{2}:){5}[0-9a-f]{2} {3}C {21}veth-red\n$/);
  t.match(blue!.stdout, /192\.168\.12\.1 .* veth-blue/);
  t.equal(host!.stdout, '');
  t.equal(byCmd(records, /-n red route/)[0]!.stdout, '192.168.12.0/24 dev veth-red proto kernel scope link src 192.168.12.1 \n');
});

t.test('03 bridge as written: lp, nexthop, netnx', async (t) => {
  const { records } = await runScript(ex('03-bridge-as-written.sh'), { progName: 'bash' });
  const lp = byCmd(records, /^lp /)[0]!;
  t.equal(lp.exit, 127);
  t.match(lp.stderr, /lp: command not found/);
  t.match(lp.explain, /did you mean "ip"/);
  const gw = byCmd(records, /ip route add 192\.168\.12\.0\/24 via/)[0]!;
  t.equal(gw.exit, 2);
  t.equal(gw.stderr, 'Error: Nexthop has invalid gateway.\n');
  t.match(gw.explain, /193\.168\.12\.2 differs .* by one octet: a typo\?/);
  const netnx = byCmd(records, /netnx/)[0]!;
  t.same([netnx.exit, netnx.stderr], [1, 'Object "netnx" is unknown, try "ip help".\n']);
  const del = byCmd(records, /link del veth-blue/)[0]!;
  t.same([del.exit, del.stderr], [1, 'Cannot find device "veth-blue"\n']);
  const ping = byCmd(records, /ping/)[0]!;
  t.equal(ping.exit, 2);
  t.match(ping.explain, /192\.168\.12\.1 was added without a prefix/);
  // veth-blue-br never joined the bridge (lp typo): only veth-red-br is a port
  t.match(byCmd(records, /^bridge link/)[0]!.stdout, /^\d+: veth-red-br@if\d+: <BROADCAST,MULTICAST> mtu 1500 master v-net-0 state disabled priority 32 cost 2 \n$/);
});

t.test('04 bridge corrected: everything answers, the bridge learns both MACs', async (t) => {
  const { records, exit } = await runScript(ex('04-bridge-corrected.sh'));
  t.equal(exit, 0);
  for (const r of byCmd(records, /ping/)) t.match(r.stdout, /2 packets transmitted, 2 received, 0% packet loss/);
  const fdb = byCmd(records, /^grep -v permanent/)[0]!.stdout.trim().split('\n');
  t.equal(fdb.length, 2);
  t.ok(fdb.some((l) => /dev veth-red-br master v-net-0 ?$/.test(l)) && fdb.some((l) => /dev veth-blue-br master v-net-0 ?$/.test(l)));
});

t.test('wirestack run --json and --explain through the CLI', async (t) => {
  const io = bufferIo();
  const code = await main(['run', '--json', '--explain', new URL('../../examples/primer/01-two-namespaces-as-written.sh', import.meta.url).pathname], io);
  t.equal(code, 1);
  const arr = JSON.parse(io.stdout) as { line: number; exit: number; stdout: string; stderr: string; explain?: string }[];
  t.equal(arr.length, 13);
  t.same(Object.keys(arr[0]!).slice(0, 5), ['line', 'command', 'exit', 'stdout', 'stderr']);
  t.equal(arr.find((r) => r.exit === 2)!.line, 29);
  const io2 = bufferIo();
  await main(['run', '--explain', new URL('../../examples/primer/01-two-namespaces-as-written.sh', import.meta.url).pathname], io2);
  t.match(io2.stderr, /wirestack: explain: 192\.168\.12\.2 is not covered by any route in red/);
  const io3 = bufferIo();
  t.equal(await main(['run', '/nonexistent.sh'], io3), 2);
});

t.test('-e stops at the first failure', async (t) => {
  const { records, exit } = await runScript('ip link add a1 type veth peer name a2\nip link set nope up\nip link\n', { errexit: true });
  t.equal(records.length, 2);
  t.equal(exit, 1);
});

t.test('explain: ip_forward off on the gateway, no route back, peer down', async (t) => {
  const base = `ip netns add a
ip netns add r
ip netns add b
ip link add a0 type veth peer name r0
ip link add b0 type veth peer name r1
ip link set a0 netns a
ip link set r0 netns r
ip link set r1 netns r
ip link set b0 netns b
ip -n a addr add 10.7.1.2/24 dev a0
ip -n r addr add 10.7.1.1/24 dev r0
ip -n r addr add 10.7.2.1/24 dev r1
ip -n b addr add 10.7.2.2/24 dev b0
ip -n a link set a0 up
ip -n r link set r0 up
ip -n r link set r1 up
ip -n b link set b0 up
ip -n a route add default via 10.7.1.1
`;
  let { records } = await runScript(base + 'ip netns exec a ping -c 1 10.7.2.2\n');
  t.equal(records.at(-1)!.explain, 'the gateway 10.7.1.1 (r) got the request but does not forward it: net.ipv4.ip_forward is 0 there');
  ({ records } = await runScript(base + 'ip netns exec r sysctl -w net.ipv4.ip_forward=1\nip netns exec a ping -c 1 10.7.2.2\n'));
  t.equal(records.at(-1)!.explain, '10.7.2.2 (b0 in b) got the request but has no route back to 10.7.1.2: the reply cannot be sent');
  ({ records } = await runScript('ip netns add a\nip netns add b\nip link add va type veth peer name vb\nip link set va netns a\nip link set vb netns b\nip -n a addr add 10.1.1.1/24 dev va\nip -n a link set va up\nip netns exec a ping -c 1 10.1.1.2\n'));
  t.equal(records.at(-1)!.explain, 'va has no carrier: its peer vb in b is down (ip -n b link set vb up)');
});

t.test('ping without -c is bounded in a script and says so', async (t) => {
  const { records } = await runScript('ip addr add 10.0.0.1/8 dev lo\nping 127.0.0.1\n', { pingCount: 3 });
  const p = records.at(-1)!;
  t.match(p.stdout, /3 packets transmitted, 3 received/);
  t.match(p.stderr, /^wirestack: ping without -c stopped after 3 packets/);
});
