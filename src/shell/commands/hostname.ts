// `hostname [-I | -i | NAME]`: the namespace's /etc/hostname (each lab namespace has its own; see
// session.ts), -I its addresses as hostname(1) prints them (space-separated, trailing space).
import type { Ctx, ShellCommand } from '../command.ts';
import { ipv4ToString } from '../../ip/address.ts';
import { hostsLookup } from './files.ts';

function run(ctx: Ctx, argv: string[]): number {
  const a = argv.slice(1);
  if (a.length === 0 || a[0] === '-s' || a[0] === '-f' || a[0] === '--fqdn' || a[0] === '--short') {
    ctx.out(ctx.session.hostname(ctx.ns) + '\n');
    return 0;
  }
  if (a[0] === '-I' || a[0] === '--all-ip-addresses') {
    const addrs = ctx.ns.devices.filter((d) => d.adminUp && d.kind !== 'loopback').flatMap((d) => d.addrs.filter((x) => x.scope === 'global').map((x) => ipv4ToString(x.addr)));
    ctx.out(addrs.map((x) => x + ' ').join('') + '\n');
    return 0;
  }
  if (a[0] === '-i' || a[0] === '--ip-address') {
    const name = ctx.session.hostname(ctx.ns);
    const ip = hostsLookup(ctx.session.readFile(ctx.ns, '/etc/hosts') ?? '', name);
    if (!ip) {
      ctx.err('hostname: Name or service not known\n');
      return 1;
    }
    ctx.out(ip + ' \n');
    return 0;
  }
  if (a[0]!.startsWith('-')) {
    ctx.err(`hostname: invalid option -- '${a[0]!.slice(1, 2)}'\n`);
    return 1;
  }
  ctx.session.writeFile(ctx.ns, '/etc/hostname', a[0]! + '\n', false);
  return 0;
}

export const hostnameCommand: ShellCommand = { name: 'hostname', summary: 'show or set the namespace host name', run };
