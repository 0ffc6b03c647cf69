// Lab behaviours pinned against what Linux 6.x / iproute2 6.x / iputils 20221126 do (each checked
// in a throwaway netns; the bash-vs-wirestack suite test/shell/diff.test.ts compares them live).
import t from 'tap';
import { Lab } from '../../src/lab/lab.ts';
import { NetlinkError, IpStatus } from '../../src/lab/errors.ts';
import { RouteTable, RouteError, type Route } from '../../src/ip/route-table.ts';

function pair(lab: Lab, a: string, b: string, netA = '10.5.0.1/24', netB = '10.5.0.2/24') {
  lab.addNetns(a);
  lab.addNetns(b);
  lab.root.linkAddVeth('va', 'vb');
  lab.root.linkSet('va', { netns: a });
  lab.root.linkSet('vb', { netns: b });
  lab.netns(a).addrAdd('va', netA);
  lab.netns(b).addrAdd('vb', netB);
  lab.netns(a).linkSet('va', { up: true });
  lab.netns(b).linkSet('vb', { up: true });
}

t.test('ping to our own address with lo down: sent, dropped on lo, no error line', async (t) => {
  const lab = new Lab();
  pair(lab, 'a', 'b');
  const r = lab.netns('a').ping('10.5.0.1', { count: 1, timeoutS: 1 });
  t.notOk(r.lines.some((l) => /sendmsg|unreachable/i.test(l)), 'no error printed');
  t.same(r.lines.slice(-2), ['1 packets transmitted, 0 received, 100% packet loss, time 0ms', ''], 'ends with the blank line iputils prints');
  t.equal(r.exit, 1);
  t.equal(lab.netns('a').lo.stats.txDropped, 1, 'counted as a drop on lo');
  t.equal(r.sendErrno, undefined, 'the send itself succeeded');
});

t.test('ping with an OUTPUT DROP rule: sendto fails with EPERM and iputils prints nothing', async (t) => {
  const lab = new Lab();
  pair(lab, 'a', 'b');
  const { LabNetfilter } = await import('../../src/lab/netfilter-hooks.ts');
  const { iptables } = await import('../../src/nat/iptables-cli.ts');
  t.equal(iptables(LabNetfilter.of(lab.netns('a')).nf.rules, ['-A', 'OUTPUT', '-j', 'DROP']).status, 0);
  const r = lab.netns('a').ping('10.5.0.2', { count: 2, timeoutS: 1 });
  t.same(r.lines.filter((l) => !/^PING |^$|^---/.test(l)), ['2 packets transmitted, 0 received, 100% packet loss, time 1000ms']);
  t.equal(r.sendErrno, 'EPERM');
  t.equal(r.exit, 1);
});

t.test('connected routes: one per device for the same subnet, appended in order', async (t) => {
  const lab = new Lab();
  const ns = lab.addNetns('a');
  ns.linkAddVeth('v1', 'v2');
  ns.linkAddVeth('v3', 'v4');
  for (const d of ['v1', 'v2', 'v3', 'v4']) ns.linkSet(d, { up: true });
  ns.addrAdd('v1', '10.5.1.1/24');
  ns.addrAdd('v3', '10.5.1.3/24');
  ns.addrAdd('v1', '10.5.1.9/24'); // a secondary on v1: no route of its own
  t.same(ns.ipRoute(), [
    '10.5.1.0/24 dev v1 proto kernel scope link src 10.5.1.1 ',
    '10.5.1.0/24 dev v3 proto kernel scope link src 10.5.1.3 ',
  ]);
  t.match(ns.routeGet('10.5.1.7'), /^10\.5\.1\.7 dev v1 src 10\.5\.1\.1 /, 'the older route wins the lookup');
  // `ip route add` of the same prefix (metric 0) is still File exists, whatever the device
  t.throws(() => ns.routeAdd({ dst: '10.5.1.0/24', dev: 'v2' }), { message: 'RTNETLINK answers: File exists' });
  ns.routeAdd({ dst: '10.5.1.0/24', dev: 'v2', metric: 5 });
  ns.routeDel({ dst: '10.5.1.0/24' }); // no dev: the first one goes
  t.same(ns.ipRoute(), ['10.5.1.0/24 dev v3 proto kernel scope link src 10.5.1.3 ', '10.5.1.0/24 dev v2 scope link metric 5 ']);
  t.match(ns.routeGet('10.5.1.7'), /dev v3 src 10\.5\.1\.3/);
});

t.test('RouteTable.append: same identity allowed after the existing one, identical route EEXIST', async (t) => {
  const rt = new RouteTable();
  const base: Route = { dst: 0x0a000000, len: 8, gateway: 0, ifindex: 2, dev: 'a', metric: 0, proto: 'kernel', scope: 'link', prefsrc: 0x0a000001, type: 'unicast' };
  rt.append(base);
  rt.append({ ...base, ifindex: 3, dev: 'b', prefsrc: 0x0a000002 });
  t.same(rt.list().map((r) => r.dev), ['a', 'b']);
  t.equal(rt.lookup(0x0a010203)!.dev, 'a');
  t.throws(() => rt.append({ ...base }), new RouteError('RTNETLINK answers: File exists', 'EEXIST'));
  t.throws(() => rt.add({ ...base, ifindex: 4, dev: 'c' }), new RouteError('RTNETLINK answers: File exists', 'EEXIST'));
  rt.del({ dst: 0x0a000000, len: 8 });
  t.equal(rt.lookup(0x0a010203)!.dev, 'b', 'lookup falls to the remaining alias');
});

t.test('NetlinkError carries ip\'s exit status', async (t) => {
  const lab = new Lab();
  const ns = lab.addNetns('a');
  const code = (f: () => void) => {
    try {
      f();
    } catch (e) {
      return e instanceof NetlinkError ? e.exitCode : -1;
    }
    return 0;
  };
  t.equal(code(() => ns.linkSet('nope', { up: true })), IpStatus.LOCAL);
  t.equal(code(() => ns.addrAdd('lo', '10.0.0.x')), IpStatus.LOCAL);
  t.equal(code(() => ns.linkSet('lo', { netns: 'nope' })), IpStatus.INVARG);
  t.equal(code(() => ns.linkDel('lo')), IpStatus.NETLINK);
  t.equal(code(() => ns.routeAdd({ dst: '10.9.0.0/16', via: '10.3.0.1' })), IpStatus.NETLINK);
  t.equal(code(() => lab.addNetns('x/y')), IpStatus.INVARG);
  t.equal(new NetlinkError('RTNETLINK answers: Address already in use', 'EADDRINUSE').exitCode, 2, 'free-form netlink text: 2');
});
