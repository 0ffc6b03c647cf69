// The stub resolver inside the lab: a client namespace resolving through an authoritative
// DnsServer on a lab UDP socket, on the virtual clock.
import t from 'tap';
import { Lab } from '../../src/lab/lab.ts';
import { DnsServer } from '../../src/dns/server.ts';
import { ZonePlugin } from '../../src/dns/plugins.ts';
import { Zone } from '../../src/dns/zone.ts';
import { parseZoneFile } from '../../src/dns/zone-file.ts';
import { labResolver, runToCompletion, serveDns } from '../../src/dns/lab-server.ts';
import { DnsType } from '../../src/dns/types.ts';
import type { ResolveResult } from '../../src/dns/stub-resolver.ts';
import { ZONE } from './fixtures/mycompany-zone.ts';


/** client (10.0.0.10) and dns (10.0.0.53) on one veth pair. */
export function dnsLab(seed = 7): { lab: Lab; files: Map<string, string> } {
  const lab = new Lab({ seed });
  const c = lab.addNetns('client');
  const d = lab.addNetns('dns');
  lab.root.linkAddVeth('c0', 'd0');
  lab.root.linkSet('c0', { netns: 'client' });
  lab.root.linkSet('d0', { netns: 'dns' });
  c.addrAdd('c0', '10.0.0.10/24');
  d.addrAdd('d0', '10.0.0.53/24');
  c.linkSet('c0', { up: true });
  d.linkSet('d0', { up: true });
  const z = parseZoneFile(ZONE);
  serveDns(d, '0.0.0.0', 53, new DnsServer([new ZonePlugin([new Zone(z.origin, z.records)])]));
  const files = new Map([
    ['/etc/resolv.conf', 'search mycompany.com\nnameserver 10.0.0.53\n'],
    ['/etc/hosts', '127.0.0.1 localhost\n10.0.0.99 db\n'],
    ['/etc/nsswitch.conf', 'hosts: files dns\n'],
  ]);
  return { lab, files };
}

function resolver(lab: Lab, files: Map<string, string>, cache = true) {
  return labResolver(lab.netns('client'), {
    resolvConf: () => files.get('/etc/resolv.conf') ?? null,
    hosts: () => files.get('/etc/hosts') ?? null,
    nsswitch: () => files.get('/etc/nsswitch.conf') ?? null,
  }, { cache });
}

function resolve(lab: Lab, r: ReturnType<typeof resolver>, name: string): ResolveResult {
  return runToCompletion<ResolveResult>(lab, (done) => r.resolve(name, DnsType.A, done))!;
}

t.test('primer: search mycompany.com turns web into web.mycompany.com', async (t) => {
  const { lab, files } = dnsLab();
  const r = resolver(lab, files);
  const res = resolve(lab, r, 'web');
  t.same(res, { addresses: ['10.0.0.5'], canonName: 'web.mycompany.com', source: 'dns', error: null });
  t.same(r.log.map((q) => q.name), ['web.mycompany.com.'], 'one query, the search domain first (0 dots < ndots 1)');
  // a name with a dot is tried as given first: web.mycompany.com. answers at once
  r.log.length = 0;
  r.cache.clear();
  t.same(resolve(lab, r, 'web.mycompany.com').addresses, ['10.0.0.5']);
  t.same(r.log.map((q) => q.name), ['web.mycompany.com.']);
  // CNAME followed to the canonical name
  const w = resolve(lab, r, 'www');
  t.same([w.addresses, w.canonName], [['10.0.0.5'], 'web.mycompany.com']);
});

