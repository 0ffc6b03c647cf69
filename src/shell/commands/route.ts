// net-tools `route [-n]`: the kernel routing table. Without -n the destination 0.0.0.0 reads
// "default" (net-tools 2.10 keeps gateway 0.0.0.0 numeric, as a real Debian host shows).
import type { Ctx, ShellCommand } from '../command.ts';
import { outLines } from '../command.ts';

function run(ctx: Ctx, argv: string[]): number {
  const a = argv.slice(1);
  let numeric = false;
  for (const w of a) {
    if (w === '-n' || w === '--numeric' || w === '-4' || w === '-A' || w === 'inet') numeric ||= w === '-n' || w === '--numeric';
    else if (w === '-e' || w === '-ee' || w === '-v') continue;
    else if (w === 'add' || w === 'del') {
      ctx.err('wirestack: "route add/del" is not modelled; use "ip route add/del"\n');
      return 1;
    } else {
      ctx.err(`route: invalid option -- '${w.replace(/^-+/, '').slice(0, 1)}'\nUsage: route [-nNvee] [-FC] [<AF>]           List kernel routing tables\n`);
      return 1;
    }
  }
  const lines = ctx.ns.routeN();
  outLines(ctx, numeric ? lines : lines.map((l, i) => (i >= 2 && l.startsWith('0.0.0.0 ') ? 'default'.padEnd(16) + l.slice(16) : l)));
  return 0;
}

export const routeCommand: ShellCommand = { name: 'route', summary: 'show the IP routing table (net-tools)', run };
