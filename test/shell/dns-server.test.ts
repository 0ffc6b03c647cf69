// `wirestack-dns` in a script (src/shell/commands/dns-server.ts) and examples/primer/07-dns.sh:
// the primer's "search mycompany.com" walk-through end to end under `wirestack run`.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { runScript } from '../../src/cli/commands/run.ts';
import { Session } from '../../src/shell/session.ts';
import { Runner } from '../../src/shell/runner.ts';

const ex = (f: string) => readFileSync(new URL(`../../examples/primer/${f}`, import.meta.url), 'utf8');

t.test('07-dns: search domain, hosts before DNS, nslookup ignores /etc/hosts', async (t) => {
  const { records, exit } = await runScript(ex('07-dns.sh'));
  t.equal(exit, 0);
  const by = (re: RegExp) => records.filter((r) => re.test(r.command));
  const srv = by(/wirestack-dns/)[0]!;
  t.same([srv.exit, srv.stdout], [0, 'wirestack-dns: serving mycompany.com. on 10.0.0.53:53 (udp)\n']);
  const web = by(/ping -c 2 web$/)[0]!;
  t.equal(web.exit, 0);
  t.match(web.stdout, /^PING web \(10\.0\.0\.80\) 56\(84\) bytes of data\./);
  t.match(web.stdout, /2 packets transmitted, 2 received, 0% packet loss/);
  t.match(by(/ping -c 1 db/)[0]!.stdout, /^PING db \(10\.0\.0\.99\)/, '/etc/hosts wins over DNS');
  const ns = by(/nslookup db/)[0]!;
  t.equal(ns.exit, 0);
  t.match(ns.stdout, /Name:\tdb\.mycompany\.com\nAddress: 10\.0\.0\.81\n/, 'nslookup asks the server');
  t.equal(by(/dig \+short/)[0]!.stdout, '10.0.0.80\n');
});

t.test('wirestack-dns: usage errors, missing files, bad zones, port in use, hosts file', async (t) => {
  const s = new Session();
  const r = new Runner(s);
  await r.runText(
    [
      'wirestack-dns',
      'wirestack-dns --zone /etc/zones/none',
      'wirestack-dns --listen 1.2.3:53 --zone x',
      "cat > /etc/zones/bad.example <<'EOF'\nwww 60 IN A 10.0.0.1\nEOF",
      'wirestack-dns --zone /etc/zones/bad.example',
      "cat > /etc/dnshosts <<'EOF'\n127.0.0.1 me.lab\nEOF",
      'wirestack-dns --hosts /etc/dnshosts --listen 127.0.0.1:5353',
      'wirestack-dns --hosts /etc/dnshosts --listen 127.0.0.1:5353',
      'dig +short @127.0.0.1 -p 5353 me.lab',
    ].join('\n'),
  );
  const x = r.records;
  t.equal(x[0]!.exit, 2);
  t.match(x[0]!.stderr, /give at least one --zone or --hosts/);
  t.same([x[1]!.exit, x[1]!.stderr], [1, 'wirestack-dns: /etc/zones/none: No such file or directory\n']);
  t.equal(x[2]!.exit, 2);
  t.equal(x[4]!.exit, 1);
  t.match(x[4]!.stderr, /no SOA/);
  t.same([x[6]!.exit, x[6]!.stdout], [0, 'wirestack-dns: serving hosts on 127.0.0.1:5353 (udp)\n']);
  t.equal(x[7]!.exit, 1);
  t.match(x[7]!.stderr, /Address already in use/);
  t.equal(x[8]!.stdout, '127.0.0.1\n');
});
