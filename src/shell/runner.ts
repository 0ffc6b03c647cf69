// Executes parsed script lines against a Session: lists (`;` `&&` `||`), pipelines (stdout to the
// next command's stdin), redirections into the namespace's files, `$?`, `set -e`, and per-command
// records {line, command, exit, stdout, stderr, explain} — the form `wirestack run --json` prints
// and the differential harness compares with real bash.
import type { Netns } from '../lab/netns.ts';
import type { Ctx } from './command.ts';
import { findCommand, shellCommands } from './registry.ts';
import { parseScript, ScriptSyntaxError, type ScriptLine, type SimpleCommand, type Word } from './script.ts';
import type { Session } from './session.ts';
import { closest } from './commands/ip-link.ts';

export interface CommandRecord {
  line: number;
  command: string;
  exit: number;
  stdout: string;
  stderr: string;
  explain?: string;
}

export interface RunnerOptions {
  /** Called as output is produced (live printing); records are kept either way. */
  onStdout?: (s: string) => void;
  onStderr?: (s: string) => void;
  /** Called after each command with its record (for --explain printing). */
  onRecord?: (r: CommandRecord) => void;
  /** Name used in `NAME: line N: cmd: command not found` (bash uses the script path). */
  progName?: string;
  signal?: AbortSignal | null;
}

