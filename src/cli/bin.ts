// Process entry for the `wirestack` binary (kept apart from main.ts so tests can import main).
import { main } from './main.ts';
import type { Io } from './command.ts';

// A reader that goes away (`wirestack inspect x | head`) ends a pipeline normally: stop at once and
// quietly, as tshark does when SIGPIPE kills it (the shell sees 141 = 128 + SIGPIPE). Node ignores
// SIGPIPE and reports EPIPE as a stream error instead, so we turn that error into the same status.
const SIGPIPE_STATUS = 141;
function onStreamError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(SIGPIPE_STATUS);
  throw e;
}
process.stdout.on('error', onStreamError);
process.stderr.on('error', onStreamError);

/** Writes are synchronous for files and pipes on Linux; a failed one marks the stream errored at once. */
function write(s: NodeJS.WriteStream, text: string): void {
  s.write(text.endsWith('\n') ? text : text + '\n');
  const e = s.errored as NodeJS.ErrnoException | null;
  if (e) onStreamError(e); // long synchronous loops (inspect) would otherwise run on to the end
}

const io: Io = {
  out: (text) => write(process.stdout, text),
  err: (text) => write(process.stderr, text),
};

process.exitCode = await main(process.argv.slice(2), io);
