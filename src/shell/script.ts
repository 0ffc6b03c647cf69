// Shell-script splitting for `wirestack run` and `wirestack shell`: enough of bash's grammar to run
// the primer's code blocks unchanged. Handles `$ ` prompts (as pasted from a page), blank lines,
// `#` comments (only at the start of a word, as bash treats them), `\` line continuations, single
// and double quotes, backslash escapes, `;` `&&` `||` lists, redirections (`>`, `>>`, `<`, `2>`,
// `2>>`, `2>&1`, `&>`) and here-documents (`<<EOF`, `<<'EOF'`, `<<-EOF`). `argv` keeps the words
// with quotes removed but `$X` literal; `words` keeps their quoting so the runner expands `$NAME`,
// `${NAME}` and `$?` when the command runs (bash expands as it executes: `X=1; echo $X` sees 1).
// Also `NAME=VALUE` assignments and `for NAME in WORDS; do …; done` loops (one line or several).
// Constructs the runner cannot execute (`while`, `if`, `$(…)`, …) are ScriptUnsupported errors.

export interface Redirect {
  fd: 1 | 2;
  op: '>' | '>>' | '>&1';
  path: string;
}

export interface SimpleCommand {
  argv: string[];
  redirects: Redirect[];
  /** Text fed to standard input: a here-document body or `< FILE` (then `stdinFile`). */
  stdin: string | null;
  stdinFile: string | null;
  /** How this command joins the previous one in its list. */
  connector: ';' | '&&' | '||' | null;
  /** Set when the command is part of a pipeline (not supported by the runner: reported). */
  piped: boolean;
  /** 1-based line where this command starts (a loop body spans several lines). */
  line?: number;
  /** The argv words with their quoting, for expansion at run time (parallel to argv). */
  words?: Word[];
  /** `NAME=VALUE` words before the command (the whole command when argv is empty). */
  assigns?: { name: string; value: Word }[];
  /** Redirection targets with quoting (parallel to redirects; null for `2>&1`). */
  redirectWords?: (Word | null)[];
  stdinFileWord?: Word | null;
  /** A here-document with an unquoted delimiter: `$NAME` in its body is expanded. */
  stdinExpand?: boolean;
  /** `for NAME in WORDS; do BODY; done`: argv is ['for', NAME, 'in', …WORDS]. */
  loop?: ForLoop;
}

/** A piece of a word: q 0 unquoted (expanded and split), 1 literal (single quotes or `\x`), 2 double-quoted (expanded, not split). */
export interface WordPart {
  text: string;
  q: 0 | 1 | 2;
}
export type Word = WordPart[];

export interface ForLoop {
  name: string;
  items: Word[];
  body: SimpleCommand[];
}

export interface ScriptLine {
  /** 1-based line number where the command starts. */
  line: number;
  /** The command as written (prompt and trailing comment removed, continuations joined). */
  text: string;
  /** Source text bash needs to run it: the text plus any here-document bodies. */
  source: string;
  commands: SimpleCommand[];
}

export class ScriptSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
  /** First line of the command that holds the error (a `for` loop's first line). */
  commandLine?: number;
}

/** A construct bash has but lab scripts do not run (reported like a syntax error, status 2). */
export class ScriptUnsupported extends ScriptSyntaxError {
  constructor(line: number, construct: string) {
    super(line, `${construct} is not supported in lab scripts`);
  }
}

/** Keywords that open compound commands the runner does not execute. */
const UNSUPPORTED_KEYWORDS: Record<string, string> = {
  while: '`while\' loop',
  until: '`until\' loop',
  if: '`if\'',
  case: '`case\'',
  select: '`select\'',
  function: '`function\'',
  '[[': '`[[ … ]]\'',
  '((': '`(( … ))\'',
  '{': 'a `{ …; }\' group',
  break: '`break\'',
  continue: '`continue\'',
};
/** Reserved words that are a syntax error where a command should start (bash's wording). */
const STRAY_KEYWORDS = new Set(['do', 'done', 'then', 'else', 'elif', 'fi', 'esac', 'in', '}']);

/**
 * Checks the `$` uses in unquoted or double-quoted text: `$NAME`, `${NAME}`, `$?`, `$#`, `$0`-`$9`,
 * `$@`, `$*` are expanded; command substitution, arithmetic and `${X:-y}` forms are reported.
 */
