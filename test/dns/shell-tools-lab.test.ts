// dig / nslookup / host and getaddrinfo-style resolution through the lab shell: the primer's
// "search mycompany.com" example, hosts before DNS and the nsswitch swap, nslookup ignoring
// /etc/hosts, failures, and an unreachable nameserver timing out on the lab clock.
import t from 'tap';
import { Session } from '../../src/shell/session.ts';
import { Runner } from '../../src/shell/runner.ts';
import { DnsServer } from '../../src/dns/server.ts';
import { ZonePlugin } from '../../src/dns/plugins.ts';
import { Zone } from '../../src/dns/zone.ts';
import { parseZoneFile } from '../../src/dns/zone-file.ts';
import { serveDns } from '../../src/dns/lab-server.ts';
import { resolveHost } from '../../src/shell/commands/dns-resolve.ts';
import type { Ctx } from '../../src/shell/command.ts';
import { ZONE } from './fixtures/mycompany-zone.ts';

const SETUP = `
ip netns add client
ip netns add dns
ip link add c0 type veth peer name d0
ip link set c0 netns client
ip link set d0 netns dns
ip -n client addr add 10.0.0.10/24 dev c0
ip -n dns addr add 10.0.0.53/24 dev d0
ip -n client link set c0 up
ip -n dns link set d0 up
`;

async function lab() {
  const session = new Session({ seed: 3 });
  const runner = new Runner(session);
  await runner.runText(SETUP);
  t.equal(runner.records.filter((r) => r.exit !== 0).length, 0, 'setup ran');
  const z = parseZoneFile(ZONE);
  serveDns(session.lab.netns('dns'), '0.0.0.0', 53, new DnsServer([new ZonePlugin([new Zone(z.origin, z.records)])]));
  const client = session.lab.netns('client');
  session.writeFile(client, '/etc/resolv.conf', 'search mycompany.com\nnameserver 10.0.0.53\n', false);
  const sh = async (cmd: string) => {
    runner.records.length = 0;
    await runner.runText(`ip netns exec client ${cmd}`);
    const r = runner.records[0]!;
    return { out: r.stdout, err: r.stderr, exit: r.exit };
  };
  const ctx = { session, ns: client } as unknown as Ctx;
  return { session, client, sh, ctx };
}

t.test('dig in the lab', async (t) => {
  const { sh } = await lab();
  const d = await sh('dig web.mycompany.com');
  t.equal(d.exit, 0);
  t.match(d.out, /^;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: \d+$/m);
  t.match(d.out, /^;; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1$/m);
  t.match(d.out, /^web\.mycompany\.com\.\t300\tIN\tA\t10\.0\.0\.5$/m);
  t.match(d.out, /^;; SERVER: 10\.0\.0\.53#53\(10\.0\.0\.53\) \(UDP\)$/m);
  t.match(d.out, /^;; Query time: 0 msec$/m, 'two veth hops of 10 µs round to 0 ms');
  t.equal((await sh('dig +short web')).out, '', 'dig does not search by default: web. is REFUSED');
  t.equal((await sh('dig +short +search web')).out, '10.0.0.5\n');
  t.equal((await sh('dig @10.0.0.53 +short www.mycompany.com')).out, 'web.mycompany.com.\n10.0.0.5\n');
  t.match((await sh('dig -t MX mail.mycompany.com +norecurse')).out, /flags: qr aa;.*\n[\s\S]*mail\.mycompany\.com\.\t300\tIN\tMX\t10 web\.mycompany\.com\./);
  const tcp = await sh('dig +tcp web.mycompany.com');
  t.equal(tcp.exit, 1);
  t.match(tcp.err, /not supported/);
});

t.test('nslookup skips /etc/hosts; getaddrinfo does not', async (t) => {
  const { session, client, sh, ctx } = await lab();
  session.writeFile(client, '/etc/hosts', '192.168.1.5 web\n10.1.1.1 db\n', true);
  t.same(resolveHost(ctx, 'web'), { ip: '192.168.1.5', canon: 'web' }, 'files first (hosts: files dns)');
  const n = await sh('nslookup web');
  t.equal(n.out, 'Server:\t\t10.0.0.53\nAddress:\t10.0.0.53#53\n\nName:\tweb.mycompany.com\nAddress: 10.0.0.5\n\n');
  t.equal(n.exit, 0);
  const db = await sh('nslookup db');
  t.equal(db.exit, 1);
  t.match(db.out, /\*\* server can't find db: REFUSED/, 'db.mycompany.com NXDOMAIN, then db. REFUSED by an authoritative-only server');
  t.same(resolveHost(ctx, 'db'), { ip: '10.1.1.1', canon: 'db' });
  session.writeFile(client, '/etc/nsswitch.conf', 'hosts: dns files\n', false);
  t.same(resolveHost(ctx, 'web'), { ip: '10.0.0.5', canon: 'web.mycompany.com' }, 'dns first after the swap');
  const h = await sh('host web');
  t.equal(h.out, 'web.mycompany.com has address 10.0.0.5\n', 'A found; AAAA and MX are NODATA and print nothing');
  const hx = await sh('host nosuch.mycompany.com.');
  t.equal([hx.out, hx.exit].join('|'), 'Host nosuch.mycompany.com not found: 3(NXDOMAIN)\n|1');
});

t.test('resolution failures and an unreachable nameserver', async (t) => {
  const { session, client, ctx } = await lab();
  t.same(resolveHost(ctx, 'nosuch.mycompany.com'), { error: 'Name or service not known', result: { addresses: [], canonName: null, source: null, error: 'EAI_NONAME' } });
  const r = resolveHost(ctx, 'nosuch');
  t.equal('error' in r && r.error, 'Temporary failure in name resolution', 'the final "nosuch." try is REFUSED: TRY_AGAIN, as glibc reports');
  session.writeFile(client, '/etc/resolv.conf', 'nameserver 10.0.0.99\noptions timeout:1 attempts:3\n', false);
  const t0 = session.lab.now;
  const u = resolveHost(ctx, 'web.mycompany.com');
  t.equal('error' in u && u.error, 'Temporary failure in name resolution');
  t.equal((session.lab.now - t0) / 1e9, 3, '3 attempts × 1 s on the lab clock');
});
