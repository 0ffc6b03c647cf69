import t from 'tap';
import { parseResolvConf, formatResolvConf } from '../../src/dns/resolv-conf.ts';
import { parseNsswitchHosts, nssAction, parseNssSources } from '../../src/dns/nsswitch.ts';
import { searchCandidates, SearchWalk } from '../../src/dns/search-list.ts';

t.test('resolv.conf: defaults, limits and silently ignored errors (glibc)', async (t) => {
  const d = parseResolvConf('');
  t.same([d.nameservers, d.search, d.ndots, d.timeout, d.attempts, d.rotate, d.defaultNameserver], [['127.0.0.1'], [], 1, 5, 2, false, true]);
  const rc = parseResolvConf(
    '# comment\n; comment\nnameserver 10.0.0.1\nnameserver bogus\nnameserver 10.0.0.2 extra\nnameserver 10.0.0.3\nnameserver 10.0.0.4\n' +
      'nameserver\nsearch a.com b.com # trailing\noptions ndots:20 timeout:99 attempts:9 rotate edns0 nosuch:3\nsortlist 1.2.3.4\nfrobnicate yes\n',
  );
  t.same(rc.nameservers, ['10.0.0.1', '10.0.0.2', '10.0.0.3'], 'MAXNS 3, bad address skipped');
  t.same(rc.search, ['a.com', 'b.com']);
  t.same([rc.ndots, rc.timeout, rc.attempts, rc.rotate], [15, 30, 5, true], 'clamped to RES_MAXNDOTS/MAXRETRANS/MAXRETRY');
  t.same(rc.otherOptions, ['edns0']);
  t.same(parseResolvConf('search a b\ndomain c.org.\n').search, ['c.org'], 'domain after search wins');
  t.same(parseResolvConf('domain c.org\nsearch a b\n').search, ['a', 'b'], 'search after domain wins');
  t.same(parseResolvConf('', { hostname: 'web1.corp.example' }).search, ['corp.example'], 'hostname domain by default');
  t.same(parseResolvConf('', { hostname: 'web1' }).search, []);
  const seven = 'search d1 d2 d3 d4 d5 d6 d7\n';
  t.equal(parseResolvConf(seven).search.length, 7, 'glibc >= 2.26: no search-list limit');
  t.equal(parseResolvConf(seven, { legacySearchLimit: true }).search.length, 6, 'glibc < 2.26: 6 domains');
  t.same(parseResolvConf('options ndots:x timeout:0 attempts:0\n').ndots, 0, 'atoi of a non-number is 0');
  t.equal(formatResolvConf(parseResolvConf('search x.y\nnameserver 1.2.3.4\noptions ndots:5\n')), 'search x.y\nnameserver 1.2.3.4\noptions ndots:5\n');
});

t.test('nsswitch hosts line', async (t) => {
  t.same(parseNsswitchHosts('passwd: files\nhosts:          files dns\n').map((s) => s.name), ['files', 'dns']);
  t.same(parseNsswitchHosts('hosts: dns files # swapped\n').map((s) => s.name), ['dns', 'files']);
  const g = parseNsswitchHosts(null);
  t.same(g.map((s) => s.name), ['dns', 'files'], 'glibc default without the file');
  t.equal(nssAction(g[0]!, 'UNAVAIL'), 'continue');
  t.equal(nssAction(g[0]!, 'NOTFOUND'), 'return', '[!UNAVAIL=return]');
  const s = parseNssSources('files [NOTFOUND=return] mdns4_minimal [bogus] dns');
  t.same(s.map((x) => x.name), ['files', 'mdns4_minimal', 'dns']);
  t.equal(nssAction(s[0]!, 'NOTFOUND'), 'return');
  t.equal(nssAction(s[0]!, 'SUCCESS'), 'return');
  t.equal(nssAction(s[2]!, 'NOTFOUND'), 'continue');
  t.same(parseNsswitchHosts('hosts:\n').map((x) => x.name), ['dns', 'files'], 'empty line: default');
});

t.test('search list candidates as glibc res_search', async (t) => {
  const rc = { search: ['mycompany.com', 'corp'], ndots: 1 };
  const names = (n: string, r = rc) => searchCandidates(n, r).map((c) => c.name);
  t.same(names('web'), ['web.mycompany.com.', 'web.corp.', 'web.'], 'fewer dots than ndots: search first, as-is last');
  t.same(names('web.mycompany.com'), ['web.mycompany.com.', 'web.mycompany.com.mycompany.com.', 'web.mycompany.com.corp.'], 'ndots reached: as-is first');
  t.same(names('web.'), ['web.'], 'trailing dot: absolute only');
  const k8s = { search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5 };
  t.same(names('web-service.app', k8s), [
    'web-service.app.default.svc.cluster.local.', 'web-service.app.svc.cluster.local.', 'web-service.app.cluster.local.', 'web-service.app.',
  ], 'kubernetes ndots:5');
  t.same(names('web', { search: ['.', 'a'], ndots: 1 }), ['web.', 'web.a.'], 'root on the list replaces the final as-is try');
  t.same(names('web', { search: [], ndots: 1 }), ['web.']);
  t.same(names('a.b', { search: [], ndots: 0 }), ['a.b.']);
});

t.test('search walk stop rules and reported failure', async (t) => {
  const cands = searchCandidates('web', { search: ['a', 'b'], ndots: 1 });
  let w = new SearchWalk(cands);
  const seen: string[] = [];
  for (let c = w.next(), first = true; c; c = w.next(), first = false) {
    seen.push(c.name);
    w.record(c, c.domain === 'a' ? 'tryagain' : 'nxdomain', first);
  }
  t.same(seen, ['web.a.', 'web.'], 'a timeout ends the domain loop, the as-is try still runs');
  t.equal(w.failure(), 'nxdomain', 'the last query decides');
  w = new SearchWalk(cands);
  for (let c = w.next(), first = true; c; c = w.next(), first = false) w.record(c, c.domain === 'b' ? 'nodata' : 'nxdomain', first);
  t.equal(w.failure(), 'nodata', 'NODATA anywhere beats NXDOMAIN');
  const dotted = searchCandidates('x.y', { search: ['a'], ndots: 1 });
  w = new SearchWalk(dotted);
  for (let c = w.next(), first = true; c; c = w.next(), first = false) w.record(c, first ? 'tryagain' : 'nxdomain', first);
  t.equal(w.failure(), 'tryagain', "the initial as-is try's error wins");
});