function checkDollars(text: string, line: number): void {
  for (let i = text.indexOf('$'); i >= 0; i = text.indexOf('$', i + 1)) {
    const r = text.slice(i + 1);
    if (r.startsWith('((')) throw new ScriptUnsupported(line, 'arithmetic expansion `$((…))\'');
    if (r.startsWith('(')) throw new ScriptUnsupported(line, 'command substitution `$(…)\'');
    if (r.startsWith('{') && !/^\{([A-Za-z_][A-Za-z0-9_]*|[?#@*0-9])\}/.test(r)) {
      const m = /^\{[^}]*\}?/.exec(r)![0];
      throw new ScriptUnsupported(line, `parameter expansion \`$${m}'`);
    }
    if (r.startsWith('$') || r.startsWith('!')) throw new ScriptUnsupported(line, `\`$${r[0]}'`);
  }
}

const PROMPT = /^\s*\$\s/;

interface Tok {
  word?: string;
  parts?: Word;
  op?: string;
  /** here-doc: delimiter, whether quoted, whether `<<-`. */
  heredoc?: { delim: string; strip: boolean; quoted: boolean };
}

/** Splits one logical line into words and operators (quotes removed). */
function tokenize(s: string, line: number): { toks: Tok[]; text: string } {
  const toks: Tok[] = [];
  let i = 0;
  let cur: string | null = null;
  let parts: Word = [];
  let commentAt = s.length;
  const add = (text: string, q: 0 | 1 | 2) => {
    cur = (cur ?? '') + text;
    const last = parts[parts.length - 1];
    if (last && last.q === q) last.text += text;
    else parts.push({ text, q });
  };
  const flush = () => {
    if (cur !== null) {
      for (const p of parts) if (p.q !== 1) checkDollars(p.text, line);
      toks.push({ word: cur, parts });
    }
    cur = null;
    parts = [];
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') {
      flush();
      i++;
      continue;
    }
    if (c === '#' && cur === null) {
      commentAt = i;
      break;
    }
    if (c === "'") {
      const j = s.indexOf("'", i + 1);
      if (j < 0) throw new ScriptSyntaxError(line, "unexpected EOF while looking for matching `''");
      add(s.slice(i + 1, j), 1);
      i = j + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      add('', 2); // "" is an (empty) word of its own
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`'.includes(s[j + 1]!)) {
          add(s[j + 1]!, 1);
          j += 2;
        } else {
          if (s[j] === '`') throw new ScriptUnsupported(line, 'command substitution (`…`)');
          add(s[j++]!, 2);
        }
      }
      if (j >= s.length) throw new ScriptSyntaxError(line, 'unexpected EOF while looking for matching `"\'');
      i = j + 1;
      continue;
    }
    if (c === '\\') {
      add(s[i + 1] ?? '', 1);
      i += 2;
      continue;
    }
    if (c === '`') throw new ScriptUnsupported(line, 'command substitution (`…`)');
    // operators (a leading fd digit belongs to the operator only when it starts a word)
    const rest = s.slice(i);
    const fdOp = cur === '2' || cur === '1' ? /^(>>|>&1|>)/.exec(rest) : null;
    if (fdOp) {
      const fd = cur;
      cur = null;
      parts = [];
      toks.push({ op: `${fd}${fdOp[1]}` });
      i += fdOp[1]!.length;
      continue;
    }
    const m = /^(&&|\|\||;;|;|\||&>>|&>|<<-|<<|>>|>|<|&)/.exec(rest);
    if (m) {
      flush();
      const op = m[1]!;
      i += op.length;
      if (op === '<<' || op === '<<-') {
        while (s[i] === ' ' || s[i] === '\t') i++;
        const d = /^('([^']*)'|"([^"]*)"|([^\s;&|<>]+))/.exec(s.slice(i));
        if (!d) throw new ScriptSyntaxError(line, "syntax error near unexpected token `newline'");
        toks.push({ op, heredoc: { delim: d[2] ?? d[3] ?? d[4]!, strip: op === '<<-', quoted: d[4] === undefined } });
        i += d[0].length;
      } else toks.push({ op });
      continue;
    }
    // `$(…)` and `${…}` are one word even with spaces or operators inside (then reported)
    if (c === '$' && (s[i + 1] === '(' || s[i + 1] === '{')) {
      const close = s[i + 1] === '(' ? ')' : '}';
      const j = s.indexOf(close, i + 2);
      add(s.slice(i, j < 0 ? s.length : j + 1), 0);
      i = j < 0 ? s.length : j + 1;
      continue;
    }
    add(c, 0);
    i++;
  }
  flush();
  return { toks, text: s.slice(0, commentAt).trim() };
}

interface Frame {
  loop: ForLoop;
  /** 'items' while reading WORDS, 'do' until `do`, 'body' until `done`. */
  stage: 'items' | 'do' | 'body';
  line: number;
}

function newCommand(connector: SimpleCommand['connector'], line: number): SimpleCommand {
  return { argv: [], redirects: [], stdin: null, stdinFile: null, connector, piped: false, line, words: [], redirectWords: [] };
}

