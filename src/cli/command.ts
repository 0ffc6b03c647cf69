// The shape of a `wirestack <command>`: each command lives in src/cli/commands/<name>.ts and is
// listed once in src/cli/commands.ts. Exit status as Unix tools use it: 0 ok, 1 a failed check,
// 2 bad usage (throw UsageError naming the bad argument).

export interface Io {
  out(s: string): void; // a line or block for stdout (newline added by the caller if missing)
  err(s: string): void;
}

export interface Command {
  name: string;
  /** One line for `wirestack --help`. */
  summary: string;
  /** Full text for `wirestack <name> --help`. */
  help: string;
  run(args: string[], io: Io): Promise<number>;
}

export class UsageError extends Error {}

export const processIo: Io = {
  out: (s) => void process.stdout.write(s.endsWith('\n') ? s : s + '\n'),
  err: (s) => void process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
};

/** An Io that collects output, for tests that run commands in-process. */
export function bufferIo(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(s: string) { io.stdout += s.endsWith('\n') ? s : s + '\n'; },
    err(s: string) { io.stderr += s.endsWith('\n') ? s : s + '\n'; },
  };
  return io;
}
