// `wirestack run SCRIPT`: runs a shell-style script (the primer's command blocks, pasted as they
// are) against a fresh lab and prints what the real tools would print. With --tap, lab interfaces
// are bound to Linux TAP devices and the lab runs on the wall clock, so the real kernel (ping,
// dig, tcpdump) talks to the scripted network.
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command, Io } from '../command.ts';
import { UsageError } from '../command.ts';
import { Session } from '../../shell/session.ts';
import { Runner, type CommandRecord } from '../../shell/runner.ts';
import type { Lab } from '../../lab/lab.ts';
import type { Port } from '../../link/port.ts';
import { openTap, tapNameProblem, type TapPort } from '../../tap/tap-port.ts';

const help = `usage: wirestack run SCRIPT [--pcap DIR | --pcapng FILE] [-e] [--json] [--explain] [--seed N]
                     [--tap NS/IFACE=TAPNAME]...

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
  --tap NS/IFACE=TAPNAME
                 bind lab interface IFACE of lab namespace NS ("root", or IFACE=TAPNAME alone,
                 for the lab's own namespace) to the Linux TAP device TAPNAME, created if missing,
                 else attached to (repeatable). IFACE appears down, like a new link, as soon as NS
                 exists: before the first command for root, else right after the command that
                 creates NS (the script's own "ip netns add NS"), so "ip -n NS addr add A/N dev
                 IFACE" and "ip -n NS link set IFACE up" configure it. The lab then runs on the
                 wall clock: ping, dig and sleep take real time. Devices we created are removed
                 at exit (also on SIGINT/SIGTERM); the kernel side of the TAP is yours to
                 configure. Needs Linux and CAP_NET_ADMIN.
Exit status: 0 if every line succeeded (a line's status is its last command's, as in bash, so\n"cmd || true" succeeds), else the failing status with -e, else 1.`;

export interface RunOptions {
  errexit?: boolean;
  seed?: number;
  pingCount?: number;
  pcapDir?: string;
  pcapng?: string;
  progName?: string;
  /** Lab interfaces bound to real devices (already open; the caller closes them). */
  taps?: TapBinding[];
  /** Where --tap binding problems are reported (default: the live stderr, if any). */
  onNotice?: (s: string) => void;
}

/** `--tap NS/IFACE=TAPNAME` once parsed (the port opened): lab interface NS/IFACE ↔ `port`. */
export interface TapBinding {
  /** Lab namespace ('root' = the lab's own). */
  ns: string;
  iface: string;
  port: Port;
}

/** Parses `NS/IFACE=TAPNAME` (or `IFACE=TAPNAME` for root). Throws UsageError. */
export function parseTapSpec(spec: string): { ns: string; iface: string; tap: string } {
  const m = /^(?:([^/=]+)\/)?([^/=]+)=([^=]+)$/.exec(spec);
  if (!m) throw new UsageError(`--tap: "${spec}" is not NS/IFACE=TAPNAME`);
  const [, ns = 'root', iface, tap] = m as unknown as [string, string | undefined, string, string];
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(ns) || ns === '.' || ns === '..') throw new UsageError(`--tap: "${ns}" is not a namespace name`);
  const bad = tapNameProblem(iface);
  if (bad) throw new UsageError(`--tap: interface name "${iface}" is ${bad}`);
  const badTap = tapNameProblem(tap);
  if (badTap || tap === '') throw new UsageError(`--tap: TAP device name "${tap}" is ${badTap ?? 'empty'}`);
  return { ns, iface, tap };
}

/** Runs a script in-process: the records and the session (for tests). */
export async function runScript(text: string, o: RunOptions = {}, live?: { out(s: string): void; err(s: string): void; record?(r: CommandRecord): void }): Promise<{ records: CommandRecord[]; session: Session; exit: number }> {
  const session = new Session({ seed: o.seed ?? 1, pingDefaultCount: o.pingCount });
  session.errexit = o.errexit ?? false;
  const lab = session.lab;
  if (o.pcapng) {
    mkdirSync(dirname(o.pcapng), { recursive: true }); // `--pcapng out/x.pcapng` works in a fresh clone
    lab.capture(o.pcapng);
  }
  const pcaps = o.pcapDir ? new PcapPerInterface(lab, o.pcapDir) : null;
  const taps = new TapBinder(lab, o.taps ?? [], o.onNotice ?? live?.err ?? (() => {}));
  const runner = new Runner(session, {
    progName: o.progName,
    onStdout: live?.out,
    onStderr: live?.err,
    onRecord: (r) => {
      // bind before refreshing captures, so a --pcap DIR run records the TAP interface too
      if (taps.bind()) r.stderr += taps.lastMessage;
      pcaps?.refresh();
      live?.record?.(r);
    },
  });
  taps.bind();
  pcaps?.refresh();
  let completed = false;
  try {
    completed = await runner.runText(text);
  } finally {
    lab.closeCaptures();
    // the wall driver would otherwise keep running the lab's timers after the script
    if (o.taps?.length) lab.scheduler.stop();
  }
  // A line's status is that of its last command, as in bash: `ping … || true` is a success.
  const lineStatus = new Map<number, number>();
  for (const r of runner.records) lineStatus.set(r.line, r.exit);
  const failed = [...lineStatus.values()].some((e) => e !== 0);
  let exit = !completed ? session.lastExit || 1 : failed ? 1 : 0;
  // a --tap that could not be bound fails the run (the script talked to nothing real)
  if (taps.unbound() || taps.failed > 0) exit ||= 1;
  return { records: runner.records, session, exit };
}

