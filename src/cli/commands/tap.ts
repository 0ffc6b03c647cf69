// `wirestack tap TAPNAME --ip A/N …`: a lab host on the other end of a Linux TAP device that
// answers ARP and ping and serves DNS, until SIGINT/SIGTERM. See src/tap/tap-lab.ts.
import type { Command } from '../command.ts';
import { optionValue, untilSignal, UsageError } from '../command.ts';
import { startTapLab, type TapLabOptions } from '../../tap/tap-lab.ts';

const help = `usage: wirestack tap TAPNAME --ip ADDR/LEN [--gateway ADDR] [--dns ZONEFILE]… [--pcap FILE]
                     [--netns NS] [--host-ip ADDR/LEN] [--seed N]

Puts a lab host on the other end of the TAP device TAPNAME (created if missing, else attached to):
it answers ARP and ping for ADDR and serves the zone files on UDP port 53. Runs on the wall clock
until SIGINT or SIGTERM, then removes the device if it created it. Needs Linux and CAP_NET_ADMIN.
  --ip ADDR/LEN      the lab side's address (e.g. 10.0.0.2/24)
  --gateway ADDR     the lab side's default route
  --dns ZONEFILE     serve an RFC 1035 master file authoritatively (repeatable)
  --pcap FILE        capture the lab side (.pcap → pcap, otherwise pcapng)
  --netns NS         move the TAP device into kernel network namespace NS first
  --host-ip ADDR/LEN give the kernel side of the TAP this address and bring it up
  --seed N           seed of the lab's random source (MAC, IDs; default 1)
Try: sudo wirestack tap tap0 --ip 10.0.0.2/24 --host-ip 10.0.0.1/24   then   ping 10.0.0.2`;

export const tapCommand: Command = {
  name: 'tap',
  summary: 'a lab host behind a Linux TAP device: answers ARP and ping, serves DNS',
  help,
  async run(args, io) {
    let tap: string | undefined;
    const o: Partial<TapLabOptions> & { zones: string[] } = { zones: [] };
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const val = () => optionValue(a, args[++i]);
      if (a === '--ip') o.ip = val();
      else if (a === '--gateway') o.gateway = val();
      else if (a === '--dns') o.zones.push(val());
      else if (a === '--pcap') o.pcap = val();
      else if (a === '--netns') o.netns = val();
      else if (a === '--host-ip') o.hostIp = val();
      else if (a === '--seed') {
        o.seed = Number(val());
        if (!Number.isInteger(o.seed) || o.seed < 0) throw new UsageError('--seed: a non-negative integer');
      } else if (a.startsWith('-')) throw new UsageError(`unknown option "${a}"`);
      else if (tap === undefined) tap = a;
      else throw new UsageError(`one TAP device only (got "${tap}" and "${a}")`);
    }
    if (tap === undefined) throw new UsageError('missing TAPNAME');
    if (o.ip === undefined) throw new UsageError('missing --ip ADDR/LEN');
    let t;
    try {
      t = startTapLab({ ...o, tap, ip: o.ip });
    } catch (e) {
      io.err(`wirestack tap: ${(e as Error).message}`);
      return /^--/.test((e as Error).message) ? 2 : 1;
    }
    for (const l of t.lines) io.out(l);
    io.out('ready (SIGINT or SIGTERM stops)');
    const wait = untilSignal();
    t.port.onError = (errno) => {
      io.err(`wirestack tap: ${t.port.name} went away (errno ${errno})`);
      wait.stop('device error');
    };
    const signal = await wait.done;
    io.out(`${signal}: stopping`);
    for (const l of t.close()) io.out(l);
    return 0;
  },
};
