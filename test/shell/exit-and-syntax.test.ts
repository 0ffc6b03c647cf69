// `exit N` (bash semantics), a piped `wirestack shell` (no prompts, real line numbers), and a
// syntax error on the last line failing that line only (the lines before it run, as in bash).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { runScript } from '../../src/cli/commands/run.ts';

t.test('exit N stops the script with status N', async (t) => {
  const r = await runScript('echo one\nexit 3\necho two\n');
  t.equal(r.exit, 3);
  t.same(r.records.map((x) => x.command), ['echo one', 'exit 3']);
  const z = await runScript('echo one; exit 0; echo two\necho three\n');
  t.equal(z.exit, 0);
  t.same(z.records.map((x) => x.stdout), ['one\n', '']);
  const last = await runScript('false\nexit\n');
  t.equal(last.exit, 1, 'bare exit keeps the last status');
  const big = await runScript('exit 258\n');
  t.equal(big.exit, 2, 'modulo 256');
  const bad = await runScript('exit abc\necho no\n');
  t.equal(bad.exit, 2);
  t.equal(bad.records[0]!.stderr, 'exit: abc: numeric argument required\n');
});

t.test('an unterminated quote on the last line fails that line only', async (t) => {
  const r = await runScript('echo one\necho two\necho "three\n', { progName: 's1.sh' });
  t.same(r.records.map((x) => x.stdout), ['one\n', 'two\n', '']);
  t.equal(r.records[2]!.stderr, 's1.sh: line 3: unexpected EOF while looking for matching `"\'\n');
  t.equal(r.exit, 2);
});

t.test('piped shell: no prompts, real line numbers, exit N', async (t) => {
  const input = 'ip netns add red\nip netns add red\nbogus\necho "a\necho ok\nexit 3\necho never\n';
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL('../../src/cli/bin.ts', import.meta.url).pathname, 'shell'], { input, encoding: 'utf8', timeout: 30000 });
  t.equal(r.stdout, 'ok\n', 'no wirestack$ prompts');
  t.match(r.stderr, /wirestack: line 3: bogus: command not found/);
  t.match(r.stderr, /wirestack: line 4: unexpected EOF while looking for matching `"'/);
  t.equal(r.status, 3);
});
