import t from 'tap';
import {
  RouteTable,
  RouteError,
  checkGatewayOnLink,
  ROUTE_BAD_GATEWAY,
  type Route,
} from '../../src/ip/route-table.ts';
import { formatRoute, formatRoutes, formatRouteN, formatRouteGet, routeGetError } from '../../src/ip/route-format.ts';
import { parseIpv4Address as ip, parseCidr, prefixMask } from '../../src/ip/address.ts';
import { needPeer, run, uniqueName } from '../helpers/peers.ts';

function route(spec: Partial<Route> & { cidr: string }): Route {
  const c = parseCidr(spec.cidr);
  const { cidr: _c, ...rest } = spec;
  return {
    dst: c.addr,
    len: c.len,
    gateway: 0,
    ifindex: 2,
    dev: 'eth0',
    metric: 0,
    scope: 'global',
    proto: 'boot',
    prefsrc: 0,
    type: 'unicast',
    ...rest,
  };
}

function errMsg(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RouteError) return e.message;
    throw e;
  }
  return 'no error';
}

t.test('longest prefix, then lowest metric', async (t) => {
  const rt = new RouteTable();
  rt.add(route({ cidr: '0.0.0.0/0', gateway: ip('192.168.1.1') }));
  rt.add(route({ cidr: '10.0.0.0/8', gateway: ip('10.1.1.1'), metric: 100 }));
  rt.add(route({ cidr: '10.0.0.0/8', gateway: ip('10.1.1.2'), metric: 50 }));
  rt.add(route({ cidr: '10.1.0.0/16', dev: 'eth1', ifindex: 3, scope: 'link' }));
  rt.add(route({ cidr: '10.1.2.3/32', type: 'blackhole', ifindex: 0, dev: '' }));
  t.equal(rt.lookup(ip('10.9.9.9'))!.gateway, ip('10.1.1.2'), 'lower metric wins');
  t.equal(rt.lookup(ip('10.1.9.9'))!.dev, 'eth1', '/16 beats /8');
  t.equal(rt.lookup(ip('10.1.2.3'))!.type, 'blackhole', '/32 reject route matches');
  t.equal(rt.lookup(ip('8.8.8.8'))!.len, 0, 'default');
  rt.del({ dst: 0, len: 0 });
  t.equal(rt.lookup(ip('8.8.8.8')), null, 'no default → null');
  rt.add(route({ cidr: '255.255.255.255/32', type: 'broadcast', proto: 'kernel', scope: 'link' }));
  t.equal(rt.lookup(0xffffffff)!.type, 'broadcast', 'the all-ones key is stored too');
  t.equal(rt.lookup(ip('255.255.255.254')), null);
});

t.test('kernel errors and add/replace/del semantics', async (t) => {
  const rt = new RouteTable();
  rt.add(route({ cidr: '10.0.0.0/24', scope: 'link' }));
  t.equal(errMsg(() => rt.add(route({ cidr: '10.0.0.0/24', type: 'blackhole' }))), 'RTNETLINK answers: File exists', 'same dst/len/metric, other type');
  t.equal(errMsg(() => rt.add(route({ cidr: '10.20.0.0/8' }))), 'Error: Invalid prefix for given prefix length.');
  rt.add(route({ cidr: '10.0.0.0/24', metric: 5, dev: 'eth1', ifindex: 3 }));
  rt.add(route({ cidr: '10.0.0.0/24', tos: 4 }));
  t.equal(errMsg(() => rt.del({ dst: ip('10.0.0.0'), len: 24, metric: 7 })), 'RTNETLINK answers: No such process');
  t.equal(errMsg(() => rt.del({ dst: ip('10.7.0.0'), len: 16 })), 'RTNETLINK answers: No such process');
  t.equal(errMsg(() => rt.del({ dst: ip('10.0.0.0'), len: 24, metric: 5, dev: 'eth0' })), 'RTNETLINK answers: No such process');
  t.equal(rt.del({ dst: ip('10.0.0.0'), len: 24 }).metric, 0, 'del without metric takes the lowest (tos 0)');
  t.equal(rt.lookup(ip('10.0.0.1'))!.metric, 5, 'tos route never matches a tos-0 lookup');
  rt.replace(route({ cidr: '10.0.0.0/24', metric: 5, gateway: ip('10.9.9.9') }));
  t.equal(rt.size, 2);
  t.equal(rt.lookup(ip('10.0.0.1'))!.gateway, ip('10.9.9.9'), 'replace overwrote in place');
  rt.replace(route({ cidr: '10.0.0.0/24', metric: 1 }));
  t.equal(rt.size, 3, 'replace without a same-metric route inserts');
  t.equal(rt.lookup(ip('10.0.0.1'))!.metric, 1);
});