/** `${NAME}` (also `${?}` …), `$NAME`, `$?` `$#` `$@` `$*` `$0`-`$9`: what the parser lets through. */
const PARAM = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*|[?#@*0-9])\}|([A-Za-z_][A-Za-z0-9_]*)|([?#@*0-9]))/g;

interface Sink {
  out(s: string): void;
  err(s: string): void;
}

export class Runner {
  readonly records: CommandRecord[] = [];
  /** Input line of the text runText parses (the interactive shell feeds one command at a time). */
  private lineOffset = 0;
  constructor(
    readonly session: Session,
    readonly o: RunnerOptions = {},
  ) {}

  /**
   * Runs a script's text whose first line is line `firstLine` of the input (the interactive shell
   * feeds one command at a time); returns false when `set -e`, `exit N` (N ≠ 0) or a syntax error
   * stopped it. As bash reads and runs a script line by line, the lines before a syntax error run.
   */
  async runText(text: string, firstLine = 1): Promise<boolean> {
    let lines: ScriptLine[];
    let syntax: ScriptSyntaxError | null = null;
    try {
      lines = parseScript(text);
    } catch (e) {
      if (!(e instanceof ScriptSyntaxError)) throw e;
      syntax = e;
      // the lines before the error are whole commands (the parser reports a command's first line)
      const cut = e.commandLine ?? e.line;
      lines = cut > 1 ? parseScript(text.replace(/\r\n/g, '\n').split('\n').slice(0, cut - 1).join('\n')) : [];
    }
    const off = firstLine - 1;
    this.lineOffset = off;
    for (const l of lines) {
      const st = await this.runLine(off ? { ...l, line: l.line + off } : l);
      if (this.session.exitRequested !== null) return this.session.exitRequested === 0;
      if (st !== 0 && this.session.errexit) return false;
    }
    if (syntax) {
      const line = syntax.line + off;
      const msg = `${this.o.progName ?? 'wirestack'}: line ${line}: ${syntax.message}\n`;
      this.o.onStderr?.(msg);
      this.records.push({ line, command: '', exit: 2, stdout: '', stderr: msg });
      this.session.lastExit = 2;
      return false;
    }
    return true;
  }

  /** Runs one logical line (a list of commands, perhaps a `for` loop); returns the list's status. */
  async runLine(l: ScriptLine): Promise<number> {
    return this.runList(l, l.commands);
  }

  private async runList(l: ScriptLine, commands: SimpleCommand[]): Promise<number> {
    let status = 0;
    let pipeIn: string | null = null;
    let skip = false;
    for (let i = 0; i < commands.length; i++) {
      const c = commands[i]!;
      if (c.connector === '&&' && status !== 0) skip = true;
      else if (c.connector === '||' && status === 0) skip = true;
      else if (c.connector === ';' || c.connector === null || c.connector === '&&' || c.connector === '||') skip = false;
      const prevPiped = i > 0 && commands[i - 1]!.piped;
      if (skip && !prevPiped) {
        // a skipped pipeline skips all its members
        while (commands[i]?.piped) i++;
        continue;
      }
      if (c.loop) {
        status = await this.runLoop(l, c);
        if (this.session.exitRequested !== null) break;
        continue;
      }
      const line = c.line !== undefined ? c.line + this.lineOffset : l.line;
      const rec: CommandRecord = { line: l.line, command: commandText(l, c), exit: 0, stdout: '', stderr: '' };
      let stdout = '';
      const captureOut = c.piped; // its stdout feeds the next command
      // stdout goes to the terminal as it is produced unless a pipe or a redirection takes it
      const live = !c.piped && !c.redirects.some((r) => r.fd === 1 || r.op === '>&1');
      let shown = 0;
      const sink: Sink = {
        out: (s) => {
          stdout += s;
          if (live) {
            this.o.onStdout?.(s);
            shown = stdout.length;
          }
        },
        err: (s) => {
          rec.stderr += s;
          this.o.onStderr?.(s);
        },
      };
      // bash expands words as each command runs, so `X=1; echo $X` on one line sees 1
      const argv = this.expandArgv(c);
      const paths = c.redirects.map((r, k) => (r.op === '>&1' ? '' : this.expandTarget(c.redirectWords?.[k] ?? null, r.path)));
      const stdinFile = c.stdinFile === null ? null : this.expandTarget(c.stdinFileWord ?? null, c.stdinFile);
      const ambiguous = [...paths, stdinFile].find((p): p is { bad: string } => typeof p === 'object' && p !== null);
      // each namespace has its own /etc here (session.ts), so the redirections of
      // `ip netns exec NS cmd > file` act on NS's files, matching what cmd itself reads
      const fileNs = this.redirectNs(argv);
      const stdin =
        prevPiped ? pipeIn
        : typeof stdinFile === 'string' ? this.session.readFile(fileNs, stdinFile)
        : c.stdin !== null && c.stdinExpand ? this.expandHeredoc(c.stdin)
        : c.stdin;
      if (ambiguous) {
        sink.err(`${this.o.progName ?? 'wirestack'}: line ${line}: ${ambiguous.bad}: ambiguous redirect\n`);
        rec.exit = 1;
      } else if (typeof stdinFile === 'string' && stdin === null) {
        sink.err(`${this.o.progName ?? 'wirestack'}: line ${line}: ${stdinFile}: No such file or directory\n`);
        rec.exit = 1;
      } else if (argv.length === 0) {
        // `NAME=VALUE` alone sets a shell variable; with a command it would only be that command's
        // environment, which no lab command reads
        for (const a of c.assigns ?? []) this.session.vars.set(a.name, this.expandWord(a.value, false)[0]!);
        rec.exit = 0;
      } else rec.exit = await this.exec(argv, this.session.root, stdin, sink, rec, line);
      // redirections: stdout (and 2>&1 stderr) into files of the namespace the shell runs in
      let toFile: { path: string; append: boolean } | null = null;
      let errToFile: { path: string; append: boolean } | null = null;
      let errToOut = false;
      if (!ambiguous)
        c.redirects.forEach((r, k) => {
          const path = paths[k] as string;
          if (r.fd === 1) toFile = { path, append: r.op === '>>' };
          else if (r.op === '>&1') errToOut = true;
          else errToFile = { path, append: r.op === '>>' };
        });
      const errTo = errToFile as { path: string; append: boolean } | null;
      const outTo = toFile as { path: string; append: boolean } | null;
      if (errTo) {
        if (errTo.path !== '/dev/null') this.session.writeFile(fileNs, errTo.path, rec.stderr, errTo.append);
        rec.stderr = '';
      } else if (errToOut && outTo) {
        stdout += rec.stderr;
        rec.stderr = '';
      }
      if (outTo) {
        if (outTo.path !== '/dev/null') {
          const err = this.writeCheck(outTo.path);
          if (err) {
            rec.stderr += `${this.o.progName ?? 'wirestack'}: line ${line}: ${err}\n`;
            this.o.onStderr?.(rec.stderr);
            rec.exit = 1;
          } else this.session.writeFile(fileNs, outTo.path, stdout, outTo.append);
        }
        stdout = '';
      }
      if (captureOut) pipeIn = stdout;
      else {
        rec.stdout = stdout;
        if (stdout.length > shown) this.o.onStdout?.(stdout.slice(shown));
      }
      status = rec.exit;
      this.session.lastExit = status;
      this.records.push(rec);
      this.o.onRecord?.(rec);
      if (this.session.exitRequested !== null) break; // `exit N` ends the script here
    }
    return status;
  }

  /**
   * `for NAME in WORDS; do BODY; done`: WORDS expanded and split once, NAME set to each in turn
   * (and left at the last, as bash does). Its status is the body's last, 0 with no words. The
   * loop gets a record of its own (after its body's), so a line's last record holds its status.
   */
  private async runLoop(l: ScriptLine, c: SimpleCommand): Promise<number> {
    const loop = c.loop!;
    const items = loop.items.flatMap((w) => this.expandWord(w, true));
    let st = 0;
    for (const v of items) {
      this.session.vars.set(loop.name, v);
      st = await this.runList(l, loop.body);
      if (this.session.exitRequested !== null || (st !== 0 && this.session.errexit)) break;
    }
    const rec: CommandRecord = { line: l.line, command: commandText(l, c), exit: st, stdout: '', stderr: '' };
    this.session.lastExit = st;
    this.records.push(rec);
    this.o.onRecord?.(rec);
    return st;
  }

  /** A parameter's value: `$?`, `$#` (0), `$0`, `$1`… and `$@` (none in a lab script), or a variable (unset: empty). */
  private param(name: string): string {
    if (name === '?') return String(this.session.lastExit);
    if (name === '#') return '0';
    if (name === '0') return this.o.progName ?? 'wirestack';
    if (/^[@*0-9]$/.test(name)) return '';
    return this.session.vars.get(name) ?? '';
  }

  /**
   * Expands one word: `$NAME`, `${NAME}` and the special parameters in unquoted and double-quoted
   * parts; with `split`, what unquoted expansions produce is split on blanks (IFS whitespace) and
   * a word that ends up empty and unquoted disappears (bash's word splitting).
   */
  expandWord(w: Word, split: boolean): string[] {
    const fields: string[] = [];
    let cur = '';
    let has = false;
    for (const p of w) {
      if (p.q === 1) {
        cur += p.text;
        has = true;
        continue;
      }
      if (p.q === 2) {
        cur += p.text.replace(PARAM, (_m, a, b, c) => this.param(a ?? b ?? c));
        has = true;
        continue;
      }
      let last = 0;
      for (const m of p.text.matchAll(PARAM)) {
        if (m.index > last) {
          cur += p.text.slice(last, m.index);
          has = true;
        }
        last = m.index + m[0].length;
        const v = this.param(m[1] ?? m[2] ?? m[3]!);
        if (!split) {
          cur += v;
          continue;
        }
        for (const ch of v) {
          if (ch === ' ' || ch === '\t' || ch === '\n') {
            if (has) fields.push(cur);
            cur = '';
            has = false;
          } else {
            cur += ch;
            has = true;
          }
        }
      }
      if (p.text.length > last) {
        cur += p.text.slice(last);
        has = true;
      }
    }
    if (has || !split) fields.push(cur);
    return fields;
  }

  private expandArgv(c: SimpleCommand): string[] {
    if (!c.words || c.words.length !== c.argv.length) return c.argv;
    // `export NAME=$X`: an assignment argument is not split (bash's declaration builtins)
    const decl = c.argv[0] === 'export';
    return c.words.flatMap((w, k) => this.expandWord(w, !(decl && k > 0 && w[0]?.q === 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0].text))));
  }

  /** A redirection's target: one word after expansion, else bash's "ambiguous redirect". */
  private expandTarget(w: Word | null, path: string): string | { bad: string } {
    if (!w) return path;
    const f = this.expandWord(w, true);
    return f.length === 1 ? f[0]! : { bad: path };
  }

  /** A here-document body with an unquoted delimiter: `$NAME` expanded, `\$` `\\` `` \` `` escapes. */
  private expandHeredoc(body: string): string {
    return body.replace(new RegExp(`\\\\([\\\\$\`])|${PARAM.source}`, 'g'), (_m, esc, a, b, c) => esc ?? this.param(a ?? b ?? c));
  }

  /** The namespace whose files a command's redirections use: NS for `ip netns exec NS …`. */
  private redirectNs(argv: string[]): Netns {
    const root = this.session.root;
    if (argv[0] !== 'ip' || argv[1] !== 'netns' || argv[2] !== 'exec' || argv[3] === undefined) return root;
    return this.session.lab.netnsOrNull(argv[3]) ?? root;
  }

  private writeCheck(path: string): string | null {
    if (path.endsWith('/')) return `${path}: Is a directory`;
    if (!path.startsWith('/etc/') && !path.startsWith('/tmp/') && !path.startsWith('/root/') && path.startsWith('/'))
      return `${path}: Permission denied (the lab keeps files under /etc, /tmp and /root)`;
    return null;
  }

  /** Runs argv in `ns` (top level or from `ip netns exec`). */
  async exec(argv: string[], ns: Netns, stdin: string | null, sink: Sink, rec: CommandRecord, line: number): Promise<number> {
    const name = argv[0]!;
    const cmd = findCommand(name);
    if (!cmd) {
      if (ns !== this.session.root) {
        // ip netns exec reports the failed execvp itself
        sink.err(`exec of "${name}" failed: No such file or directory\n`);
        rec.explain = unknownCommand(name);
        return 1;
      }
      sink.err(`${this.o.progName ?? 'wirestack'}: line ${line}: ${name}: command not found\n`);
      rec.explain = unknownCommand(name);
      return 127;
    }
    const ctx: Ctx = {
      session: this.session,
      ns,
      stdin,
      out: sink.out,
      err: sink.err,
      explain: (s) => {
        rec.explain = s;
      },
      signal: this.o.signal ?? null,
      exec: (a, n) => this.exec(a, n, stdin, sink, rec, line),
    };
    return await cmd.run(ctx, argv);
  }
}

function unknownCommand(name: string): string {
  const near = closest(name, shellCommands.map((c) => c.name));
  return `"${name}" is not a command the lab knows${near ? `; did you mean "${near}"?` : ''} (known: ${shellCommands.filter((c) => /^[a-z]/.test(c.name)).map((c) => c.name).join(', ')})`;
}

/** The text of one command of a line (the whole line when it has one command). */
function commandText(l: ScriptLine, c: SimpleCommand): string {
  if (l.commands.length === 1 && l.commands[0] === c) return l.text;
  const asg = (c.assigns ?? []).map((a) => `${a.name}=${wordText(a.value)}`);
  const words = c.words && c.words.length === c.argv.length ? c.words.map(wordText) : c.argv.map((a) => (/[\s'"$]/.test(a) ? `'${a}'` : a));
  return [...asg, ...words].join(' ');
}

/** A word as written, near enough: literal parts in single quotes when they need quoting. */
function wordText(w: Word): string {
  return w.map((p) => (p.q === 2 ? `"${p.text}"` : p.q === 1 && /[\s'"$\\;&|<>]/.test(p.text) ? `'${p.text}'` : p.text)).join('');
}
