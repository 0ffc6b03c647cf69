// Shell builtins a walkthrough script uses: true, false, :, sleep (advances the lab clock, so
// ARP entries age and queued packets move on; waits in real time on a wall clock), set -e / set +e,
// exit, export / unset (shell variables) and help.
import type { Ctx, ShellCommand } from '../command.ts';
import { shellCommands } from '../registry.ts';

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

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `export NAME[=VALUE]…`: sets the variable like an assignment (no lab command reads the
 * environment, so exporting changes nothing else); a bare `export` or `export -p` lists them as
 * bash does (`declare -x NAME="VALUE"`).
 */
export const exportCommand: ShellCommand = {
  name: 'export',
  summary: 'export NAME[=VALUE]…: set shell variables (the lab has no environment to pass on)',
  run(ctx: Ctx, argv: string[]) {
    const { vars, exported } = ctx.session;
    const args = argv.slice(1).filter((a) => a !== '-p' && a !== '--');
    if (args.length === 0) {
      for (const n of [...exported].sort()) {
        const v = vars.get(n);
        ctx.out(v === undefined ? `declare -x ${n}\n` : `declare -x ${n}="${v.replace(/["\\$`]/g, '\\$&')}"\n`);
      }
      return 0;
    }
    let st = 0;
    for (const a of args) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (!NAME.test(name)) {
        ctx.err(`export: \`${a}': not a valid identifier\n`);
        st = 1;
        continue;
      }
      if (eq >= 0) vars.set(name, a.slice(eq + 1));
      exported.add(name);
    }
    return st;
  },
};

/** `unset NAME…`: forgets shell variables (unknown names are not an error, as in bash). */
export const unsetCommand: ShellCommand = {
  name: 'unset',
  summary: 'unset NAME…: remove shell variables',
  run(ctx: Ctx, argv: string[]) {
    let st = 0;
    for (const a of argv.slice(1)) {
      if (a === '-v') continue;
      if (!NAME.test(a)) {
        ctx.err(`unset: \`${a}': not a valid identifier\n`);
        st = 1;
        continue;
      }
      ctx.session.vars.delete(a);
      ctx.session.exported.delete(a);
    }
    return st;
  },
};

/**
 * `help [NAME…]`: the commands the lab shell runs and the shell syntax it accepts (as bash's
 * `help` lists its builtins); with names, those commands' lines. An unknown name is bash's error.
 */
export const helpCommand: ShellCommand = {
  name: 'help',
  summary: 'help [NAME]: list the commands the lab shell runs',
  run(ctx: Ctx, argv: string[]) {
    const names = argv.slice(1);
    const width = Math.max(...shellCommands.map((c) => c.name.length));
    const row = (c: ShellCommand) => `  ${c.name.padEnd(width)}  ${c.summary}\n`;
    if (names.length) {
      let found = false;
      for (const n of names)
        for (const c of shellCommands)
          if (c.name === n || (n.includes('*') && new RegExp(`^${n.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(c.name))) {
            ctx.out(row(c));
            found = true;
          }
      if (!found) {
        const n = names[names.length - 1]!;
        ctx.err(`help: no help topics match \`${n}'.  Try \`help help' or \`man -k ${n}' or \`info ${n}'.\n`);
        return 1;
      }
      return 0;
    }
    ctx.out(
      'wirestack lab shell: these commands run against the lab; any other name is "command not found".\n' +
        'Shell syntax: ; && || | > >> < 2> 2>&1 &> <<EOF, NAME=VALUE, $NAME ${NAME} "$NAME" $?,\n' +
        "  for NAME in WORDS; do COMMANDS; done  (not while/until/if/case, $(…), `…`, $((…)), ${NAME:-…})\n\n",
    );
    for (const c of [...shellCommands].sort((a, b) => a.name.localeCompare(b.name))) ctx.out(row(c));
    return 0;
  },
};
