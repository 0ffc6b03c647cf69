// Entry point for `wirestack`: dispatches to a registered command.
import { commands } from './commands.ts';
import { processIo, UsageError, type Io } from './command.ts';
import { describeFileError } from './commands/inspect.ts';

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`wirestack: unknown command "${name}"; try "wirestack --help"`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.help);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`wirestack ${name}: ${e.message}`);
      return 2;
    }
    // a file-system error escaping a command: the file and the problem in words, not "EISDIR: …"
    const fsErr = e as NodeJS.ErrnoException;
    if (typeof fsErr.code === 'string' && typeof fsErr.path === 'string') {
      io.err(`wirestack ${name}: ${describeFileError(fsErr.path, fsErr)}`);
      return 1;
    }
    io.err(`wirestack ${name}: ${(e as Error).message}`);
    return 1;
  }
}

function usage(): string {
  const w = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'usage: wirestack <command> [options]   (wirestack <command> --help for details)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
  ].join('\n');
}

