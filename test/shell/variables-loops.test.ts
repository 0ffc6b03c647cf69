// Shell variables (`NAME=VALUE`, `$NAME`, `${NAME}`, quoting, word splitting), `for` loops on one
// line and over several, export/unset, help, and the bash constructs lab scripts report as
// unsupported (status 2, naming the construct). Compared with real bash in diff-scripts.ts too.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { parseScript, needsMore, ScriptUnsupported } from '../../src/shell/script.ts';
import { runScript } from '../../src/cli/commands/run.ts';

const out = async (src: string) => (await runScript(src)).records.map((r) => r.stdout).join('');

t.test('assignments and expansion: unquoted, ${}, double and single quotes, escapes', async (t) => {
  t.equal(await out('NS=blue\necho $NS ${NS}x "$NS y" \'$NS\' \\$NS "\\$NS"\n'), 'blue bluex blue y $NS $NS $NS\n');
  t.equal(await out('A=1; echo $A; A=2 B=$A; echo $A $B\n'), '1\n2 2\n', 'expanded as each command runs, left to right');
  t.equal(await out('echo [$UNSET] ["$UNSET"] $UNSET.\n'), '[] [] .\n', 'unset is empty; an empty unquoted word disappears');
  t.equal(await out('X=old\nX=new echo $X\necho $X\n'), 'old\nold\n', 'a prefix assignment is only the command\'s environment');
});

t.test('word splitting of unquoted expansions only', async (t) => {
  const r = await runScript('X="a   b"\necho $X\necho "$X"\necho pre$X.post\nfor w in $X; do echo w=$w; done\nfor w in "$X"; do echo w=$w; done\n');
  t.same(r.records.map((x) => x.stdout), ['', 'a b\n', 'a   b\n', 'prea b.post\n', 'w=a\n', 'w=b\n', '', 'w=a b\n', '']);
  const e = await runScript('E=; echo x $E y\n');
  t.equal(e.records[1]!.stdout, 'x y\n');
});

t.test('$? and the special parameters', async (t) => {
  t.equal(await out("false; echo $? '$?' \"$?\"\n"), "1 $? 1\n");
  t.equal(await out('echo [$#] [$@] [$1]\n'), '[0] [] []\n');
});

t.test('for loops: one line, several lines, status, the variable after the loop', async (t) => {
  t.equal(await out('for NS in red blue; do echo ns $NS; done; echo after $NS\n'), 'ns red\nns blue\nafter blue\n');
  const multi = 'for d in v1 v2\ndo\n  echo dev $d\n  echo again $d\ndone\necho end\n';
  const p = parseScript(multi);
  t.equal(p.length, 2, 'the loop is one script line');
  t.equal(p[0]!.line, 1);
  t.same(p[0]!.commands[0]!.argv, ['for', 'd', 'in', 'v1', 'v2']);
  t.same(p[0]!.commands[0]!.loop!.body.map((c) => [c.argv, c.line]), [
    [['echo', 'dev', '$d'], 3],
    [['echo', 'again', '$d'], 4],
  ]);
  t.equal(p[1]!.line, 6);
  t.equal(await out(multi), 'dev v1\nagain v1\ndev v2\nagain v2\nend\n');
  t.equal(await out('for i in a b\ndo echo $i; done\n'), 'a\nb\n');
  t.equal(await out('for i in; do echo never; done; echo st $?\n'), 'st 0\n');
  t.equal(await out('for i in x; do false; done || echo failed\n'), 'failed\n');
  t.equal(await out('for i in 1 2; do for j in a b; do echo $i$j; done; done\n'), '1a\n1b\n2a\n2b\n', 'nested');
  t.ok(needsMore('for i in a b; do'), 'the interactive shell asks for the rest of a loop');
  t.notOk(needsMore('for i in a b; do echo; done'));
});

t.test('loops drive lab commands (namespaces made and listed from a variable)', async (t) => {
  const r = await runScript('for NS in red blue; do ip netns add $NS; done\nip netns list\nfor NS in red blue; do ip -n $NS link show lo | head -1; done\n');
  t.equal(r.exit, 0);
  const lines = r.records.map((x) => x.stdout).join('');
  t.match(lines, /^blue\nred\n/);
  t.equal(lines.split('\n').filter((l) => /^1: lo:/.test(l)).length, 2);
});

t.test('set -e stops inside a loop; exit ends the loop and the script', async (t) => {
  const r = await runScript('set -e\nfor i in 1 2; do echo $i; false; done\necho never\n');
  t.equal(r.exit, 1);
  t.equal(r.records.map((x) => x.stdout).join(''), '1\n');
  const x = await runScript('for i in 1 2 3; do echo $i; exit 4; done\necho never\n');
  t.equal(x.exit, 4);
  t.equal(x.records.map((y) => y.stdout).join(''), '1\n');
});

t.test('redirections and here-documents expand variables', async (t) => {
  t.equal(await out('F=/tmp/x; echo hi > $F; cat "$F"\nH=web; cat <<EOF\n10.0.0.1 $H \\$H ${H}1\nEOF\ncat <<\'EOF\'\n$H\nEOF\n'), 'hi\n10.0.0.1 web $H web1\n$H\n');
  const r = await runScript('F="/tmp/a b"; echo x > $F\n');
  t.equal(r.records[1]!.exit, 1);
  t.match(r.records[1]!.stderr, /: \$F: ambiguous redirect\n$/);
});

