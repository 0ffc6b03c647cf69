// `wirestack shell`: completion from lab state, and a piped (non-TTY) session end to end.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { complete } from '../../src/cli/commands/shell.ts';
import { Session } from '../../src/shell/session.ts';
import { Runner } from '../../src/shell/runner.ts';

t.test('completion: commands, ip objects, namespaces, devices', async (t) => {
  const s = new Session();
  await new Runner(s).runText('ip netns add red\nip netns add blue\nip link add veth-red type veth peer name veth-blue\n');
  t.same(complete(s, 'pi')[0], ['ping']);
  t.same(complete(s, 'ip ro')[0], ['route']);
  t.same(complete(s, 'ip -n r')[0], ['red']);
  t.same(complete(s, 'ip link set veth-b')[0], ['veth-blue']);
  t.same(complete(s, 'ip netns exec red pi')[0], ['ping']);
});

t.test('a piped session runs commands, here-documents and bounded pings', async (t) => {
  const input = 'ip addr add 10.0.0.1/24 dev lo\ncat >> /etc/hosts <<EOF\n10.0.0.1 me\nEOF\nping me\nlp\nexit\n';
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL('../../src/cli/bin.ts', import.meta.url).pathname, 'shell'], { input, encoding: 'utf8', timeout: 30000 });
  t.match(r.stdout, /PING me \(10\.0\.0\.1\) 56\(84\) bytes of data\./);
  t.match(r.stdout, /4 packets transmitted, 4 received, 0% packet loss/);
  t.match(r.stderr, /lp: command not found/);
  t.equal(r.status, 127, 'exit status of the last command');
});
