// procps `sysctl [-n] [-q] [-w] KEY[=VALUE]…` over the namespace's sysctls (`net.ipv4.ip_forward`
// and the few others the lab models). Keys may use `/` as separator, as procps accepts.
import type { Ctx, ShellCommand } from '../command.ts';
import { NetlinkError } from '../../lab/errors.ts';

function run(ctx: Ctx, argv: string[]): number {
  let valueOnly = false;
  let quiet = false;
  let write = false;
  let rc = 0;
  const keys: string[] = [];
  for (const w of argv.slice(1)) {
    if (/^-[nqwe]+$/.test(w)) {
      if (w.includes('n')) valueOnly = true;
      if (w.includes('q')) quiet = true;
      if (w.includes('w')) write = true;
    } else if (w === '-a' || w === '-A' || w === '--all') {
      for (const k of [...ctx.ns.sysctls.keys()].sort()) ctx.out(ctx.ns.sysctl(k) + '\n');
      return 0;
    } else if (w.startsWith('-')) {
      ctx.err(`sysctl: invalid option -- '${w.slice(1, 2)}'\n`);
      return 255;
    } else keys.push(w);
  }
  if (keys.length === 0) {
    ctx.err('sysctl: no variables specified\nTry `sysctl --help\' for more information.\n');
    return 255;
  }
  for (const k of keys) {
    const eq = k.indexOf('=');
    if (write && eq < 0) {
      ctx.err('sysctl: command line(0): invalid syntax, continuing...\n');
      rc = 1;
      continue;
    }
    try {
      const line = eq >= 0 ? ctx.ns.sysctl(k.slice(0, eq).trim(), k.slice(eq + 1).trim()) : ctx.ns.sysctl(k);
      if (!quiet || eq < 0) ctx.out((valueOnly ? line.slice(line.indexOf(' = ') + 3) : line) + '\n');
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      ctx.err(e.message + '\n');
      rc = /Invalid argument/.test(e.message) ? 255 : 1;
    }
  }
  return rc;
}

export const sysctlCommand: ShellCommand = { name: 'sysctl', summary: 'read or set kernel parameters (net.ipv4.ip_forward, …)', run };
