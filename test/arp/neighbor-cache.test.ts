import t from 'tap';
import {
  NeighborCache,
  NeighborError,
  BROADCAST,
  NUD_PERMANENT,
  NUD_NOARP,
  NUD_STALE,
  NUD_REACHABLE,
  formatNeighs,
  formatArpN,
  formatNeigh,
  type NeighAction,
} from '../../src/arp/neighbor-cache.ts';
import { parseIpv4Address as ip } from '../../src/ip/address.ts';
import { parseMac as mac } from '../../src/ethernet/mac.ts';
import { needPeer, run, uniqueName } from '../helpers/peers.ts';

const S = 1e9;
const IP = ip('192.168.12.2');
const MAC = mac('aa:bb:cc:dd:ee:ff');
const IF = 4;
const half = () => 0.5; // reachable time = exactly base (30 s)

function cache(random = half) {
  return new NeighborCache({ random });
}
const state = (c: NeighborCache, a = IP) => c.entries().find((e) => e.ip === a)?.state ?? 'NONE';
const pkt = (n: number) => Uint8Array.from([n, n, n]);

t.test('INCOMPLETE: 3 broadcast requests 1 s apart, FAILED at 3 s with the queue reported', async (t) => {
  const c = cache();
  t.equal(c.lookup(IP, 0), -1);
  const buf = pkt(1);
  t.same(c.resolve(IP, IF, 0, buf), [{ kind: 'solicit', ip: IP, ifindex: IF, dstMac: BROADCAST }]);
  buf[0] = 99; // the caller's buffer is borrowed: the queue must hold a copy
  t.same(c.resolve(IP, IF, 0.5 * S, pkt(2)), [], 'second packet only queued');
  t.equal(state(c), 'INCOMPLETE');
  t.equal(c.nextDeadline(), 1 * S);
  t.same(c.tick(0.999 * S), []);
  t.same(c.tick(1 * S), [{ kind: 'solicit', ip: IP, ifindex: IF, dstMac: BROADCAST }]);
  t.same(c.tick(2 * S), [{ kind: 'solicit', ip: IP, ifindex: IF, dstMac: BROADCAST }]);
  const f = c.tick(3 * S);
  t.same(f, [{ kind: 'failed', ip: IP, ifindex: IF, packets: [pkt(1), pkt(2)] }]);
  t.equal(state(c), 'FAILED');
  t.equal(c.nextDeadline(), Infinity);
  t.same(c.resolve(IP, IF, 10 * S, pkt(3)).map((a) => a.kind), ['solicit'], 'FAILED → INCOMPLETE on new traffic');
});

t.test('late tick runs every overdue timer in order', async (t) => {
  const c = cache();
  c.resolve(IP, IF, 0, pkt(1));
  t.same(c.tick(10 * S).map((a) => a.kind), ['solicit', 'solicit', 'failed']);
});

t.test('reply resolves: queue flushed in order, REACHABLE for reachable_time, then STALE', async (t) => {
  const c = cache();
  c.resolve(IP, IF, 0, pkt(1));
  c.resolve(IP, IF, 0, pkt(2));
  const a = c.onArp(IP, MAC, IF, 0.2 * S, 'reply');
  t.same(a, [{ kind: 'flush', ip: IP, ifindex: IF, mac: MAC, packets: [pkt(1), pkt(2)] }]);
  t.equal(c.lookup(IP, 0.3 * S), MAC);
  t.equal(state(c), 'REACHABLE');
  t.equal(c.nextDeadline(), 30.2 * S);
  t.same(c.tick(30.2 * S), []);
  t.equal(state(c), 'STALE', 'REACHABLE lookups do not refresh `used` (kernel hh fast path)');
});

