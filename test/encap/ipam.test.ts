import t from 'tap';
import { Ipam, WEAVE_DEFAULT_RANGE } from '../../src/encap/ipam.ts';
import { parseIpv4Address, ipv4ToString } from '../../src/ip/address.ts';
import { lcg32 } from '../helpers/rng.ts';

t.test('equal shares of 10.32.0.0/12, first and last address excluded', async (t) => {
  const ipam = Ipam.create(['n1', 'n2', 'n3', 'n4']);
  t.equal(ipam.cidr, WEAVE_DEFAULT_RANGE);
  t.same(ipam.peerNames(), ['n1', 'n2', 'n3', 'n4']);
  const shares = ipam.peerNames().map((p) => ipam.owned(p));
  t.equal(shares.reduce((a, b) => a + b), 2 ** 20 - 2);
  t.ok(Math.max(...shares) - Math.min(...shares) <= 1, `shares ${shares}`);
  t.equal(ipam.allocate('n1', 'c1'), parseIpv4Address('10.32.0.1'));
  t.equal(ipam.allocate('n1', 'c1'), parseIpv4Address('10.32.0.1'), 'idempotent per container');
  t.equal(ipam.allocate('n2', 'c2'), parseIpv4Address('10.36.0.0'), 'n2 starts at its share');
  t.same(ipam.lookup('c2'), { peer: 'n2', addr: parseIpv4Address('10.36.0.0') });
  t.equal(ipam.claim('n1', 'c9', parseIpv4Address('10.36.0.5')), 'address 10.36.0.5 is owned by peer n2');
  t.equal(ipam.claim('n1', 'c9', parseIpv4Address('10.32.0.1')), 'address 10.32.0.1 is already owned by c1');
  t.equal(ipam.claim('n1', 'c9', parseIpv4Address('10.48.0.1')), 'address 10.48.0.1 is outside the allocation range 10.32.0.0/12');
  t.equal(ipam.claim('n1', 'c9', parseIpv4Address('10.32.0.0')), 'address 10.32.0.0 is outside the allocation range 10.32.0.0/12');
  t.equal(ipam.claim('n1', 'c9', parseIpv4Address('10.32.0.9')), null);
  t.ok(ipam.free('n1', 'c1'));
  t.notOk(ipam.free('n1', 'c1'));
  t.equal(ipam.lookup('c1'), undefined);
  t.equal(ipam.check(), null);
});

t.test('a peer that runs out asks another for space', async (t) => {
  const ipam = Ipam.create(['a', 'b'], '10.32.0.0/28'); // 14 usable: a 7, b 7
  ipam.join('c');
  t.equal(ipam.owned('c'), 0);
  const c1 = ipam.allocate('c', 'x1');
  t.not(c1, null);
  t.ok(ipam.owned('c') > 0, 'c got a donation');
  t.equal(ipam.check(), null);
  const got = new Set<number>();
  for (let i = 0; i < 100; i++) {
    const p = ['a', 'b', 'c'][i % 3]!;
    const a = ipam.allocate(p, `k${i}`);
    if (a === null) break;
    t.notOk(got.has(a), `unique ${ipv4ToString(a)}`);
    got.add(a);
  }
  t.equal(got.size + 1, 14, 'the whole range used, then null');
  t.equal(ipam.allocate('a', 'more'), null);
});

// Seeded property test: random joins, allocations, frees (and JSON round trips) never hand out an
// address twice, stay inside the range, and keep every invariant.
t.test('property: no address twice across peers, all in range, JSON round trip', async (t) => {
  for (let seed = 1; seed <= 20; seed++) {
    const r = lcg32(seed);
    const cidr = seed % 2 ? '10.32.0.0/24' : '10.32.0.0/26';
    let ipam = Ipam.create(['p0', 'p1'], cidr);
    const peers = ['p0', 'p1'];
    const live = new Map<string, { peer: string; addr: number }>();
    let next = 0;
    for (let step = 0; step < 600; step++) {
      const x = r();
      if (x < 0.03 && peers.length < 8) {
        const p = `p${peers.length}`;
        ipam.join(p);
        peers.push(p);
      } else if (x < 0.65) {
        const p = peers[Math.floor(r() * peers.length)]!;
        const id = `c${next++}`;
        const a = ipam.allocate(p, id);
        if (a !== null) {
          for (const v of live.values()) if (v.addr === a) t.fail(`seed ${seed}: ${ipv4ToString(a)} handed out twice`);
          if (a <= ipam.first - 1 || a >= ipam.last) t.fail(`out of range ${ipv4ToString(a)}`);
          live.set(id, { peer: p, addr: a });
        }
      } else if (x < 0.95 && live.size) {
        const ids = [...live.keys()];
        const id = ids[Math.floor(r() * ids.length)]!;
        if (!ipam.free(live.get(id)!.peer, id)) t.fail('free failed');
        live.delete(id);
      } else {
        const j = JSON.parse(JSON.stringify(ipam));
        ipam = Ipam.fromJSON(j);
        t.same(JSON.parse(JSON.stringify(ipam)), j);
      }
      const err = ipam.check();
      if (err) t.fail(`seed ${seed} step ${step}: ${err}`);
    }
    for (const [id, v] of live) if (ipam.lookup(id)?.addr !== v.addr) t.fail(`lookup ${id}`);
    t.pass(`seed ${seed}: ${live.size} live, ${peers.length} peers`);
  }
});

t.test('bad state and ranges are refused', async (t) => {
  t.throws(() => Ipam.create(['a'], '10.32.0.0/31'), /too small/);
  t.throws(() => Ipam.create(['a'], '10.32.0.1/24'), /not zero/);
  t.throws(() => Ipam.create(['a', 'a']), /duplicate/);
  const j = Ipam.create(['a', 'b'], '10.32.0.0/28').toJSON();
  j.peers[1]!.ranges.push(['10.32.0.2', '10.32.0.3']);
  t.throws(() => Ipam.fromJSON(j), /bad IPAM state/);
  const ipam = Ipam.create(['a', 'b'], '10.32.0.0/28');
  ipam.removePeer('b', 'a');
  t.equal(ipam.owned('a'), 14);
});
