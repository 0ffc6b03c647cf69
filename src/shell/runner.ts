// Executes parsed script lines against a Session: lists (`;` `&&` `||`), pipelines (stdout to the
// next command's stdin), redirections into the namespace's files, `$?`, `set -e`, and per-command
// records {line, command, exit, stdout, stderr, explain} — the form `wirestack run --json` prints
// and the differential harness compares with real bash.
import type { Netns } from '../lab/netns.ts';
import type { Ctx } from './command.ts';
import { findCommand, shellCommands } from './registry.ts';
import { parseScript, ScriptSyntaxError, type ScriptLine, type SimpleCommand } from './script.ts';
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

interface Sink {
  out(s: string): void;
  err(s: string): void;
}

export class Runner {
  readonly records: CommandRecord[] = [];
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
      lines = e.line > 1 ? parseScript(text.replace(/\r\n/g, '\n').split('\n').slice(0, e.line - 1).join('\n')) : [];
    }
    const off = firstLine - 1;
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

  /** Runs one logical line (a list of commands); returns the list's status. */
  async runLine(l: ScriptLine): Promise<number> {
    let status = 0;
    let pipeIn: string | null = null;
    let skip = false;
    for (let i = 0; i < l.commands.length; i++) {
      const c = l.commands[i]!;
      if (c.connector === '&&' && status !== 0) skip = true;
      else if (c.connector === '||' && status === 0) skip = true;
      else if (c.connector === ';' || c.connector === null || c.connector === '&&' || c.connector === '||') skip = false;
      const prevPiped = i > 0 && l.commands[i - 1]!.piped;
      if (skip && !prevPiped) {
        // a skipped pipeline skips all its members
        while (l.commands[i]?.piped) i++;
        continue;
      }
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
      // each namespace has its own /etc here (session.ts), so the redirections of
      // `ip netns exec NS cmd > file` act on NS's files, matching what cmd itself reads
      const fileNs = this.redirectNs(c.argv);
      const stdin = prevPiped ? pipeIn : c.stdinFile !== null ? this.session.readFile(fileNs, c.stdinFile) : c.stdin;
      if (c.stdinFile !== null && stdin === null) {
        sink.err(`${this.o.progName ?? 'wirestack'}: line ${l.line}: ${c.stdinFile}: No such file or directory\n`);
        rec.exit = 1;
      } else {
        const argv = c.argv.map((a) => a.replace(/\$\?/g, String(this.session.lastExit)));
        rec.exit = await this.exec(argv, this.session.root, stdin, sink, rec, l.line);
      }
      // redirections: stdout (and 2>&1 stderr) into files of the namespace the shell runs in
      let toFile: { path: string; append: boolean } | null = null;
      let errToFile: { path: string; append: boolean } | null = null;
      let errToOut = false;
      for (const r of c.redirects) {
        if (r.fd === 1) toFile = { path: r.path, append: r.op === '>>' };
        else if (r.op === '>&1') errToOut = true;
        else errToFile = { path: r.path, append: r.op === '>>' };
      }
      if (errToFile) {
        if (errToFile.path !== '/dev/null') this.session.writeFile(fileNs, errToFile.path, rec.stderr, errToFile.append);
        rec.stderr = '';
      } else if (errToOut && toFile) {
        stdout += rec.stderr;
        rec.stderr = '';
      }
      if (toFile) {
        if (toFile.path !== '/dev/null') {
          const err = this.writeCheck(toFile.path);
          if (err) {
            rec.stderr += `${this.o.progName ?? 'wirestack'}: line ${l.line}: ${err}\n`;
            this.o.onStderr?.(rec.stderr);
            rec.exit = 1;
          } else this.session.writeFile(fileNs, toFile.path, stdout, toFile.append);
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
  if (l.commands.length === 1) return l.text;
  return c.argv.map((a) => (/[\s'"$]/.test(a) ? `'${a}'` : a)).join(' ');
}
