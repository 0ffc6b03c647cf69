// `--explain` names the real cause of a lost ping on a routed path a → r → b: the far link being
// down (not "no route back", which only follows from it), and the iptables rule that dropped it.
import t from 'tap';
import { runScript } from '../../src/cli/commands/run.ts';

const base = `ip netns add a
ip netns add r
ip netns add b
ip link add va type veth peer name ra
ip link add vb type veth peer name rb
ip link set va netns a
ip link set ra netns r
ip link set vb netns b
ip link set rb netns r
ip -n a addr add 10.1.0.2/24 dev va
ip -n r addr add 10.1.0.1/24 dev ra
ip -n r addr add 10.2.0.1/24 dev rb
ip -n b addr add 10.2.0.2/24 dev vb
ip -n a link set va up
ip -n r link set ra up
ip -n r link set rb up
ip -n b link set vb up
ip -n a route add default via 10.1.0.1
ip -n b route add default via 10.2.0.1
ip netns exec r sysctl -w net.ipv4.ip_forward=1
ip netns exec a ping -c 1 10.2.0.2
`;

const lastPing = async (script: string) => {
  const { records } = await runScript(script);
  return records.filter((r) => /ping/.test(r.command)).at(-1)!;
};

t.test('baseline: the path works', async (t) => {
  const p = await lastPing(base);
  t.equal(p.exit, 0);
});

t.test('far link down: names the link, not a missing route back', async (t) => {
  const p = await lastPing(base + 'ip -n b link set vb down\nip netns exec a ping -c 1 -W 1 10.2.0.2\n');
  t.equal(p.exit, 1);
  t.equal(p.explain, '10.2.0.2 is on vb in b, which is down: the request never reaches it (ip -n b link set vb up)');
});

t.test('FORWARD DROP: names the rule that dropped the requests', async (t) => {
  const p = await lastPing(base + 'ip netns exec r iptables -A FORWARD -d 10.2.0.2 -j DROP\nip netns exec a ping -c 1 -W 1 10.2.0.2\n');
  t.equal(p.exit, 1);
  t.match(p.explain, /^requests to 10\.2\.0\.2 were dropped: .*filter\/FORWARD rule 1.* in r \(ip netns exec r iptables -S lists its rules\)$/);
});

t.test('an old drop does not explain a later loss', async (t) => {
  const p = await lastPing(
    base + 'ip netns exec r iptables -A FORWARD -d 10.2.0.2 -j DROP\nip netns exec a ping -c 1 -W 1 10.2.0.2\nip netns exec r iptables -F FORWARD\nip -n b link set vb down\nip netns exec a ping -c 1 -W 1 10.2.0.2\n',
  );
  t.match(p.explain, /vb in b, which is down/);
});