t.test('hosts before DNS, and the nsswitch swap', async (t) => {
  const { lab, files } = dnsLab();
  files.set('/etc/hosts', '127.0.0.1 localhost\n192.168.1.5 web\n');
  const r = resolver(lab, files);
  t.same(resolve(lab, r, 'web'), { addresses: ['192.168.1.5'], canonName: 'web', source: 'files', error: null });
  t.equal(r.log.length, 0, 'files answered: no DNS query');
  files.set('/etc/nsswitch.conf', 'hosts: dns files\n');
  t.same(resolve(lab, r, 'web'), { addresses: ['10.0.0.5'], canonName: 'web.mycompany.com', source: 'dns', error: null });
  // dns first but a name DNS does not know still falls through to files
  files.set('/etc/hosts', '10.0.0.99 db\n');
  t.same(resolve(lab, r, 'db').addresses, ['10.0.0.99']);
  t.equal(resolve(lab, r, 'db').source, 'files');
  // [NOTFOUND=return] after dns: NXDOMAIN everywhere stops before files…
  files.set('/etc/nsswitch.conf', 'hosts: dns [NOTFOUND=return] files\n');
  files.set('/etc/hosts', '10.0.0.99 db gone.mycompany.com\n');
  t.same(resolve(lab, r, 'gone.mycompany.com'), { addresses: [], canonName: null, source: null, error: 'EAI_NONAME' });
  // …but TRY_AGAIN (db. was REFUSED after db.mycompany.com's NXDOMAIN) is not NOTFOUND: files runs
  t.equal(resolve(lab, r, 'db').source, 'files');
});

t.test('neither source knows the name', async (t) => {
  const { lab, files } = dnsLab();
  const r = resolver(lab, files);
  // nosuch.mycompany.com is NXDOMAIN; then "nosuch." goes to a server that REFUSES names
  // outside its zones: glibc's res_search reports the last query's h_errno, TRY_AGAIN
  const res = resolve(lab, r, 'nosuch');
  t.equal(res.error, 'EAI_AGAIN');
  t.same(r.log.map((q) => `${q.name} ${q.outcome}`), ['nosuch.mycompany.com. nxdomain', 'nosuch. tryagain']);
  // a name inside the zone with 1 dot: as-is first (NXDOMAIN), then the search domain (NXDOMAIN)
  r.log.length = 0;
  t.equal(resolve(lab, r, 'nosuch.mycompany.com').error, 'EAI_NONAME');
  t.same(r.log.map((q) => q.name), ['nosuch.mycompany.com.', 'nosuch.mycompany.com.mycompany.com.']);
  // NODATA: mail.mycompany.com exists with only an MX record
  t.equal(resolve(lab, r, 'mail.mycompany.com.').error, 'EAI_NODATA');
});

t.test('negative and positive caching on the lab clock', async (t) => {
  const { lab, files } = dnsLab();
  const r = resolver(lab, files);
  resolve(lab, r, 'nosuch.mycompany.com.');
  resolve(lab, r, 'nosuch.mycompany.com.');
  t.same(r.log.map((q) => q.via), ['network', 'cache'], 'NXDOMAIN cached (SOA minimum 60 s)');
  lab.runFor(61_000);
  resolve(lab, r, 'nosuch.mycompany.com.');
  t.equal(r.log[2]!.via, 'network', 'expired after min(SOA TTL, MINIMUM) = 60 s');
  r.log.length = 0;
  resolve(lab, r, 'web.mycompany.com.');
  lab.runFor(299_000);
  resolve(lab, r, 'web.mycompany.com.');
  lab.runFor(2_000);
  resolve(lab, r, 'web.mycompany.com.');
  t.same(r.log.map((q) => q.via), ['network', 'cache', 'network'], 'A cached for its TTL (300 s)');
});

t.test('unreachable nameservers: glibc timeouts and attempts on the lab clock', async (t) => {
  const { lab, files } = dnsLab();
  // two silent servers on the link (nobody owns .54/.55: ARP fails, the datagrams vanish)
  files.set('/etc/resolv.conf', 'nameserver 10.0.0.54\nnameserver 10.0.0.55\noptions timeout:2 attempts:2\n');
  const r = resolver(lab, files);
  const t0 = lab.now;
  const res = resolve(lab, r, 'web.mycompany.com.');
  t.equal(res.error, 'EAI_AGAIN');
  // per attempt: server 0 waits 2 s, server 1 waits (2<<1)/2 = 2 s; two attempts → 8 s
  t.equal((lab.now - t0) / 1e9, 8);
  // the first server answers when it is reachable again
  files.set('/etc/resolv.conf', 'nameserver 10.0.0.54\nnameserver 10.0.0.53\noptions timeout:3 attempts:1\n');
  const t1 = lab.now;
  t.same(resolve(lab, r, 'web.mycompany.com.').addresses, ['10.0.0.5']);
  const took = (lab.now - t1) / 1e9;
  t.ok(took >= 3 && took < 3.01, `fell over to the second server after 3 s (${took})`);
});