t.test('STALE → DELAY on use → PROBE: 3 unicast probes → FAILED', async (t) => {
  const c = cache();
  c.onArp(IP, MAC, IF, 0, 'request-for-us');
  t.equal(state(c), 'STALE', 'a request for us creates a STALE entry');
  t.equal(c.lookup(IP, 100 * S), MAC, 'STALE is usable');
  t.equal(state(c), 'DELAY');
  t.equal(c.nextDeadline(), 105 * S);
  const uni = { kind: 'solicit', ip: IP, ifindex: IF, dstMac: MAC };
  t.same(c.tick(105 * S), [uni]);
  t.equal(state(c), 'PROBE');
  t.equal(c.lookup(IP, 105.5 * S), MAC, 'PROBE still sends to the old MAC');
  t.same(c.tick(106 * S), [uni]);
  t.same(c.tick(107 * S), [uni]);
  t.same(c.tick(108 * S), [{ kind: 'failed', ip: IP, ifindex: IF, packets: [] }]);
  t.equal(c.lookup(IP, 108 * S), -1);
});

t.test('DELAY: a reply or an upper-layer confirmation returns to REACHABLE without probing', async (t) => {
  const c = cache();
  c.onArp(IP, MAC, IF, 0, 'request-for-us');
  c.lookup(IP, 10 * S);
  c.onArp(IP, MAC, IF, 12 * S, 'reply');
  t.equal(state(c), 'REACHABLE');
  const d = cache();
  d.onArp(IP, MAC, IF, 0, 'request-for-us');
  d.lookup(IP, 10 * S);
  d.confirm(IP, 13 * S);
  t.same(d.tick(15 * S), []);
  t.equal(state(d), 'REACHABLE');
  t.equal(d.nextDeadline(), 43 * S, 'confirmed + reachable_time');
});

t.test('RFC 826 merge, locktime and unsolicited ARP', async (t) => {
  const c = cache();
  t.same(c.onArp(IP, MAC, IF, 0, 'other'), []);
  t.same(c.onArp(IP, MAC, IF, 0, 'reply'), []);
  t.equal(c.size, 0, 'unsolicited ARP creates nothing (arp_accept = 0)');
  c.resolve(IP, IF, 0, pkt(1));
  c.onArp(IP, MAC, IF, 0.1 * S, 'reply');
  const other = mac('02:00:00:00:00:02');
  c.onArp(IP, other, IF, 0.5 * S, 'reply');
  t.equal(c.lookup(IP, 0.6 * S), MAC, 'a different MAC within locktime (1 s) is ignored');
  c.onArp(IP, other, IF, 1.2 * S, 'other');
  t.equal(state(c), 'STALE', 'new MAC after locktime: STALE');
  t.equal(c.lookup(IP, 1.3 * S), other);
  c.onArp(IP, other, IF, 1.4 * S, 'request-for-us');
  t.equal(state(c), 'DELAY', 'same MAC as STALE update keeps the state');
});

t.test('permanent and noarp entries ignore ARP and never age; errors', async (t) => {
  const c = cache();
  c.add(IP, MAC, IF, 0, NUD_PERMANENT);
  c.onArp(IP, mac('02:00:00:00:00:02'), IF, 10 * S, 'reply');
  t.equal(c.lookup(IP, 1e6 * S), MAC);
  t.equal(c.nextDeadline(), Infinity);
  t.throws(() => c.add(IP, MAC, IF, 0), new NeighborError('RTNETLINK answers: File exists'));
  t.throws(() => c.del(ip('10.9.9.9'), IF), new NeighborError('RTNETLINK answers: No such file or directory'));
  c.add(ip('192.168.12.51'), MAC, IF, 0, NUD_NOARP);
  t.equal(c.lookup(ip('192.168.12.51'), 5), MAC);
  c.del(IP, IF);
  t.equal(c.size, 1);
  t.equal(c.flushDev(IF), 1);
  t.equal(c.size, 0);
});

t.test('reachable_time randomized 0.5–1.5 × base from the seeded source, re-drawn every 300 s', async (t) => {
  const draws = [0, 0.999];
  const c = cache(() => draws.shift() ?? 0.5);
  t.equal(c.reachableTime, 15 * S);
  c.tick(299 * S);
  t.equal(c.reachableTime, 15 * S);
  c.tick(300 * S);
  t.equal(c.reachableTime, Math.floor(15 * S + 0.999 * 30 * S));
});

