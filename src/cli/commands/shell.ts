// `wirestack shell`: the interactive form of `wirestack run` — a prompt over one lab with history,
// tab completion of command names, ip objects, namespaces and device names, multi-line input
// (open quotes, `\`, here-documents), and Ctrl-C stopping a running ping (a second Ctrl-C at an
// empty prompt, or Ctrl-D, leaves).
import { createInterface } from 'node:readline';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { Session } from '../../shell/session.ts';
import { Runner } from '../../shell/runner.ts';
import { needsMore } from '../../shell/script.ts';
import { shellCommands } from '../../shell/registry.ts';
import { IP_OBJECTS } from '../../shell/commands/ip.ts';

const help = `usage: wirestack shell [--seed N] [--explain] [--pcapng FILE]

An interactive prompt over a fresh lab: type the commands of the primer as on a Linux host
(ip netns add red, ip link add veth-red type veth peer name veth-blue, ip netns exec red ping …).
Tab completes commands, ip objects, namespaces and device names; Ctrl-C stops a ping; Ctrl-D leaves.
  --explain      after a failed command or an unanswered ping, say why in lab terms
  --pcapng FILE  capture every interface into FILE`;

/** Completion candidates for the word being typed on `line` (exported for tests). */
export function complete(session: Session, line: string): [string[], string] {
  const words = line.split(/\s+/);
  const cur = words[words.length - 1] ?? '';
  const prev = words[words.length - 2];
  let pool: string[];
  if (words.length <= 1 || (prev !== undefined && words.length >= 4 && words[words.length - 3] === 'exec' && words[0] === 'ip'))
    pool = shellCommands.map((c) => c.name);
  else if (words[0] === 'ip' && words.length === 2) pool = [...IP_OBJECTS, '-n', '-s'];
  else if (prev === '-n' || prev === 'netns' || prev === 'exec' || prev === 'del') pool = session.lab.listNetns();
  else pool = [...session.deviceNames(), ...session.lab.listNetns()];
  const hits = [...new Set(pool)].filter((p) => p.startsWith(cur)).sort();
  return [hits, cur];
}

export const shellCommand: Command = {
  name: 'shell',
  summary: 'interactive shell over a lab: ip, ping, arp, route, bridge, sysctl, /etc files',
  help,
  async run(args, io) {
    let seed = 1;
    let explain = false;
    let pcapng: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--seed') seed = Number(args[++i]);
      else if (a === '--explain') explain = true;
      else if (a === '--pcapng') pcapng = args[++i];
      else throw new UsageError(`unknown option "${a}"`);
    }
    if (!Number.isInteger(seed)) throw new UsageError('--seed: an integer');
    // a piped (non-TTY) session is a script: ping without -c is bounded there too
    const session = new Session({ seed, interactive: Boolean(process.stdin.isTTY) });
    if (pcapng) session.lab.capture(pcapng);
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: process.stdin.isTTY,
      historySize: 1000,
      completer: (line: string) => complete(session, line),
    });
    // bash prints no prompts when stdin is not a terminal (`printf … | wirestack shell`)
    const tty = Boolean(process.stdin.isTTY);
    const prompt = () => {
      if (!tty) return;
      rl.setPrompt('wirestack$ ');
      rl.prompt();
    };
    let running: AbortController | null = null;
    let buffer = '';
    rl.on('SIGINT', () => {
      if (running) running.abort();
      else if (buffer) {
        buffer = '';
        io.out('^C');
        prompt();
      } else {
        io.out('^C (Ctrl-D or "exit" leaves)');
        prompt();
      }
    });
    prompt();
    // input line numbers, so errors say `line N` of the whole session as bash does
    let lineNo = 0;
    let firstLine = 1;
    for await (const line of rl) {
      lineNo++;
      if (!buffer) firstLine = lineNo;
      buffer = buffer ? `${buffer}\n${line}` : line;
      if (needsMore(buffer)) {
        if (tty) {
          rl.setPrompt('> ');
          rl.prompt();
        }
        continue;
      }
      const text = buffer;
      buffer = '';
      if (/^\s*(exit|logout)\s*$/.test(text)) break;
      running = new AbortController();
      const runner = new Runner(session, {
        progName: 'wirestack',
        signal: running.signal,
        onStdout: (s) => void process.stdout.write(s),
        onStderr: (s) => void process.stderr.write(s),
        onRecord: (r) => {
          if (explain && r.explain) process.stderr.write(`wirestack: explain: ${r.explain}\n`);
        },
      });
      await runner.runText(text, firstLine);
      running = null;
      if (session.exitRequested !== null) break;
      prompt();
    }
    rl.close();
    session.lab.closeCaptures();
    return session.lastExit;
  },
};