t.test('export and unset', async (t) => {
  t.equal(await out('export A=1 B="2 3" C\necho $A $B [$C]\nexport\nunset A; echo [$A]\n'), '1 2 3 []\ndeclare -x A="1"\ndeclare -x B="2 3"\ndeclare -x C\n[]\n');
  const bad = await runScript('export 1x=2\n');
  t.equal(bad.exit, 1);
  t.equal(bad.records[0]!.stderr, "export: `1x=2': not a valid identifier\n");
  t.equal(await out('V="a  b"; export W=$V; echo "$W"\n'), 'a  b\n', 'an export assignment is not split');
});

t.test('help lists the commands; help NAME; unknown topic as bash says', async (t) => {
  const r = await runScript('help\n');
  t.equal(r.exit, 0);
  for (const n of ['ip', 'ping', 'echo', 'export', 'help', 'for NAME in WORDS'] as const) t.match(r.records[0]!.stdout, n);
  t.match(await out('help ping\n'), /^ {2}ping +\S/);
  const bad = await runScript('help nope\n');
  t.equal(bad.exit, 1);
  t.equal(bad.records[0]!.stderr, "help: no help topics match `nope'.  Try `help help' or `man -k nope' or `info nope'.\n");
});

t.test('unsupported constructs: status 2, the construct named, lines before them run', async (t) => {
  const cases: [string, string][] = [
    ['while true; do echo; done', "`while' loop is not supported in lab scripts"],
    ['until false; do :; done', "`until' loop is not supported in lab scripts"],
    ['if true; then echo; fi', "`if' is not supported in lab scripts"],
    ['case x in x) echo;; esac', "`case' is not supported in lab scripts"],
    ['echo $(hostname)', 'command substitution `$(…)\' is not supported in lab scripts'],
    ['echo "$(hostname -s)"', 'command substitution `$(…)\' is not supported in lab scripts'],
    ['echo `hostname`', 'command substitution (`…`) is not supported in lab scripts'],
    ['echo $((1 + 2))', 'arithmetic expansion `$((…))\' is not supported in lab scripts'],
    ['echo ${X:-default}', "parameter expansion `${X:-default}' is not supported in lab scripts"],
    ['for i in a; do break; done', "`break' is not supported in lab scripts"],
  ];
  for (const [src, msg] of cases) {
    t.throws(() => parseScript(src), { line: 1, message: msg }, src);
    t.ok((() => { try { parseScript(src); } catch (e) { return e instanceof ScriptUnsupported; } return false; })(), `${src}: ScriptUnsupported`);
    const r = await runScript(`echo before\n${src}\necho after\n`);
    t.equal(r.exit, 2, src);
    t.same(r.records.map((x) => x.stdout), ['before\n', ''], `${src}: stops there`);
    t.equal(r.records[1]!.stderr, `wirestack: line 2: ${msg}\n`, src);
  }
  t.equal(await out("echo '$(not run)' '`x`' '${X:-y}'\n"), '$(not run) `x` ${X:-y}\n', 'single quotes keep them literal');
});

t.test('loop syntax errors', async (t) => {
  t.throws(() => parseScript('for 1x in a; do echo; done'), { line: 1, message: "`1x': not a valid identifier" });
  t.throws(() => parseScript('echo a\nfor i in a b\ndo\n  echo $i\n'), { line: 2, commandLine: 2, message: 'syntax error: unexpected end of file' });
  t.throws(() => parseScript('done'), { message: "syntax error near unexpected token `done'" });
  t.throws(() => parseScript('for i in a; do done'), { message: "syntax error near unexpected token `done'" });
  t.throws(() => parseScript('for i in a; do echo; done | grep x'), { message: "`|' after a `for' loop's `done' is not supported in lab scripts" });
  t.throws(() => parseScript('echo x | for i in a; do echo; done'), { message: "a pipe into a `for' loop is not supported in lab scripts" });
  // an error inside a multi-line loop: the lines before the loop run, the error names its own line
  const r = await runScript('echo before\nfor i in a\ndo\n  while true; do :; done\ndone\n');
  t.same(r.records.map((x) => x.stdout), ['before\n', '']);
  t.equal(r.records[1]!.stderr, "wirestack: line 4: `while' loop is not supported in lab scripts\n");
});

t.test('piped shell: a loop over several input lines runs once complete; errors name the body line', async (t) => {
  const input = 'X=1\necho start\nfor i in a b\ndo\n  echo $i$X\n  bogus\ndone\necho $(x)\necho end\n';
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL('../../src/cli/bin.ts', import.meta.url).pathname, 'shell'], { input, encoding: 'utf8', timeout: 30000 });
  t.equal(r.stdout, 'start\na1\nb1\nend\n');
  t.equal(r.stderr, 'wirestack: line 6: bogus: command not found\n'.repeat(2) + "wirestack: line 8: command substitution `$(…)' is not supported in lab scripts\n");
  t.equal(r.status, 0, 'the shell goes on after an unsupported line, as after a syntax error');
});
