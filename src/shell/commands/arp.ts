// net-tools `arp [-n] [-a] [-i IF] [-d ADDR]` over the namespace's neighbour table. Without -n
// names come from /etc/hosts (the lab has no reverse DNS), otherwise the address is shown.
import type { Ctx, ShellCommand } from '../command.ts';
import { outLines } from '../command.ts';
import { tryParseIpv4 } from '../../ip/address.ts';

function reverse(hosts: string, ip: string): string | null {
  for (const raw of hosts.split('\n')) {
    const [addr, name] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (addr === ip && name) return name;
  }
  return null;
}

function run(ctx: Ctx, argv: string[]): number {
  let numeric = false;
  let bsd = false;
  let iface: string | undefined;
  const a = argv.slice(1);
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!;
    if (w === '-n' || w === '--numeric') numeric = true;
    else if (w === '-a' || w === '--display') bsd = true;
    else if (w === '-an' || w === '-na') (bsd = true), (numeric = true);
    else if (w === '-e') bsd = false;
    else if (w === '-i' || w === '--device') iface = a[++i];
    else if (w === '-d' || w === '--delete') {
      const ip = a[++i];
      if (ip === undefined || tryParseIpv4(ip) < 0) {
        ctx.err(`arp: need host name\n`);
        return 255;
      }
      const row = ctx.ns.ipNeigh().find((l) => l.startsWith(ip + ' '));
      if (!row) {
        ctx.err(`No ARP entry for ${ip}\n`);
        return 255;
      }
      ctx.ns.neighDel(ip, row.split(' ')[2]!);
      return 0;
    } else if (w === '-s' || w === '--set') {
      const ip = a[++i];
      const mac = a[++i];
      const dev = iface ?? ctx.ns.devices.find((d) => d.kind !== 'loopback' && d.adminUp)?.name;
      if (!ip || !mac || !dev) {
        ctx.err('arp: need hardware address\n');
        return 255;
      }
      try {
        ctx.ns.neighAdd(ip, mac, dev, true);
      } catch (e) {
        ctx.err(`SIOCSARP: ${(e as Error).message.replace(/^RTNETLINK answers: /, '')}\n`);
        return 255;
      }
      return 0;
    } else if (w.startsWith('-')) {
      ctx.err(`arp: invalid option -- '${w.slice(1, 2)}'\nUsage:\n  arp [-vn]  [<HW>] [-i <if>] [-a] [<hostname>]\n`);
      return 255;
    }
  }
  const hosts = ctx.session.readFile(ctx.ns, '/etc/hosts') ?? '';
  const table = ctx.ns.arpN();
  if (table.length === 0) {
    if (bsd) ctx.out('arp: in 0 entries no match found.\n');
    return 0;
  }
  const rows = table.slice(1).filter((l) => iface === undefined || l.trimEnd().endsWith(' ' + iface));
  if (bsd) {
    // BSD style: `? (192.168.12.2) at aa:bb:… [ether] on veth-red`
    outLines(ctx, rows.map((l) => {
      const f = l.trim().split(/\s+/);
      const ip = f[0]!;
      const name = numeric ? '?' : reverse(hosts, ip) ?? '?';
      if (f[1] === '(incomplete)') return `${name} (${ip}) at <incomplete> on ${f[f.length - 1]}`;
      return `${name} (${ip}) at ${f[2]} [${f[1]}]${f[3] === 'CM' ? ' PERM' : ''} on ${f[f.length - 1]}`;
    }));
    return 0;
  }
  const out = [table[0]!];
  for (const l of rows) {
    const ip = l.slice(0, 25).trim();
    const name = numeric ? null : reverse(hosts, ip);
    out.push(name ? (name + ' ').padEnd(25) + l.slice(25) : l);
  }
  outLines(ctx, out);
  return 0;
}

export const arpCommand: ShellCommand = { name: 'arp', summary: 'show the ARP (neighbour) table (net-tools)', run };