t.test('resolution queue: at most 101 packets / 212992 bytes, oldest dropped', async (t) => {
  const c = cache();
  for (let i = 0; i < 150; i++) c.resolve(IP, IF, 0, Uint8Array.of(i));
  const [f] = c.onArp(IP, MAC, IF, 0.1 * S, 'reply') as NeighAction[];
  t.equal(f!.kind, 'flush');
  const ps = (f as { packets: Uint8Array[] }).packets;
  t.equal(ps.length, 101);
  t.equal(ps[0]![0], 49, 'oldest dropped first');
  t.equal(c.unresolvedDiscards, 49);
  const d = cache();
  for (let i = 0; i < 200; i++) d.resolve(IP, IF, 0, new Uint8Array(9000)); // jumbo frames: the byte limit binds
  t.equal(d.entries()[0]!.queued, Math.floor(212992 / 9000));
});

t.test('table bounded at gc_thresh3, evicting FAILED/STALE first', async (t) => {
  const c = new NeighborCache({ random: half, params: { maxEntries: 4 } });
  for (let i = 0; i < 4; i++) c.onArp(ip(`10.0.0.${i}`), MAC, IF, i, 'request-for-us');
  c.onArp(ip('10.0.0.9'), MAC, IF, 10, 'request-for-us');
  t.equal(c.size, 4);
  t.equal(c.stateOf(ip('10.0.0.0')), 0, 'least recently used STALE entry evicted');
  const d = new NeighborCache({ random: half, params: { maxEntries: 1 } });
  d.add(ip('10.0.0.1'), MAC, IF, 0, NUD_PERMANENT);
  t.same(d.resolve(ip('10.0.0.2'), IF, 0, pkt(7)).map((a) => a.kind), ['failed'], 'full of permanent entries');
  t.equal(d.tableFulls, 1);
});

t.test('lookup is keyed by (ip, ifindex); ifindex 0 matches any', async (t) => {
  const c = cache();
  c.add(IP, MAC, 4, 0, NUD_STALE);
  c.add(IP, mac('02:00:00:00:00:05'), 5, 0, NUD_REACHABLE);
  t.equal(c.lookup(IP, 1, 5), mac('02:00:00:00:00:05'));
  t.equal(c.lookup(IP, 1, 4), MAC);
  t.equal(c.lookup(IP, 1, 6), -1);
  t.not(c.lookup(IP, 1), -1);
});

t.test('formatters', async (t) => {
  const e = { ip: IP, ifindex: 1, mac: MAC, state: 'REACHABLE', queued: 0, updated: 0, confirmed: 0, used: 0 } as const;
  t.equal(formatNeigh(e, 'veth-red'), '192.168.12.2 dev veth-red lladdr aa:bb:cc:dd:ee:ff REACHABLE');
  t.equal(formatNeigh({ ...e, mac: -1, state: 'INCOMPLETE' }, 'veth-red'), '192.168.12.2 dev veth-red INCOMPLETE');
  t.equal(formatNeigh({ ...e, mac: -1, state: 'FAILED' }, 'veth-red'), '192.168.12.2 dev veth-red FAILED');
});