/**
 * --tap bindings waiting for their namespace. `bind()` adds IFACE to NS for every binding whose
 * NS now exists; a failure (the name is taken) is reported once on stderr and drops the binding.
 */
class TapBinder {
  private readonly waiting: TapBinding[];
  lastMessage = '';
  /** Bindings that failed (IFACE already taken in NS). */
  failed = 0;
  constructor(
    private readonly lab: Lab,
    taps: TapBinding[],
    private readonly err: (s: string) => void,
  ) {
    this.waiting = [...taps];
  }

  /** Returns true when it printed something (a failed binding). */
  bind(): boolean {
    let msg = '';
    for (let i = 0; i < this.waiting.length; ) {
      const b = this.waiting[i]!;
      const ns = b.ns === 'root' ? this.lab.root : this.lab.netnsOrNull(b.ns);
      if (!ns) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      try {
        ns.linkAddExternal(b.iface, b.port);
      } catch (e) {
        this.failed++;
        msg += `wirestack run: --tap ${b.ns}/${b.iface}=${b.port.name}: cannot add ${b.iface} to ${b.ns}: ${(e as Error).message.trim()}\n`;
      }
    }
    this.lastMessage = msg;
    if (msg) this.err(msg);
    return msg !== '';
  }

  /** At the end: bindings whose namespace never appeared (reported; the run then fails). */
  unbound(): boolean {
    for (const b of this.waiting) this.err(`wirestack run: --tap ${b.ns}/${b.iface}=${b.port.name}: the script never created namespace ${b.ns}; ${b.port.name} was not bound\n`);
    return this.waiting.length > 0;
  }
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
    const tapSpecs: { ns: string; iface: string; tap: string }[] = [];
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
      else if (a === '--tap') tapSpecs.push(parseTapSpec(val()));
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
    for (let i = 0; i < tapSpecs.length; i++)
      for (let j = 0; j < i; j++) {
        const [x, y] = [tapSpecs[i]!, tapSpecs[j]!];
        if (x.tap === y.tap) throw new UsageError(`--tap: TAP device ${x.tap} given twice`);
        if (x.ns === y.ns && x.iface === y.iface) throw new UsageError(`--tap: ${x.ns}/${x.iface} given twice`);
      }
    let text: string;
    try {
      text = readFileSync(script === '-' ? 0 : script, 'utf8');
    } catch (e) {
      io.err(`wirestack run: ${script}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
      return 2;
    }
    o.progName = script === '-' ? 'bash' : script;
    if (tapSpecs.length === 0) return runAndPrint(text, o, json, explain, io);
    // every argument is checked before the first device is opened; a failure closes what is open
    const ports: TapPort[] = [];
    try {
      for (const sp of tapSpecs) ports.push(openTap(sp.tap));
    } catch (e) {
      for (const p of ports) p.close();
      io.err(`wirestack run: ${(e as Error).message}`);
      return 1;
    }
    o.taps = tapSpecs.map((sp, i) => ({ ns: sp.ns, iface: sp.iface, port: ports[i]! }));
    o.onNotice = (s) => io.err(s.replace(/\n$/, ''));
    let closed = false;
    const closeAll = (): void => {
      if (closed) return;
      closed = true;
      for (const p of ports) {
        const st = p.stats;
        p.close();
        // a device we created vanishes with its fd; one that existed stays (its flags untouched)
        io.err(`wirestack run: ${p.name}: received ${st.rxFrames} frames, sent ${st.txFrames}; ${p.existed ? 'left in place (it existed before)' : 'removed (we created it)'}`);
      }
    };
    // SIGINT/SIGTERM mid-script: close the devices, then leave with 128+signal as a shell does
    // (the script's pending awaits are abandoned, hence the explicit exit)
    const onSignal = (sig: NodeJS.Signals): void => {
      io.err(`wirestack run: ${sig}: stopping`);
      closeAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      return await runAndPrint(text, o, json, explain, io);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      closeAll();
    }
  },
};

/** Runs the script and prints it live (or as one JSON array with --json); returns the exit status. */
async function runAndPrint(text: string, o: RunOptions, json: boolean, explain: boolean, io: Io): Promise<number> {
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
}
