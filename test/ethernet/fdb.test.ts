import t from 'tap';
import { Fdb, FdbError, FDB_DELIVER_LOCAL, formatFdb, formatFdbEntry } from '../../src/ethernet/fdb.ts';
import { parseMac as mac, macToString } from '../../src/ethernet/mac.ts';
import { needPeer, run, uniqueName, SYSTEM_PYTHON } from '../helpers/peers.ts';

const S = 1e9;

function err(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof FdbError) return e.message;
    throw e;
  }
  return 'no error';
}

t.test('learning, moving, ageing at exactly 300 s', async (t) => {
  const f = new Fdb();
  const a = mac('02:00:00:00:00:0a');
  t.equal(f.lookup(a, 0, 0), -1, 'unknown → flood');
  t.equal(f.learn(a, 0, 3, 1 * S), 1, 'new');
  t.equal(f.lookup(a, 0, 2 * S), 3);
  t.equal(f.lookup(a, 5, 2 * S), -1, 'other VLAN is another key');
  t.equal(f.learn(a, 0, 3, 10 * S), 0, 'refresh');
  t.equal(f.learn(a, 0, 4, 20 * S), 2, 'moved');
  t.equal(f.lookup(a, 0, 21 * S), 4);
  t.equal(f.lookup(a, 0, 319.999 * S), 4, 'alive just before updated + 300 s');
  t.equal(f.lookup(a, 0, 320 * S), -1, 'gone at updated + 300 s');
  t.equal(f.nextDeadline(), 320 * S);
  t.equal(f.size, 1, 'still in the table until age()');
  t.equal(f.age(320 * S), 1);
  t.equal(f.size, 0);
  t.equal(f.nextDeadline(), Infinity);
});

t.test('local, static and their kernel rules', async (t) => {
  const f = new Fdb();
  const br = mac('02:00:00:00:00:01');
  const st = mac('02:00:00:00:00:09');
  f.addLocal(br, 0, 100);
  f.addStatic(st, 0, 3);
  t.equal(f.lookup(br, 0, 0), FDB_DELIVER_LOCAL, 'own MAC: deliver to the bridge');
  t.equal(f.portOf(br, 0, 0), 100);
  t.equal(f.learn(br, 0, 4, 1), 0, 'own MAC as a source never moves');
  t.equal(f.portOf(br, 0, 0), 100);
  t.equal(f.learn(st, 0, 4, 1), 2, 'a static entry does move (the kernel only pins "sticky" ones)');
  t.equal(f.lookup(st, 0, 1e6 * S), 4, 'static never ages');
  t.equal(err(() => f.addStatic(st, 0, 3)), 'RTNETLINK answers: File exists');
  t.equal(err(() => f.del(mac('02:00:00:00:00:0c'), 0)), 'RTNETLINK answers: No such file or directory');
  f.learn(mac('02:00:00:00:00:0d'), 0, 4, 0);
  f.learn(mac('02:00:00:00:00:0e'), 0, 5, 0);
  t.equal(f.flushPort(4), 1, 'port down: only dynamic entries go');
  t.equal(f.lookup(st, 0, 0), 4, 'static kept');
  t.equal(f.flushPort(4, true), 1, 'port removed: static goes too');
  f.del(mac('02:00:00:00:00:0e'), 0, 5);
  t.same(f.entries().map((e) => e.kind), ['local']);
});

t.test('ageing_time 0 never learns; bounded learning', async (t) => {
  const f = new Fdb({ ageingTime: 0 });
  t.equal(f.learn(mac('02:00:00:00:00:0a'), 0, 1, 0), -1);
  t.equal(f.size, 0);
  const g = new Fdb({ maxLearned: 100 });
  for (let i = 0; i < 150; i++) g.learn(0x020000000000 + i, 0, 1, 0);
  t.equal(g.size, 100);
  t.equal(g.learnDropped, 50);
  g.addStatic(0x02aa00000000, 1, 2);
  t.equal(g.size, 101, 'static entries are not bounded by maxLearned');
});

t.test('hash table survives churn (compared with a Map)', async (t) => {
  const f = new Fdb({ maxLearned: 1 << 20 });
  const ref = new Map<string, number>();
  let seed = 7;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 50000; i++) {
    const m = (rnd() % 2000) * 0x10001 + 0x020000000000; // collide often, spread across hi/lo words
    const v = rnd() % 3;
    const k = `${m}/${v}`;
    if (rnd() % 3 === 0) {
      if (ref.has(k)) {
        f.del(m, v);
        ref.delete(k);
      } else t.equal(err(() => f.del(m, v)), 'RTNETLINK answers: No such file or directory');
    } else {
      const p = rnd() % 8;
      f.learn(m, v, p, 0);
      ref.set(k, p);
    }
  }
  let bad = 0;
  for (const [k, p] of ref) {
    const [m, v] = k.split('/').map(Number);
    if (f.lookup(m!, v!, 1) !== p) bad++;
  }
  t.equal(bad, 0);
  t.equal(f.size, ref.size);
  t.equal(f.entries().length, ref.size);
});