t.test('ip neigh show / arp -n match the kernel for the same entries', async (t) => {
  if (!needPeer(t, 'netns')) return;
  const a = uniqueName('wsna');
  const b = uniqueName('wsnb');
  const red = uniqueName('vr').slice(0, 14);
  const xa = (...args: string[]) => run('ip', ['netns', 'exec', a, ...args]);
  const xb = (...args: string[]) => run('ip', ['netns', 'exec', b, ...args]);
  t.equal(run('ip', ['netns', 'add', a]).status, 0);
  t.teardown(() => void run('ip', ['netns', 'del', a]));
  t.equal(run('ip', ['netns', 'add', b]).status, 0);
  t.teardown(() => void run('ip', ['netns', 'del', b]));
  run('ip', ['link', 'add', red, 'netns', a, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', b]);
  xa('ip', 'link', 'set', red, 'up');
  xb('ip', 'link', 'set', 'eth0', 'up');
  xa('ip', 'addr', 'add', '192.168.12.1/24', 'dev', red);
  xb('ip', 'addr', 'add', '192.168.12.2/24', 'dev', 'eth0');
  const ifx = Number(/^(\d+):/.exec(xa('ip', '-o', 'link', 'show', red).stdout)![1]);
  const peerMac = mac(/link\/ether (\S+)/.exec(xb('ip', 'link', 'show', 'eth0').stdout)![1]!);

  const c = cache();
  t.equal(xa('ip', 'neigh', 'add', '192.168.12.50', 'lladdr', '02:00:00:00:00:50', 'dev', red, 'nud', 'permanent').status, 0);
  c.add(ip('192.168.12.50'), mac('02:00:00:00:00:50'), ifx, 0, NUD_PERMANENT);
  xa('ip', 'neigh', 'add', '192.168.12.51', 'lladdr', '02:00:00:00:00:51', 'dev', red, 'nud', 'noarp');
  c.add(ip('192.168.12.51'), mac('02:00:00:00:00:51'), ifx, 0, NUD_NOARP);
  xa('ip', 'neigh', 'add', '192.168.12.52', 'lladdr', '02:00:00:00:00:52', 'dev', red, 'nud', 'stale');
  c.add(ip('192.168.12.52'), mac('02:00:00:00:00:52'), ifx, 0, NUD_STALE);
  const e1 = xa('ip', 'neigh', 'add', '192.168.12.50', 'lladdr', '02:00:00:00:00:50', 'dev', red, 'nud', 'permanent').stderr.trim();
  t.throws(() => c.add(ip('192.168.12.50'), MAC, ifx, 0), new NeighborError(e1));
  const e2 = xa('ip', 'neigh', 'del', '192.168.12.99', 'dev', red).stderr.trim();
  t.throws(() => c.del(ip('192.168.12.99'), ifx), new NeighborError(e2));

  // A real resolution (ping answered) and an unanswered one, in both worlds.
  xa('ping', '-c1', '-W1', '192.168.12.2');
  c.resolve(ip('192.168.12.2'), ifx, 0, pkt(1));
  c.onArp(ip('192.168.12.2'), peerMac, ifx, 0.001 * S, 'reply');
  xa('ping', '-c1', '-W1', '192.168.12.9');
  c.resolve(ip('192.168.12.9'), ifx, 0, pkt(2));
  const names = (_: number) => red;
  const sortLines = (s: string) => s.split('\n').map((l) => l.trimEnd()).filter(Boolean).sort().join('\n');
  t.equal(sortLines(formatNeighs(c.entries(), names)), sortLines(xa('ip', 'neigh', 'show').stdout), 'ip neigh show (INCOMPLETE)');
  const arp = xa('arp', '-n').stdout;
  const ours = formatArpN(c.entries(), names);
  t.equal(ours.split('\n')[0], arp.split('\n')[0], 'arp -n header');
  t.equal(sortLines(ours), sortLines(arp), 'arp -n rows');
  // Let the kernel's resolution fail (3 s), and ours.
  await new Promise((r) => setTimeout(r, 3500));
  c.tick(3 * S);
  t.equal(sortLines(formatNeighs(c.entries(), names)), sortLines(xa('ip', 'neigh', 'show').stdout), 'ip neigh show (FAILED)');
  t.equal(sortLines(formatArpN(c.entries(), names)), sortLines(xa('arp', '-n').stdout), 'arp -n (FAILED shows as incomplete)');
  // The peer learned us from our request (request-for-us → STALE) and used it to reply (→ DELAY).
  const p = cache();
  p.onArp(ip('192.168.12.1'), MAC, 9, 0, 'request-for-us');
  p.lookup(ip('192.168.12.1'), 0.001 * S);
  t.match(xb('ip', 'neigh', 'show').stdout, new RegExp(`^192\\.168\\.12\\.1 dev eth0 lladdr \\S+ ${state(p, ip('192.168.12.1'))}`, 'm'), 'peer side: DELAY (or still STALE→DELAY)');
});
