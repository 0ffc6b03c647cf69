import t from 'tap';
import { VxlanFdb, VXLAN_FDB_EEXIST, VXLAN_FDB_ENOENT } from '../../src/encap/vxlan-fdb.ts';
import { parseMac } from '../../src/ethernet/mac.ts';
import { parseIpv4Address } from '../../src/ip/address.ts';
import { needPeer, run, uniqueName } from '../helpers/peers.ts';

const ip = parseIpv4Address;
const mac = parseMac;

t.test('flood list, lookup fallback, learning, moves, static entries, ageing', async (t) => {
  const f = new VxlanFdb();
  t.same(f.lookup(mac('02:00:00:00:00:09'), 0), [], 'no entry, no default → drop');
  f.append(0, { ip: ip('10.0.0.2') }, 0);
  f.append(0, { ip: ip('10.0.0.3') }, 0);
  t.throws(() => f.append(0, { ip: ip('10.0.0.3') }, 0), { message: VXLAN_FDB_EEXIST });
  t.same(f.lookup(0xffffffffffff, 0).map((r) => r.ip), [ip('10.0.0.2'), ip('10.0.0.3')], 'broadcast floods to every default remote');
  t.same(f.lookup(mac('02:00:00:00:00:09'), 0).length, 2, 'unknown unicast floods too');
  t.equal(f.learn(mac('02:00:00:00:00:09'), ip('10.0.0.3'), 1000), 'new');
  t.same(f.lookup(mac('02:00:00:00:00:09'), 2000).map((r) => r.ip), [ip('10.0.0.3')], 'learned entry is unicast');
  t.equal(f.learn(mac('02:00:00:00:00:09'), ip('10.0.0.3'), 5000), 'known');
  t.equal(f.learn(mac('02:00:00:00:00:09'), ip('10.0.0.4'), 6000), 'moved');
  t.equal(f.learn(0x010000000001, ip('10.0.0.4'), 6000), 'ignored', 'multicast source not learned');
  f.add(mac('02:00:00:00:00:0a'), { ip: ip('10.0.0.10') }, 0);
  t.throws(() => f.add(mac('02:00:00:00:00:0a'), { ip: ip('10.0.0.10') }, 0), { message: VXLAN_FDB_EEXIST });
  t.equal(f.learn(mac('02:00:00:00:00:0a'), ip('10.0.0.11'), 7000), 'drop', 'static entries do not migrate');
  // ageing: 300 s after the last refresh (6 s)
  t.equal(f.lookup(mac('02:00:00:00:00:09'), 305_999).length, 1);
  t.equal(f.lookup(mac('02:00:00:00:00:09'), 306_000).length, 2, 'expired entry falls back to the flood list');
  t.equal(f.age(306_000), 1);
  t.equal(f.age(10_000_000), 0, 'permanent entries stay');
  f.del(0, ip('10.0.0.2'));
  t.same(f.lookup(0xffffffffffff, 0).map((r) => r.ip), [ip('10.0.0.3')]);
  t.throws(() => f.del(0, ip('10.0.0.2')), { message: VXLAN_FDB_ENOENT });
  f.del(0);
  t.throws(() => f.del(0), { message: VXLAN_FDB_ENOENT });
  const nl = new VxlanFdb({ learning: false });
  t.equal(nl.learn(mac('02:00:00:00:00:09'), 1, 0), 'ignored', 'nolearning');
  const short = new VxlanFdb({ ageingSeconds: 10 });
  short.learn(mac('02:00:00:00:00:01'), 1, 0);
  t.equal(short.age(9_999), 0);
  t.equal(short.age(10_000), 1);
});

// Builds the same table in a kernel vxlan device and in ours; `bridge fdb show` must print the same lines.
t.test('bridge fdb show lines equal the kernel\'s', async (t) => {
  if (!needPeer(t, 'netns')) return;
  const ns = uniqueName('wsfd');
  t.teardown(() => run('ip', ['netns', 'del', ns]));
  const nsx = (...a: string[]) => {
    const r = run('ip', ['netns', 'exec', ns, ...a]);
    if (r.status !== 0) throw new Error(`${a.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  if (run('ip', ['netns', 'add', ns]).status !== 0) throw new Error('netns add');
  nsx('ip', 'link', 'add', 'u0', 'type', 'veth', 'peer', 'name', 'u1');
  nsx('ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'u0');
  nsx('ip', 'link', 'set', 'u0', 'up');
  nsx('ip', 'link', 'add', 'vxlan0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'remote', '10.0.0.2', 'local', '10.0.0.1', 'dev', 'u0');
  const ours = new VxlanFdb();
  ours.append(0, { ip: ip('10.0.0.2'), via: 'u0' }, 0); // what `remote … dev u0` installs
  const both = (args: string[], apply: () => void) => {
    nsx('bridge', 'fdb', ...args, 'dev', 'vxlan0');
    apply();
  };
  both(['append', '00:00:00:00:00:00', 'dst', '10.0.0.3'], () => ours.append(0, { ip: ip('10.0.0.3') }, 0));
  both(['add', '02:00:00:00:00:09', 'dst', '10.0.0.9'], () => ours.add(mac('02:00:00:00:00:09'), { ip: ip('10.0.0.9') }, 0));
  both(['add', '02:00:00:00:00:0a', 'dst', '10.0.0.10', 'dynamic'], () => ours.add(mac('02:00:00:00:00:0a'), { ip: ip('10.0.0.10') }, 0, { dynamic: true }));
  both(['replace', '02:00:00:00:00:0b', 'dst', '10.0.0.11', 'port', '8472', 'vni', '7'], () =>
    ours.replace(mac('02:00:00:00:00:0b'), { ip: ip('10.0.0.11'), port: 8472, vni: 7 }, 0));
  const sortLines = (s: string[]) => [...s].sort();
  t.same(sortLines(nsx('bridge', 'fdb', 'show', 'dev', 'vxlan0').split('\n').filter(Boolean)), sortLines(ours.show('vxlan0')));
  t.same(
    sortLines(nsx('bridge', 'fdb', 'show').split('\n').filter((l) => l.includes(' dev vxlan0 '))),
    sortLines(ours.show('vxlan0', false)),
    'unfiltered form names the device',
  );
  // deleting one default destination
  both(['del', '00:00:00:00:00:00', 'dst', '10.0.0.3'], () => ours.del(0, ip('10.0.0.3')));
  t.same(sortLines(nsx('bridge', 'fdb', 'show', 'dev', 'vxlan0').split('\n').filter(Boolean)), sortLines(ours.show('vxlan0')));
});
