// `conntrack -L | -F | -D` (conntrack-tools 1.4.7) over the current namespace's connection table.
import type { Ctx, ShellCommand } from '../command.ts';
import { conntrack } from '../../nat/conntrack-cli.ts';
import { LabNetfilter } from '../../lab/netfilter-hooks.ts';

function run(ctx: Ctx, argv: string[]): number {
  const r = conntrack(LabNetfilter.of(ctx.ns).nf.ct, argv.slice(1), ctx.ns.lab.scheduler.now / 1e9);
  if (r.stdout) ctx.out(r.stdout);
  if (r.stderr) ctx.err(r.stderr);
  return r.status;
}

export const conntrackCommand: ShellCommand = { name: 'conntrack', summary: 'list, flush or delete connection tracking entries', run };