t.test('removeDev drops every route through the link (IPv4 link down)', async (t) => {
  const rt = new RouteTable();
  rt.add(route({ cidr: '192.168.1.0/24', proto: 'kernel', scope: 'link', prefsrc: ip('192.168.1.10') }));
  rt.add(route({ cidr: '0.0.0.0/0', gateway: ip('192.168.1.1') }));
  rt.add(route({ cidr: '10.0.0.0/8', ifindex: 3, dev: 'eth1' }));
  t.equal(rt.removeDev(2).length, 2);
  t.same(rt.list().map((r) => r.dev), ['eth1']);
  t.equal(rt.lookup(ip('192.168.1.5')), null);
  t.equal(rt.lookup(ip('10.2.3.4'))!.dev, 'eth1');
});

t.test('gateway must be on-link', async (t) => {
  const rt = new RouteTable();
  rt.add(route({ cidr: '192.168.1.0/24', proto: 'kernel', scope: 'link', prefsrc: ip('192.168.1.10') }));
  rt.add(route({ cidr: '11.0.0.0/8', gateway: ip('192.168.1.1') }));
  rt.add(route({ cidr: '12.0.0.0/8', type: 'blackhole', scope: 'link', ifindex: 0, dev: '' }));
  t.equal(checkGatewayOnLink(rt, ip('192.168.1.1')), null);
  t.equal(checkGatewayOnLink(rt, ip('192.168.1.1'), 2), null);
  t.equal(checkGatewayOnLink(rt, ip('192.168.1.1'), 3), ROUTE_BAD_GATEWAY, 'not on that device');
  t.equal(checkGatewayOnLink(rt, ip('10.99.0.1')), 'Error: Nexthop has invalid gateway.');
  t.equal(checkGatewayOnLink(rt, ip('11.1.1.1')), ROUTE_BAD_GATEWAY, 'reachable only via a gateway');
  t.equal(checkGatewayOnLink(rt, ip('12.1.1.1')), ROUTE_BAD_GATEWAY, 'blackhole is no nexthop');
});

t.test('LPM agrees with brute force: 10,000 random routes, 100,000 lookups', async (t) => {
  let seed = 12345;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const rt = new RouteTable();
  const all: Route[] = [];
  while (all.length < 10000) {
    const len = rnd() % 100 < 70 ? 16 + (rnd() % 17) : rnd() % 33;
    // Bias addresses into 10.0.0.0/8 half the time so prefixes nest and overlap.
    const a = rnd() % 2 ? ((10 << 24) | (rnd() & 0xffffff)) >>> 0 : rnd();
    const dst = (a & prefixMask(len)) >>> 0;
    const r = route({ cidr: '0.0.0.0/0', dst, len, metric: rnd() % 4, ifindex: 1 + (rnd() % 5) });
    try {
      rt.add(r);
      all.push(r);
    } catch {
      /* duplicate identity: skip */
    }
  }
  // Delete a tenth to exercise backward-shift deletion.
  for (let i = 0; i < 1000; i++) {
    const r = all.splice(rnd() % all.length, 1)[0]!;
    rt.del({ dst: r.dst, len: r.len, metric: r.metric });
  }
  const brute = (d: number) => {
    let best: Route | null = null;
    for (const r of all)
      if (((d & prefixMask(r.len)) >>> 0) === r.dst && (!best || r.len > best.len || (r.len === best.len && r.metric < best.metric)))
        best = r;
    return best;
  };
  let bad = 0;
  for (let i = 0; i < 100000; i++) {
    // Half the probes hit inside a known route so long prefixes get exercised.
    const d = i % 2 ? rnd() : (all[rnd() % all.length]!.dst | (rnd() & ~prefixMask(all[0]!.len))) >>> 0;
    const a = rt.lookup(d);
    const b = brute(d);
    if ((a && b ? a.dst !== b.dst || a.len !== b.len || a.metric !== b.metric : a !== b) && bad++ < 5)
      t.fail(`mismatch for ${d}`);
  }
  t.equal(bad, 0, 'no mismatches');
  t.equal(rt.size, 9000);
});