t.test('formatter lines', async (t) => {
  const e = { mac: mac('aa:bb:cc:dd:ee:ff'), vlan: 0, port: 3, kind: 'dynamic', updated: 0, used: 0 } as const;
  t.equal(formatFdbEntry(e, 'veth-red-br', 'v-net-0'), 'aa:bb:cc:dd:ee:ff dev veth-red-br master v-net-0');
  t.equal(formatFdbEntry({ ...e, kind: 'local' }, 'veth-red-br', 'v-net-0'), 'aa:bb:cc:dd:ee:ff dev veth-red-br master v-net-0 permanent');
  t.equal(formatFdbEntry({ ...e, kind: 'static', vlan: 1 }, 'veth-red-br', 'v-net-0'), 'aa:bb:cc:dd:ee:ff dev veth-red-br vlan 1 master v-net-0 static');
});

t.test('bridge fdb show matches a real Linux bridge', async (t) => {
  if (!needPeer(t, 'netns', 'scapy')) return;
  const ns = uniqueName('wsfdb');
  const br = uniqueName('br').slice(0, 12);
  const x = (...a: string[]) => run('ip', ['netns', 'exec', ns, ...a]);
  t.equal(run('ip', ['netns', 'add', ns]).status, 0);
  t.teardown(() => void run('ip', ['netns', 'del', ns]));
  x('ip', 'link', 'add', br, 'type', 'bridge');
  x('ip', 'link', 'set', br, 'address', '02:00:00:00:00:01');
  const ports = [`${br}r`, `${br}b`];
  for (const p of ports) {
    x('ip', 'link', 'add', p, 'type', 'veth', 'peer', 'name', `${p}p`);
    x('ip', 'link', 'set', p, 'master', br);
    x('ip', 'link', 'set', p, 'up');
    x('ip', 'link', 'set', `${p}p`, 'up');
  }
  x('ip', 'link', 'set', br, 'up');
  const macOf = (d: string) => mac(/link\/ether (\S+)/.exec(x('ip', 'link', 'show', d).stdout)![1]!);
  const idx = (d: string) => Number(/^(\d+):/.exec(x('ip', '-o', 'link', 'show', d).stdout)![1]);
  const [R, B, BR] = [idx(ports[0]!), idx(ports[1]!), idx(br)];
  const names = new Map([[R, ports[0]!], [B, ports[1]!], [BR, br]]);

  const f = new Fdb();
  f.addLocal(macOf(br), 0, BR);
  f.addLocal(macOf(ports[0]!), 0, R);
  f.addLocal(macOf(ports[1]!), 0, B);
  t.equal(x('bridge', 'fdb', 'add', '02:00:00:00:00:09', 'dev', ports[0]!, 'master', 'static').status, 0);
  f.addStatic(mac('02:00:00:00:00:09'), 0, R);
  const e1 = x('bridge', 'fdb', 'add', '02:00:00:00:00:09', 'dev', ports[0]!, 'master', 'static').stderr.trim();
  t.equal(err(() => f.addStatic(mac('02:00:00:00:00:09'), 0, R)), e1, 'duplicate static');
  const e2 = x('bridge', 'fdb', 'del', '02:00:00:00:00:0c', 'dev', ports[1]!, 'master').stderr.trim();
  t.equal(err(() => f.del(mac('02:00:00:00:00:0c'), 0, B)), e2, 'delete missing');

  // Frames from the far ends of the veths: learned on the bridge ports; 02:..:09 moves to port B.
  const send = (src: string, iface: string) =>
    run('ip', ['netns', 'exec', ns, SYSTEM_PYTHON, '-c',
      `from scapy.all import *\nsendp(Ether(src='${src}',dst='ff:ff:ff:ff:ff:ff')/ARP(pdst='192.0.2.1'), iface='${iface}', verbose=0)`]);
  send('02:00:00:00:00:77', `${ports[1]}p`);
  send('02:00:00:00:00:09', `${ports[1]}p`);
  send('02:00:00:00:00:66', `${ports[0]}p`);
  f.learn(mac('02:00:00:00:00:77'), 0, B, 1);
  f.learn(mac('02:00:00:00:00:09'), 0, B, 1);
  f.learn(mac('02:00:00:00:00:66'), 0, R, 1);
  // The kernel may also learn the peers' own MACs from IPv6 DAD/router solicitations they send.
  for (const p of ports) {
    const peer = macOf(`${p}p`);
    if (x('bridge', 'fdb', 'show', 'br', br).stdout.includes(macToString(peer)))
      f.learn(peer, 0, p === ports[0] ? R : B, 1);
  }
  const norm = (s: string) => s.split('\n').map((l) => l.trimEnd()).filter((l) => l && !/ self( |$)/.test(l)).sort().join('\n');
  t.equal(norm(formatFdb(f.entries(), (p) => names.get(p)!, br)), norm(x('bridge', 'fdb', 'show', 'br', br).stdout), 'bridge fdb show br');

  // ageing_time 0: the kernel drops the dynamic entries at once and learns nothing more.
  x('ip', 'link', 'set', br, 'type', 'bridge', 'ageing_time', '0');
  f.ageingTime = 0;
  send('02:00:00:00:00:78', `${ports[1]}p`);
  f.learn(mac('02:00:00:00:00:78'), 0, B, 2);
  await new Promise((r) => setTimeout(r, 300));
  t.equal(norm(formatFdb(f.entries(2), (p) => names.get(p)!, br)), norm(x('bridge', 'fdb', 'show', 'br', br).stdout), 'after ageing_time 0');
});
