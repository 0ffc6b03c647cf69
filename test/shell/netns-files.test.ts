// Per-namespace /etc files: redirections and `< file` of `ip netns exec NS …` act on NS's copy,
// and /etc/netns/NS/FILE written from the host is NS's /etc/FILE (as `ip netns exec` bind-mounts it).
import t from 'tap';
import { Session } from '../../src/shell/session.ts';
import { Runner } from '../../src/shell/runner.ts';

async function run(script: string): Promise<{ s: Session; r: Runner }> {
  const s = new Session();
  const r = new Runner(s);
  await r.runText(script);
  return { s, r };
}

t.test('ip netns exec NS cat >> /etc/hosts and echo >> /etc/resolv.conf write NS files', async (t) => {
  const { s, r } = await run(
    'ip netns add blue\nip netns exec blue cat >> /etc/hosts <<EOF\n10.1.1.1 redhost\nEOF\n' +
      'ip netns exec blue echo "nameserver 10.1.1.1" >> /etc/resolv.conf\nip netns exec blue cat /etc/hosts\nip netns exec blue cat /etc/resolv.conf\ncat /etc/hosts\n',
  );
  const blue = s.lab.netnsOrNull('blue')!;
  t.match(s.readFile(blue, '/etc/hosts'), /10\.1\.1\.1 redhost\n$/);
  t.equal(s.readFile(blue, '/etc/resolv.conf'), 'nameserver 8.8.8.8\nnameserver 10.1.1.1\n');
  t.notMatch(s.readFile(s.root, '/etc/hosts'), /redhost/, 'the host file is untouched');
  const outs = r.records.map((x) => x.stdout);
  t.match(outs[3], /redhost/);
  t.match(outs[4], /nameserver 10\.1\.1\.1/);
  t.notMatch(outs[5], /redhost/);
});

t.test('ip netns exec NS cat < FILE reads NS file', async (t) => {
  const { r } = await run('ip netns add blue\nip netns exec blue echo hi > /tmp/x\nip netns exec blue cat < /tmp/x\ncat < /tmp/x\n');
  t.equal(r.records[2]!.stdout, 'hi\n');
  t.equal(r.records[3]!.exit, 1, 'not in the host namespace');
});

t.test('/etc/netns/NS/resolv.conf from the host sets NS resolv.conf (before or after ip netns add)', async (t) => {
  const { s, r } = await run(
    'echo "nameserver 10.9.9.9" > /etc/netns/early/resolv.conf\nip netns add early\nip netns add blue\n' +
      'echo "nameserver 10.1.1.1" > /etc/netns/blue/resolv.conf\nip netns exec blue cat /etc/resolv.conf\ncat /etc/netns/blue/resolv.conf\nip netns exec early cat /etc/resolv.conf\n',
  );
  t.equal(s.readFile(s.lab.netnsOrNull('blue')!, '/etc/resolv.conf'), 'nameserver 10.1.1.1\n');
  t.equal(r.records[4]!.stdout, 'nameserver 10.1.1.1\n');
  t.equal(r.records[5]!.stdout, 'nameserver 10.1.1.1\n');
  t.equal(r.records[6]!.stdout, 'nameserver 10.9.9.9\n');
  t.equal(s.readFile(s.root, '/etc/resolv.conf'), 'nameserver 8.8.8.8\n', 'host resolv.conf untouched');
});
