// Shell builtins a walkthrough script uses: true, false, :, sleep (advances the lab clock, so
// ARP entries age and queued packets move on; waits in real time on a wall clock), set -e / set +e.
import type { Ctx, ShellCommand } from '../command.ts';

export const trueCommand: ShellCommand = { name: 'true', summary: 'do nothing, successfully', run: () => 0 };
export const colonCommand: ShellCommand = { name: ':', summary: 'do nothing, successfully', run: () => 0 };
export const falseCommand: ShellCommand = { name: 'false', summary: 'do nothing, unsuccessfully', run: () => 1 };

export const sleepCommand: ShellCommand = {
  name: 'sleep',
  summary: 'advance the lab clock by N seconds (s/m/h suffixes)',
  run(ctx: Ctx, argv: string[]) {
    if (argv.length < 2) {
      ctx.err("sleep: missing operand\nTry 'sleep --help' for more information.\n");
      return 1;
    }
    let ms = 0;
    for (const a of argv.slice(1)) {
      const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(a);
      if (!m) {
        ctx.err(`sleep: invalid time interval '${a}'\nTry 'sleep --help' for more information.\n`);
        return 1;
      }
      ms += Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]!]! * 1000;
    }
    // wall clock (a real device is attached): really wait, the lab runs meanwhile; jumping the
    // clock ahead would freeze lab time until the real one caught up
    if (ctx.session.lab.scheduler.mode === 'wall') return new Promise<number>((res) => setTimeout(() => res(0), ms));
    ctx.session.lab.runFor(ms);
    return 0;
  },
};

export const setCommand: ShellCommand = {
  name: 'set',
  summary: 'set -e: stop at the first failing command; set +e: continue',
  run(ctx: Ctx, argv: string[]) {
    for (const a of argv.slice(1)) {
      if (/^-[a-z]*e/.test(a)) ctx.session.errexit = true;
      else if (/^\+[a-z]*e/.test(a)) ctx.session.errexit = false;
    }
    return 0;
  },
};

/**
 * bash's `exit [N]`: ends the script (or the shell) with status N (default: the last command's),
 * taken modulo 256; a non-numeric N is "numeric argument required" and status 2.
 */
export const exitCommand: ShellCommand = {
  name: 'exit',
  summary: 'exit [N]: stop the script (or shell) with status N',
  run(ctx: Ctx, argv: string[]) {
    const a = argv[1];
    let st = ctx.session.lastExit;
    if (argv.length > 2) {
      ctx.err('exit: too many arguments\n');
      return 1; // bash does not exit then
    }
    if (a !== undefined) {
      if (!/^[-+]?\d+$/.test(a)) {
        ctx.err(`exit: ${a}: numeric argument required\n`);
        st = 2;
      } else st = ((Number(a) % 256) + 256) % 256;
    }
    ctx.session.exitRequested = st;
    return st;
  },
};
