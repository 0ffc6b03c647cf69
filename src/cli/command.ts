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

/** The value given after option `opt` (pass `args[++i]`); a UsageError naming `opt` when it is missing. */
export function optionValue(opt: string, v: string | undefined): string {
  if (v === undefined) throw new UsageError(`${opt} needs a value`);
  return v;
}

/**
 * For long-running commands: `done` resolves with the signal's name at the first SIGINT or SIGTERM, or
 * with the reason given to `stop`. The handlers are removed then, so a second signal acts as usual.
 */
export function untilSignal(): { done: Promise<string>; stop(why: string): void } {
  let stop!: (why: string) => void;
  const done = new Promise<string>((resolve) => {
    stop = (why) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(why);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return { done, stop };
}
