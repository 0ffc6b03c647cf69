// The contract of a shell command: one file in src/shell/commands/ exporting a ShellCommand, and
// one line in src/shell/registry.ts. A command writes to ctx.out / ctx.err (text with its own
// newlines) and returns its exit status as the real tool would.
import type { Netns } from '../lab/netns.ts';
import type { Session } from './session.ts';

export interface Ctx {
  session: Session;
  /** The namespace the command runs in (changed by `ip netns exec` / `ip -n`). */
  ns: Netns;
  /** Standard input (a here-document, `< file`), or null for none. */
  stdin: string | null;
  out(s: string): void;
  err(s: string): void;
  /** One line for `--explain`, derived from lab state by the command that failed. */
  explain(s: string): void;
  /** Aborted by Ctrl-C in the interactive shell. */
  signal: AbortSignal | null;
  /** Runs another command line (argv[0] is the command) in `ns`: `ip netns exec`. */
  exec(argv: string[], ns: Netns): Promise<number>;
}

export interface ShellCommand {
  name: string;
  /** One line for `help` and completion. */
  summary: string;
  run(ctx: Ctx, argv: string[]): number | Promise<number>;
}

/** Writes lines (each gets a newline) to stdout. */
export function outLines(ctx: Ctx, lines: string[]): void {
  if (lines.length) ctx.out(lines.join('\n') + '\n');
}

/** iproute2's `matches(arg, pattern)`: arg is a non-empty prefix of pattern. */
export function matches(arg: string | undefined, pattern: string): boolean {
  return arg !== undefined && arg.length > 0 && pattern.startsWith(arg);
}