/**
 * Parses a whole script. Throws ScriptSyntaxError (with the line) on unbalanced quotes etc., and
 * ScriptUnsupported for constructs the runner does not execute. A `for` loop over several lines is
 * one ScriptLine (as bash reads the whole compound command before running it).
 */
export function parseScript(src: string): ScriptLine[] {
  const raw = src.replace(/\r\n/g, '\n').split('\n');
  const out: ScriptLine[] = [];
  let i = 0;
  const stack: Frame[] = [];
  let commands: SimpleCommand[] = [];
  let startLine = 0;
  let text = '';
  let sourceLines: string[] = [];
  try {
    while (i < raw.length) {
      const start = i;
      let l = raw[i++]!;
      if (PROMPT.test(l)) l = l.replace(PROMPT, '');
      // continuation: a backslash at the very end (not inside single quotes: good enough for scripts)
      const rawLines = [raw[start]!];
      while (/(^|[^\\])(\\\\)*\\$/.test(l) && i < raw.length) {
        l = l.slice(0, -1) + raw[i]!.replace(/^\s*\$\s/, '');
        rawLines.push(raw[i++]!);
      }
      const blank = l.trim() === '' || /^\s*#/.test(l);
      const { toks, text: lineText } = blank ? { toks: [], text: '' } : tokenize(l, start + 1);
      if (toks.length === 0) {
        if (stack.length) sourceLines.push(...rawLines);
        continue;
      }
      if (!stack.length) {
        startLine = start + 1;
        text = lineText;
        sourceLines = [...rawLines];
        commands = [];
      } else {
        text += '\n' + lineText;
        sourceLines.push(...rawLines);
      }
      const list = () => (stack.length ? stack[stack.length - 1]!.loop.body : commands);
      const lineNo = start + 1;
      let c = newCommand(list().length ? ';' : null, lineNo);
      /** Set right after `done`: only `;`, `&&`, `||` or the end of the line may follow. */
      let afterDone = false;
      const bad = (tok: string) => new ScriptSyntaxError(lineNo, `syntax error near unexpected token \`${tok}'`);
      const end = (conn: SimpleCommand['connector'], pipe = false) => {
        if (c.argv.length === 0 && !c.assigns?.length) throw bad(conn ?? '|');
        list().push(c);
        c = newCommand(conn, lineNo);
        if (pipe) list()[list().length - 1]!.piped = true;
      };
      for (let k = 0; k < toks.length; k++) {
        const t = toks[k]!;
        const fr = stack[stack.length - 1];
        if (fr && fr.stage === 'items') {
          if (t.word !== undefined) {
            fr.loop.items.push(t.parts!);
            continue;
          }
          if (t.op !== ';') throw bad(t.op!);
          fr.stage = 'do';
          continue;
        }
        if (fr && fr.stage === 'do') {
          if (t.word === 'do' && t.parts!.length === 1 && t.parts![0]!.q === 0) {
            fr.stage = 'body';
            c = newCommand(null, lineNo);
            continue;
          }
          throw bad(t.word ?? t.op!);
        }
        if (afterDone) {
          if (t.op === ';' || t.op === '&&' || t.op === '||') {
            afterDone = false;
            if (!(t.op === ';' && k === toks.length - 1)) c = newCommand(t.op as ';', lineNo);
            continue;
          }
          if (t.word !== undefined) throw bad(t.word);
          throw new ScriptUnsupported(lineNo, `\`${t.op}' after a \`for' loop's \`done'`);
        }
        if (t.word !== undefined) {
          const atStart = c.argv.length === 0 && !c.assigns?.length && c.redirects.length === 0 && c.stdin === null && c.stdinFile === null;
          const bare = t.parts!.length === 1 && t.parts![0]!.q === 0 ? t.word : null;
          if (atStart && bare !== null) {
            if (bare === 'for') {
              const prev = list()[list().length - 1];
              if (prev?.piped && c.connector === ';') throw new ScriptUnsupported(lineNo, "a pipe into a `for' loop");
              const name = toks[k + 1]?.word;
              if (name === undefined) throw bad(toks[k + 1]?.op ?? 'newline');
              if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ScriptSyntaxError(lineNo, `\`${name}': not a valid identifier`);
              k++;
              const loop: ForLoop = { name, items: [], body: [] };
              c.argv = ['for', name, 'in'];
              c.loop = loop;
              list().push(c);
              const frame: Frame = { loop, stage: 'do', line: lineNo };
              if (toks[k + 1]?.word === 'in') {
                k++;
                frame.stage = 'items';
              } else if (toks[k + 1]?.op === ';') k++; // `for NAME; do`: the positional parameters (none in a lab script)
              stack.push(frame);
              c = newCommand(null, lineNo);
              continue;
            }
            if (bare === 'done') {
              if (!fr || fr.stage !== 'body' || fr.loop.body.length === 0 || fr.loop.body[fr.loop.body.length - 1]!.piped) throw bad('done');
              stack.pop();
              const loopCmd = list()[list().length - 1]!;
              for (const w of fr.loop.items) loopCmd.argv.push(w.map((p) => p.text).join(''));
              afterDone = true;
              continue;
            }
            if (UNSUPPORTED_KEYWORDS[bare]) throw new ScriptUnsupported(lineNo, UNSUPPORTED_KEYWORDS[bare]!);
            if (STRAY_KEYWORDS.has(bare)) throw bad(bare);
          }
          const first = t.parts![0];
          const asg = c.argv.length === 0 && first?.q === 0 ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.text) : null;
          if (asg) {
            const value: Word = [{ text: first!.text.slice(asg[0].length), q: 0 }, ...t.parts!.slice(1)];
            (c.assigns ??= []).push({ name: asg[1]!, value });
            continue;
          }
          c.argv.push(t.word);
          c.words!.push(t.parts!);
          continue;
        }
        const op = t.op!;
        if (op === ';' || op === '&&' || op === '||') {
          if (op === ';' && k === toks.length - 1) break;
          end(op);
        } else if (op === '|') end(';', true);
        else if (op === '&' || op === ';;') throw new ScriptSyntaxError(lineNo, `unsupported operator \`${op}'`);
        else if (t.heredoc) {
          const body: string[] = [];
          let closed = false;
          while (i < raw.length) {
            const hl = raw[i++]!;
            sourceLines.push(hl);
            const cmp = t.heredoc.strip ? hl.replace(/^\t+/, '') : hl;
            if (cmp === t.heredoc.delim) {
              closed = true;
              break;
            }
            body.push(cmp);
          }
          if (!closed) throw new ScriptSyntaxError(lineNo, `here-document delimited by end-of-file (wanted \`${t.heredoc.delim}')`);
          c.stdin = body.length ? body.join('\n') + '\n' : '';
          c.stdinExpand = !t.heredoc.quoted;
          if (c.stdinExpand) {
            if (c.stdin.includes('`')) throw new ScriptUnsupported(lineNo, 'command substitution (`…`)');
            checkDollars(c.stdin.replace(/\\[\\$`]/g, ''), lineNo);
          }
        } else {
          const target = toks[k + 1];
          if (op === '2>&1') {
            c.redirects.push({ fd: 2, op: '>&1', path: '' });
            c.redirectWords!.push(null);
            continue;
          }
          if (target?.word === undefined) throw new ScriptSyntaxError(lineNo, "syntax error near unexpected token `newline'");
          k++;
          if (op === '<') {
            c.stdinFile = target.word;
            c.stdinFileWord = target.parts!;
          } else if (op === '&>' || op === '&>>') {
            c.redirects.push({ fd: 1, op: op === '&>' ? '>' : '>>', path: target.word });
            c.redirects.push({ fd: 2, op: '>&1', path: '' });
            c.redirectWords!.push(target.parts!, null);
          } else {
            const fd = op.startsWith('2') ? 2 : 1;
            c.redirects.push({ fd, op: op.endsWith('>>') ? '>>' : '>', path: target.word });
            c.redirectWords!.push(target.parts!);
          }
        }
      }
      const fr = stack[stack.length - 1];
      if (fr?.stage === 'items') fr.stage = 'do'; // a newline ends the word list
      if (afterDone || (fr && fr.stage === 'do' && c.argv.length === 0)) {
        // nothing pending
      } else if (c.argv.length > 0 || c.assigns?.length) list().push(c);
      else if (c.redirects.length || c.stdin !== null || (!stack.length && commands.length === 0))
        throw new ScriptSyntaxError(lineNo, "syntax error near unexpected token `newline'");
      if (!stack.length)
        out.push({ line: startLine, text, source: sourceLines.map((x, n) => (n === 0 ? x.replace(PROMPT, '') : x)).join('\n'), commands });
    }
    if (stack.length) throw new ScriptSyntaxError(stack[0]!.line, 'syntax error: unexpected end of file');
  } catch (e) {
    // the runner runs the commands before the one that holds the error: a loop counts from its `for`
    if (e instanceof ScriptSyntaxError && e.commandLine === undefined) e.commandLine = stack[0]?.line ?? e.line;
    throw e;
  }
  return out;
}

/**
 * True when `text` is an incomplete command (trailing `\`, unterminated here-document): the shell
 * asks for more. Quotes do not span lines here, so an open quote is an error, not a prompt.
 */
export function needsMore(text: string): boolean {
  try {
    parseScript(text);
    return /(^|[^\\])(\\\\)*\\$/.test(text);
  } catch (e) {
    return e instanceof ScriptSyntaxError && /end-of-file|unexpected end of file/.test(e.message);
  }
}
