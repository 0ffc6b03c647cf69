// glibc's own resolver (getent / getaddrinfo in a throwaway netns, with /etc/netns/NAME/resolv.conf
// bind-mounted by `ip netns exec`) against our search-list expansion: our server logs which
// names glibc queried, and the order must equal searchCandidates() walked by SearchWalk.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { needPeer, uniqueName } from '../helpers/peers.ts';
import { ZONE } from './fixtures/mycompany-zone.ts';
import { searchCandidates, SearchWalk } from '../../src/dns/search-list.ts';
import { parseResolvConf } from '../../src/dns/resolv-conf.ts';

const SERVER = `
import { DnsServer, PluginResult } from '${process.cwd()}/src/dns/server.ts';
import { ZonePlugin } from '${process.cwd()}/src/dns/plugins.ts';
import { Zone } from '${process.cwd()}/src/dns/zone.ts';
import { parseZoneFile } from '${process.cwd()}/src/dns/zone-file.ts';
import { startUdpDnsServer } from '${process.cwd()}/src/dns/udp-server.ts';
const z = parseZoneFile(${JSON.stringify(ZONE)});
const log = { name: 'log', serve(q) { if (q.type === 1) console.log('Q ' + q.nameText()); return PluginResult.NEXT; } };
startUdpDnsServer(new DnsServer([log, new ZonePlugin([new Zone(z.origin, z.records)])]), '127.0.0.1', 53).then(() => console.log('READY'));
`;

t.test('glibc res_search order equals ours', async (t) => {
  if (!needPeer(t, 'netns')) return;
  const ns = uniqueName('wsdns');
  const etc = `/etc/netns/${ns}`;
  spawnSync('ip', ['netns', 'add', ns]);
  t.teardown(() => { spawnSync('ip', ['netns', 'del', ns]); rmSync(etc, { recursive: true, force: true }); });
  spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  // getaddrinfo's AI_ADDRCONFIG wants a non-loopback IPv4 address before it asks for A records
  spawnSync('ip', ['-n', ns, 'link', 'add', 'wsa', 'type', 'veth', 'peer', 'name', 'wsb']);
  spawnSync('ip', ['-n', ns, 'addr', 'add', '10.99.0.1/24', 'dev', 'wsa']);
  spawnSync('ip', ['-n', ns, 'link', 'set', 'wsa', 'up']);
  spawnSync('ip', ['-n', ns, 'link', 'set', 'wsb', 'up']);
  mkdirSync(etc, { recursive: true });
  writeFileSync(`${etc}/hosts`, '127.0.0.1 localhost\n');
  writeFileSync(`${etc}/nsswitch.conf`, 'hosts: files dns\n');
  writeFileSync(`/tmp/${ns}-srv.mts`, SERVER);
  const srv = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', `/tmp/${ns}-srv.mts`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { srv.kill(); rmSync(`/tmp/${ns}-srv.mts`, { force: true }); });
  let out = '';
  srv.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 100 && !out.includes('READY'); i++) await new Promise((r) => setTimeout(r, 100));
  t.ok(out.includes('READY'), 'server up inside the namespace');

  const cases: [string, string][] = [
    ['search mycompany.com\nnameserver 127.0.0.1\n', 'web'],
    ['search mycompany.com\nnameserver 127.0.0.1\n', 'nosuch'],
    ['search mycompany.com\nnameserver 127.0.0.1\n', 'web.mycompany.com'],
    ['search mycompany.com\nnameserver 127.0.0.1\n', 'x.y'],
    ['search mycompany.com\nnameserver 127.0.0.1\n', 'web.'],
    ['search a.test mycompany.com\nnameserver 127.0.0.1\noptions ndots:3\n', 'web.mycompany.com'],
    ['search d1 d2 d3 d4 d5 d6 mycompany.com\nnameserver 127.0.0.1\n', 'web'],
  ];
  for (const [conf, name] of cases) {
    writeFileSync(`${etc}/resolv.conf`, conf);
    out = '';
    const g = spawnSync('ip', ['netns', 'exec', ns, 'getent', 'ahostsv4', name], { encoding: 'utf8', timeout: 20000 });
    await new Promise((r) => setTimeout(r, 500));
    const glibc = out.split('\n').filter((l) => l.startsWith('Q ')).map((l) => l.slice(2))
      // glibc re-sends a REFUSED query once per attempt (res_send moves on to the "next" server): one entry per name
      .filter((n, i, a) => i === 0 || a[i - 1] !== n);
    // our walk, with the outcomes the server gives: answer for names in the zone with A, NXDOMAIN inside, REFUSED outside
    const ours: string[] = [];
    const w = new SearchWalk(searchCandidates(name, parseResolvConf(conf)));
    let first = true;
    for (let c = w.next(); c; c = w.next()) {
      ours.push(c.name);
      const n = c.name.toLowerCase();
      const o = n === 'web.mycompany.com.' ? 'answer' : n.endsWith('mycompany.com.') ? 'nxdomain' : 'tryagain';
      w.record(c, o, first);
      first = false;
    }
    t.same(glibc, ours, `${JSON.stringify(conf)} ${name} (getent exit ${g.status})`);
    t.equal(g.status === 0, w.answered, `${name}: resolved iff our walk answered`);
  }
});
