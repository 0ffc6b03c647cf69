// The lab against the real kernel: each topology is built in throwaway network namespaces and in a
// Lab by the same script, then what a user observes is compared — ping output (replies, icmp_seq,
// ttl, errors, loss summary, exit status), `ip route`, `ip neigh`, and the frames on each interface
// (ARP request/reply, ICMP echo and errors with their quoted headers), normalised only for MACs,
// IP IDs and timestamps (see test/helpers/kernel-lab.ts).
import t, { type Test } from 'tap';
import { needPeer } from '../helpers/peers.ts';
import { bothSides, type Side } from '../helpers/kernel-lab.ts';

type Obs = Record<string, unknown>;

/** Runs `build` then `traffic` on both sides and compares every observation. */
async function differential(
  t: Test,
  build: (s: Side) => void,
  traffic: (s: Side) => Obs,
  capture: [string, string][],
  listings: string[],
): Promise<{ kernel: Obs; lab: Obs }> {
  const [k, l] = bothSides(t);
  const res: Obs[] = [];
  for (const s of [k, l] as Side[]) {
    build(s);
    for (const [ns, dev] of capture) await s.capture(ns, dev);
    const o = traffic(s);
    const frames = await s.frames();
    for (const [key, f] of frames) o[`frames ${key}`] = f;
    for (const ns of listings) {
      o[`routes ${ns}`] = s.routes(ns);
      o[`neigh ${ns}`] = s.neigh(ns);
    }
    res.push(o);
  }
  for (const key of Object.keys(res[0]!)) t.same(res[1]![key], res[0]![key], `lab = kernel: ${key}`);
  return { kernel: res[0]!, lab: res[1]! };
}

function twoNs(prefix: string) {
  return (s: Side) => {
    s.addNetns('red');
    s.addNetns('blue');
    s.veth('red', 'veth-red', 'veth-blue');
    s.move('red', 'veth-blue', 'blue');
    s.addr('red', 'veth-red', `192.168.15.1${prefix}`);
    s.addr('blue', 'veth-blue', `192.168.15.2${prefix}`);
    s.up('red', 'veth-red');
    s.up('blue', 'veth-blue');
  };
}

function routedBuild(s: Side) {
  for (const n of ['a', 'r', 'b']) s.addNetns(n);
  s.veth('r', 'r-a', 'a-r');
  s.veth('r', 'r-b', 'b-r');
  s.move('r', 'a-r', 'a');
  s.move('r', 'b-r', 'b');
  s.addr('r', 'r-a', '10.0.1.1/24');
  s.addr('r', 'r-b', '10.0.2.1/24');
  s.addr('a', 'a-r', '10.0.1.2/24');
  s.addr('b', 'b-r', '10.0.2.2/24');
  for (const [ns, d] of [['r', 'r-a'], ['r', 'r-b'], ['a', 'a-r'], ['b', 'b-r']]) s.up(ns!, d!);
  s.route('a', 'default', '10.0.1.1');
  s.route('b', 'default', '10.0.2.1');
  s.forward('r');
}

t.test('two namespaces on a veth pair (primer, with /24)', async (t) => {
  if (!needPeer(t, 'netns', 'tcpdump', 'tshark')) return;
  const r = await differential(t, twoNs('/24'), (s) => ({ ping: s.ping('red', '192.168.15.2') }), [['red', 'veth-red'], ['blue', 'veth-blue']], ['red', 'blue']);
  t.equal((r.lab.ping as { exit: number }).exit, 0);
  t.ok((r.lab['frames red/veth-red'] as string[]).some((f) => f.startsWith('arp 1 ')), 'an ARP request was compared');
});

t.test('primer as written (no prefix → /32, no connected route): both fail the same way', async (t) => {
  if (!needPeer(t, 'netns', 'tcpdump', 'tshark')) return;
  const r = await differential(t, twoNs(''), (s) => ({ ping: s.ping('red', '192.168.15.2', { count: 1 }) }), [['red', 'veth-red']], ['red']);
  t.same((r.kernel.ping as { lines: string[] }).lines, ['ping: connect: Network is unreachable']);
  t.same(r.lab['frames red/veth-red'], [], 'nothing on the wire');
});

t.test('three namespaces on a bridge in a throwaway host namespace (primer v-net-0)', async (t) => {
  if (!needPeer(t, 'netns', 'tcpdump', 'tshark')) return;
  const names = ['red', 'blue', 'green'];
  await differential(
    t,
    (s) => {
      s.addNetns('host');
      s.bridge('host', 'v-net-0');
      s.up('host', 'v-net-0');
      names.forEach((n, i) => {
        s.addNetns(n);
        s.veth('host', `veth-${n}`, `veth-${n}-br`);
        s.move('host', `veth-${n}`, n);
        s.master('host', `veth-${n}-br`, 'v-net-0');
        s.up('host', `veth-${n}-br`);
        s.addr(n, `veth-${n}`, `192.168.15.${i + 1}/24`);
        s.up(n, `veth-${n}`);
      });
      s.addr('host', 'v-net-0', '192.168.15.5/24');
    },
    (s) => ({
      redToBlue: s.ping('red', '192.168.15.2', { count: 2 }),
      greenToBridge: s.ping('green', '192.168.15.5', { count: 2 }),
    }),
    [['red', 'veth-red'], ['blue', 'veth-blue'], ['green', 'veth-green']],
    ['red', 'blue', 'green', 'host'],
  );
});

t.test('a router between two subnets; TTL expiry; no route at the router; no route at the sender', async (t) => {
  if (!needPeer(t, 'netns', 'tcpdump', 'tshark')) return;
  const r = await differential(
    t,
    routedBuild,
    (s) => ({
      through: s.ping('a', '10.0.2.2', { count: 2 }),
      ttl1: s.ping('a', '10.0.2.2', { count: 1, ttl: 1 }),
      noRouteAtRouter: s.ping('a', '172.16.0.1', { count: 1 }),
      noRouteAtSender: s.ping('b', '10.0.1.2', { count: 1 }), // works: b has a default route
    }),
    [['a', 'a-r'], ['r', 'r-a'], ['r', 'r-b'], ['b', 'b-r']],
    ['a', 'r', 'b'],
  );
  t.match((r.lab.ttl1 as { lines: string[] }).lines[0], /Time to live exceeded/);
  t.match((r.lab.noRouteAtRouter as { lines: string[] }).lines[0], /Destination Net Unreachable/);
});

t.test('no route at the sender: connect fails before any frame', async (t) => {
  if (!needPeer(t, 'netns', 'tcpdump', 'tshark')) return;
  await differential(
    t,
    (s) => {
      twoNs('/24')(s);
    },
    (s) => ({ ping: s.ping('red', '10.9.9.9', { count: 1 }) }),
    [['red', 'veth-red']],
    ['red'],
  );
});
