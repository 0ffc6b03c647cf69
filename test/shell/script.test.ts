// The script splitter: prompts, comments, continuations, quotes, lists, pipes, redirections,
// here-documents, and its syntax errors.
import t from 'tap';
import { parseScript, needsMore, ScriptSyntaxError } from '../../src/shell/script.ts';

t.test('prompts, comments, blank lines and trailing comments', async (t) => {
  const s = parseScript('# header\n\n$ ip link add a type veth peer name b   # make it\n  $ ip link\n#2. step\nip netns add red\n');
  t.same(s.map((l) => [l.line, l.text, l.commands[0]!.argv]), [
    [3, 'ip link add a type veth peer name b', ['ip', 'link', 'add', 'a', 'type', 'veth', 'peer', 'name', 'b']],
    [4, 'ip link', ['ip', 'link']],
    [6, 'ip netns add red', ['ip', 'netns', 'add', 'red']],
  ]);
});

t.test('a # inside a word or quotes is not a comment', async (t) => {
  const s = parseScript(`echo a#b "c # d" 'e#f' # gone`);
  t.same(s[0]!.commands[0]!.argv, ['echo', 'a#b', 'c # d', 'e#f']);
});

t.test('continuations, quotes and escapes', async (t) => {
  const s = parseScript('ip link add veth-red \\\n  type veth \\\n  peer name veth-blue\necho "a \\"q\\" $X" \'$Y\' c\\ d\n');
  t.same(s[0]!.commands[0]!.argv, ['ip', 'link', 'add', 'veth-red', 'type', 'veth', 'peer', 'name', 'veth-blue']);
  t.equal(s[0]!.line, 1);
  t.equal(s[1]!.line, 4);
  t.same(s[1]!.commands[0]!.argv, ['echo', 'a "q" $X', '$Y', 'c d']);
});

t.test('lists, pipes and redirections', async (t) => {
  const [l] = parseScript('false && echo no || echo yes; ip a | grep inet > /tmp/x 2>/dev/null');
  t.same(l!.commands.map((c) => [c.argv[0], c.connector, c.piped]), [
    ['false', null, false],
    ['echo', '&&', false],
    ['echo', '||', false],
    ['ip', ';', true],
    ['grep', ';', false],
  ]);
  t.same(l!.commands[4]!.redirects, [
    { fd: 1, op: '>', path: '/tmp/x' },
    { fd: 2, op: '>', path: '/dev/null' },
  ]);
  const [m] = parseScript('echo x >> /etc/hosts 2>&1');
  t.same(m!.commands[0]!.redirects, [{ fd: 1, op: '>>', path: '/etc/hosts' }, { fd: 2, op: '>&1', path: '' }]);
});

t.test('here-documents (plain, quoted, <<-) and the source kept for bash', async (t) => {
  const s = parseScript("$ cat >> /etc/hosts <<EOF\n192.168.1.10 web\n192.168.1.11 db\nEOF\ncat <<-'END'\n\tindented\n\tEND\necho after\n");
  t.equal(s.length, 3);
  t.equal(s[0]!.commands[0]!.stdin, '192.168.1.10 web\n192.168.1.11 db\n');
  t.same(s[0]!.commands[0]!.redirects, [{ fd: 1, op: '>>', path: '/etc/hosts' }]);
  t.equal(s[0]!.source, 'cat >> /etc/hosts <<EOF\n192.168.1.10 web\n192.168.1.11 db\nEOF');
  t.equal(s[1]!.commands[0]!.stdin, 'indented\n');
  t.equal(s[2]!.line, 8);
});

t.test('syntax errors carry the line', async (t) => {
  t.throws(() => parseScript('echo ok\necho "open'), { line: 2, message: 'unexpected EOF while looking for matching `"\'' });
  t.throws(() => parseScript('echo\ncat <<EOF\nno end'), { line: 2, message: "here-document delimited by end-of-file (wanted `EOF')" });
  t.throws(() => parseScript('&& echo'), { line: 1, message: "syntax error near unexpected token `&&'" });
  t.throws(() => parseScript('echo >'), { line: 1, message: "syntax error near unexpected token `newline'" });
  t.ok((() => { try { parseScript('"'); } catch (e) { return e instanceof ScriptSyntaxError; } return false; })());
  t.notOk(needsMore('echo "open'), 'quotes do not span lines: an error, not a continuation');
  t.ok(needsMore('ip link add a \\'));
  t.ok(needsMore('cat <<EOF\nx'));
  t.notOk(needsMore('ip link'));
});
