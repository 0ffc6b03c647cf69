// Shell-script splitting for `wirestack run` and `wirestack shell`: enough of bash's grammar to run
// the primer's code blocks unchanged. Handles `$ ` prompts (as pasted from a page), blank lines,
// `#` comments (only at the start of a word, as bash treats them), `\` line continuations, single
// and double quotes, backslash escapes, `;` `&&` `||` lists, redirections (`>`, `>>`, `<`, `2>`,
// `2>>`, `2>&1`, `&>`) and here-documents (`<<EOF`, `<<'EOF'`, `<<-EOF`). No expansion: `$X`
// stays literal except `$?` (kept as a word the runner substitutes). Pipes are parsed and reported.

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
}

const PROMPT = /^\s*\$\s/;

interface Tok {
  word?: string;
  op?: string;
  /** here-doc: delimiter, whether quoted, whether `<<-`. */
  heredoc?: { delim: string; strip: boolean };
}

/** Splits one logical line into words and operators (quotes removed). */
function tokenize(s: string, line: number): { toks: Tok[]; text: string } {
  const toks: Tok[] = [];
  let i = 0;
  let cur: string | null = null;
  let commentAt = s.length;
  const flush = () => {
    if (cur !== null) toks.push({ word: cur });
    cur = null;
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
      cur = (cur ?? '') + s.slice(i + 1, j);
      i = j + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let w = '';
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`'.includes(s[j + 1]!)) {
          w += s[j + 1];
          j += 2;
        } else w += s[j++];
      }
      if (j >= s.length) throw new ScriptSyntaxError(line, 'unexpected EOF while looking for matching `"\'');
      cur = (cur ?? '') + w;
      i = j + 1;
      continue;
    }
    if (c === '\\') {
      cur = (cur ?? '') + (s[i + 1] ?? '');
      i += 2;
      continue;
    }
    // operators (a leading fd digit belongs to the operator only when it starts a word)
    const rest = s.slice(i);
    const fdOp = cur === '2' || cur === '1' ? /^(>>|>&1|>)/.exec(rest) : null;
    if (fdOp) {
      const fd = cur;
      cur = null;
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
        toks.push({ op, heredoc: { delim: d[2] ?? d[3] ?? d[4]!, strip: op === '<<-' } });
        i += d[0].length;
      } else toks.push({ op });
      continue;
    }
    cur = (cur ?? '') + c;
    i++;
  }
  flush();
  return { toks, text: s.slice(0, commentAt).trim() };
}

/** Parses a whole script. Throws ScriptSyntaxError (with the line) on unbalanced quotes etc. */
export function parseScript(src: string): ScriptLine[] {
  const raw = src.replace(/\r\n/g, '\n').split('\n');
  const out: ScriptLine[] = [];
  let i = 0;
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
    if (l.trim() === '' || /^\s*#/.test(l)) continue;
    const { toks, text } = tokenize(l, start + 1);
    if (toks.length === 0) continue;
    const heredocBodies: string[] = [];
    const commands: SimpleCommand[] = [];
    let c: SimpleCommand = { argv: [], redirects: [], stdin: null, stdinFile: null, connector: null, piped: false };
    const sourceLines = [...rawLines];
    const end = (conn: SimpleCommand['connector'], pipe = false) => {
      if (c.argv.length === 0) throw new ScriptSyntaxError(start + 1, `syntax error near unexpected token \`${conn ?? '|'}'`);
      commands.push(c);
      c = { argv: [], redirects: [], stdin: null, stdinFile: null, connector: conn, piped: false };
      if (pipe) commands[commands.length - 1]!.piped = true;
    };
    for (let k = 0; k < toks.length; k++) {
      const t = toks[k]!;
      if (t.word !== undefined) {
        c.argv.push(t.word);
        continue;
      }
      const op = t.op!;
      if (op === ';' || op === '&&' || op === '||') {
        if (op === ';' && k === toks.length - 1) break;
        end(op);
      } else if (op === '|') end(';', true);
      else if (op === '&' || op === ';;') throw new ScriptSyntaxError(start + 1, `unsupported operator \`${op}'`);
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
        if (!closed) throw new ScriptSyntaxError(start + 1, `here-document delimited by end-of-file (wanted \`${t.heredoc.delim}')`);
        c.stdin = body.length ? body.join('\n') + '\n' : '';
        heredocBodies.push(c.stdin);
      } else {
        const target = toks[k + 1]?.word;
        if (op === '2>&1') {
          c.redirects.push({ fd: 2, op: '>&1', path: '' });
          continue;
        }
        if (target === undefined) throw new ScriptSyntaxError(start + 1, "syntax error near unexpected token `newline'");
        k++;
        if (op === '<') c.stdinFile = target;
        else if (op === '&>' || op === '&>>') {
          c.redirects.push({ fd: 1, op: op === '&>' ? '>' : '>>', path: target });
          c.redirects.push({ fd: 2, op: '>&1', path: '' });
        } else {
          const fd = op.startsWith('2') ? 2 : 1;
          c.redirects.push({ fd, op: op.endsWith('>>') ? '>>' : '>', path: target });
        }
      }
    }
    if (c.argv.length > 0) commands.push(c);
    else if (c.redirects.length || c.stdin !== null || commands.length === 0)
      throw new ScriptSyntaxError(start + 1, "syntax error near unexpected token `newline'");
    out.push({ line: start + 1, text, source: sourceLines.map((x, n) => (n === 0 ? x.replace(PROMPT, '') : x)).join('\n'), commands });
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
    return e instanceof ScriptSyntaxError && /end-of-file/.test(e.message);
  }
}