// ---- against the real kernel and tools ---------------------------------------------------------

t.test('ip route show / route -n / ip route get match iproute2 and net-tools', async (t) => {
  if (!needPeer(t, 'netns')) return;
  const ns = uniqueName('wsrt');
  const red = uniqueName('vr').slice(0, 14);
  const blue = uniqueName('vb').slice(0, 14);
  const x = (...a: string[]) => run('ip', ['netns', 'exec', ns, ...a]);
  t.equal(run('ip', ['netns', 'add', ns]).status, 0);
  t.teardown(() => void run('ip', ['netns', 'del', ns]));
  // Two pairs, so that taking `red` down only takes the carrier of its own peer, not of `blue`.
  x('ip', 'link', 'add', red, 'type', 'veth', 'peer', 'name', red + 'p');
  x('ip', 'link', 'add', blue, 'type', 'veth', 'peer', 'name', blue + 'p');
  for (const d of [red, blue, red + 'p', blue + 'p']) x('ip', 'link', 'set', d, 'up');
  const idx = (d: string) => Number(/^(\d+):/.exec(x('ip', '-o', 'link', 'show', d).stdout)![1]);
  const ired = idx(red);
  const iblue = idx(blue);
  x('ip', 'addr', 'add', '192.168.12.1/24', 'dev', red);
  x('ip', 'addr', 'add', '192.168.1.10/24', 'dev', blue);
  const cmds = [
    ['default', 'via', '192.168.1.1'],
    ['10.0.0.0/8', 'via', '192.168.1.1', 'metric', '100'],
    ['10.0.0.0/8', 'via', '192.168.1.2', 'metric', '50'],
    ['10.0.0.0/24', 'dev', red],
    ['10.0.0.0/16', 'dev', red, 'proto', 'static'],
    ['10.3.3.3', 'via', '192.168.12.7'],
    ['blackhole', '10.4.0.0/16'],
    ['unreachable', '10.5.0.0/16'],
    ['prohibit', '10.6.0.0/16', 'metric', '7'],
    ['10.7.0.0/16', 'dev', red, 'src', '192.168.12.1'],
    ['9.128.0.0/9', 'dev', blue, 'tos', '4'],
    ['default', 'via', '192.168.12.9', 'metric', '200'],
  ];
  for (const c of cmds) t.equal(x('ip', 'route', 'add', ...c).status, 0, `ip route add ${c.join(' ')}`);

  const rt = new RouteTable();
  const R = ired;
  const B = iblue;
  const conn = { proto: 'kernel', scope: 'link' } as const;
  rt.add(route({ cidr: '192.168.12.0/24', ifindex: R, dev: red, ...conn, prefsrc: ip('192.168.12.1') }));
  rt.add(route({ cidr: '192.168.1.0/24', ifindex: B, dev: blue, ...conn, prefsrc: ip('192.168.1.10') }));
  const via = (cidr: string, gw: string, metric = 0) => {
    const g = ip(gw);
    const nh = rt.lookup(g)!;
    t.equal(checkGatewayOnLink(rt, g), null);
    rt.add(route({ cidr, gateway: g, ifindex: nh.ifindex, dev: nh.dev, metric }));
  };
  via('0.0.0.0/0', '192.168.1.1');
  via('10.0.0.0/8', '192.168.1.1', 100);
  via('10.0.0.0/8', '192.168.1.2', 50);
  rt.add(route({ cidr: '10.0.0.0/24', ifindex: R, dev: red, scope: 'link' }));
  rt.add(route({ cidr: '10.0.0.0/16', ifindex: R, dev: red, scope: 'link', proto: 'static' }));
  via('10.3.3.3/32', '192.168.12.7');
  for (const [type, cidr, metric] of [['blackhole', '10.4.0.0/16', 0], ['unreachable', '10.5.0.0/16', 0], ['prohibit', '10.6.0.0/16', 7]] as const)
    rt.add(route({ cidr, type, ifindex: 0, dev: '', metric }));
  rt.add(route({ cidr: '10.7.0.0/16', ifindex: R, dev: red, scope: 'link', prefsrc: ip('192.168.12.1') }));
  rt.add(route({ cidr: '9.128.0.0/9', ifindex: B, dev: blue, scope: 'link', tos: 4 }));
  via('0.0.0.0/0', '192.168.12.9', 200);

  const trimLines = (s: string) => s.split('\n').map((l) => l.trimEnd()).join('\n');
  const realShow = trimLines(x('ip', 'route', 'show').stdout);
  t.equal(formatRoutes(rt.list()), realShow, 'ip route show');
  t.equal(formatRouteN(rt.list()), x('route', '-n').stdout, 'route -n');

  for (const d of ['10.0.0.9', '10.0.9.9', '10.9.9.9', '10.3.3.3', '192.168.1.50', '8.8.8.8']) {
    const r = rt.lookup(ip(d))!;
    const src = r.prefsrc || rt.lookup(r.gateway || ip(d))!.prefsrc || (r.ifindex === R ? ip('192.168.12.1') : ip('192.168.1.10'));
    t.equal(formatRouteGet({ dst: ip(d), route: r, src }), trimLines(x('ip', 'route', 'get', d).stdout), `ip route get ${d}`);
  }
  for (const d of ['10.4.1.1', '10.5.1.1', '10.6.1.1']) {
    t.equal(routeGetError(rt.lookup(ip(d))), x('ip', 'route', 'get', d).stderr.trim(), `ip route get ${d} error`);
  }
  // No default route at all → Network is unreachable.
  x('ip', 'route', 'del', 'default', 'via', '192.168.1.1');
  x('ip', 'route', 'del', 'default', 'via', '192.168.12.9', 'metric', '200');
  rt.del({ dst: 0, len: 0 });
  rt.del({ dst: 0, len: 0 });
  t.equal(routeGetError(rt.lookup(ip('8.8.8.8'))), x('ip', 'route', 'get', '8.8.8.8').stderr.trim());

  // Errors with the kernel's words.
  const e1 = x('ip', 'route', 'add', '10.9.0.0/16', 'via', '10.99.0.1').stderr.trim();
  t.equal(checkGatewayOnLink(rt, ip('10.99.0.1')), e1, 'gateway with no route');
  const e2 = x('ip', 'route', 'add', '12.0.0.0/8', 'via', '10.3.3.3').stderr.trim();
  t.equal(checkGatewayOnLink(rt, ip('10.3.3.3')), e2, 'gateway reachable only through a gateway');
  const e3 = x('ip', 'route', 'add', '12.0.0.0/8', 'via', '192.168.1.1', 'dev', red).stderr.trim();
  t.equal(checkGatewayOnLink(rt, ip('192.168.1.1'), R), e3, 'gateway on another device');
  const e4 = x('ip', 'route', 'add', '10.0.0.0/24', 'dev', blue).stderr.trim();
  t.equal(errMsg(() => rt.add(route({ cidr: '10.0.0.0/24', ifindex: B, dev: blue }))), e4, 'duplicate');
  const e5 = x('ip', 'route', 'del', '10.77.0.0/16').stderr.trim();
  t.equal(errMsg(() => rt.del({ dst: ip('10.77.0.0'), len: 16 })), e5, 'del missing');
  const e6 = x('ip', 'route', 'add', '10.20.0.0/8', 'dev', red).stderr.trim();
  t.equal(errMsg(() => rt.add(route({ cidr: '10.20.0.0/8' }))), e6, 'host bits');

  // Link down: the kernel flushes every IPv4 route through it.
  x('ip', 'link', 'set', red, 'down');
  rt.removeDev(R);
  t.equal(formatRoutes(rt.list()), trimLines(x('ip', 'route', 'show').stdout), 'after link down');
});

t.test('formatRoute single lines', async (t) => {
  t.equal(formatRoute(route({ cidr: '0.0.0.0/0', gateway: ip('192.168.1.1') })), 'default via 192.168.1.1 dev eth0');
  t.equal(
    formatRoute(route({ cidr: '192.168.12.0/24', dev: 'veth-red', proto: 'kernel', scope: 'link', prefsrc: ip('192.168.12.1') })),
    '192.168.12.0/24 dev veth-red proto kernel scope link src 192.168.12.1',
  );
  t.equal(formatRoute(route({ cidr: '10.0.0.0/8', gateway: ip('10.1.1.1'), metric: 100 })), '10.0.0.0/8 via 10.1.1.1 dev eth0 metric 100');
});
