// `wirestack run SCRIPT`: runs a shell-style script (the primer's command blocks, pasted as they
// are) against a fresh lab and prints what the real tools would print.
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { Session } from '../../shell/session.ts';
import { Runner, type CommandRecord } from '../../shell/runner.ts';
import type { Lab } from '../../lab/lab.ts';

const help = `usage: wirestack run SCRIPT [--pcap DIR | --pcapng FILE] [-e] [--json] [--explain] [--seed N]

Runs SCRIPT (a shell-style file: comments, blank lines, "$ " prompts, trailing # comments, \\
continuations, here-documents) line by line against a fresh lab, with the real tools' output:
ip (netns, link, addr, route, neigh), ping, arp, route, bridge, sysctl, hostname, cat, echo.
SCRIPT "-" reads standard input.
  -e             stop at the first failing command (like set -e)
  --json         print one JSON array of {line, command, exit, stdout, stderr[, explain]}
  --explain      after a failed command or an unanswered ping, say why in lab terms
  --pcap DIR     write one pcap per namespace/interface into DIR
  --pcapng FILE  write every interface into one pcapng file
  --seed N       seed of the lab's random source (MACs, IDs; default 1)
  --ping-count N echo requests sent by a ping without -c (default 4)
Exit status: 0 if every command succeeded, else the failing status with -e, else 1.`;

export interface RunOptions {
  errexit?: boolean;
  seed?: number;
  pingCount?: number;
  pcapDir?: string;
  pcapng?: string;
  progName?: string;
}

/** Runs a script in-process: the records and the session (for tests). */
export async function runScript(text: string, o: RunOptions = {}, live?: { out(s: string): void; err(s: string): void; record?(r: CommandRecord): void }): Promise<{ records: CommandRecord[]; session: Session; exit: number }> {
  const session = new Session({ seed: o.seed ?? 1, pingDefaultCount: o.pingCount });
  session.errexit = o.errexit ?? false;
  const lab = session.lab;
  if (o.pcapng) lab.capture(o.pcapng);
  const pcaps = o.pcapDir ? new PcapPerInterface(lab, o.pcapDir) : null;
  const runner = new Runner(session, {
    progName: o.progName,
    onStdout: live?.out,
    onStderr: live?.err,
    onRecord: (r) => {
      pcaps?.refresh();
      live?.record?.(r);
    },
  });
  pcaps?.refresh();
  const completed = await runner.runText(text);
  lab.closeCaptures();
  const failed = runner.records.find((r) => r.exit !== 0);
  const exit = !completed ? session.lastExit || 1 : failed ? 1 : 0;
  return { records: runner.records, session, exit };
}

/** --pcap DIR: a pcap file per `namespace/interface`, opened as devices appear (or move). */
class PcapPerInterface {
  private readonly seen = new Set<string>();
  constructor(
    private readonly lab: Lab,
    private readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }
  refresh(): void {
    for (const ns of this.lab.allNamespaces())
      for (const d of ns.devices) {
        const key = `${ns.name}/${d.name}`;
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        this.lab.capture(join(this.dir, `${ns.name}-${d.name}.pcap`), { ifaces: [key], format: 'pcap' });
      }
  }
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a shell-style script of ip/ping/arp/route/bridge/… commands against a lab',
  help,
  async run(args, io) {
    let script: string | undefined;
    const o: RunOptions = {};
    let json = false;
    let explain = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const val = () => {
        const v = args[++i];
        if (v === undefined) throw new UsageError(`${a} needs a value`);
        return v;
      };
      if (a === '-e') o.errexit = true;
      else if (a === '--json') json = true;
      else if (a === '--explain') explain = true;
      else if (a === '--pcap') o.pcapDir = val();
      else if (a === '--pcapng') o.pcapng = val();
      else if (a === '--seed') {
        o.seed = Number(val());
        if (!Number.isInteger(o.seed) || o.seed < 0) throw new UsageError('--seed: a non-negative integer');
      } else if (a === '--ping-count') {
        o.pingCount = Number(val());
        if (!Number.isInteger(o.pingCount) || o.pingCount < 1) throw new UsageError('--ping-count: a positive integer');
      } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option "${a}"`);
      else if (script === undefined) script = a;
      else throw new UsageError(`one script only (got "${script}" and "${a}")`);
    }
    if (script === undefined) throw new UsageError('missing SCRIPT');
    if (o.pcapDir && o.pcapng) throw new UsageError('give --pcap DIR or --pcapng FILE, not both');
    let text: string;
    try {
      text = readFileSync(script === '-' ? 0 : script, 'utf8');
    } catch (e) {
      io.err(`wirestack run: ${script}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
      return 2;
    }
    o.progName = script === '-' ? 'bash' : script;
    if (json) {
      const { records, exit } = await runScript(text, o);
      io.out(JSON.stringify(explain ? records : records.map(({ explain: _e, ...r }) => r), null, 1));
      return exit;
    }
    const { exit } = await runScript(text, o, {
      out: (s) => io.out(s),
      err: (s) => io.err(s),
      record: (r) => {
        // commands set an explanation only when they failed or a ping went unanswered
        if (explain && r.explain) io.err(`wirestack: explain: ${r.explain}`);
      },
    });
    return exit;
  },
};
