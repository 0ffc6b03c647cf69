// `ip netns [list] | add NAME | del NAME | exec NAME CMD…`. exec runs the command line in the
// namespace (and returns its status); a missing namespace is iproute2's
// `Cannot open network namespace "x": No such file or directory` (255).
import { matches, outLines } from '../command.ts';
import { IpExit, nl, unknownCmd, type IpCtx } from './ip-common.ts';

export async function ipNetns(ctx: IpCtx, args: string[]): Promise<number> {
  const cmd = args[0];
  const lab = ctx.session.lab;
  if (cmd === undefined || matches(cmd, 'list') || cmd === 'show' || cmd === 'lst') {
    outLines(ctx, lab.listNetns());
    return 0;
  }
  if (cmd === 'add') {
    const name = args[1];
    if (name === undefined) throw new IpExit('No netns name specified', 1);
    if (!/^[A-Za-z0-9_.-]{1,255}$/.test(name) || name === '.' || name === '..') throw new IpExit(`Invalid netns name "${name}"`, 255);
    return nl(ctx, () => void lab.addNetns(name));
  }
  if (matches(cmd, 'delete')) {
    const name = args[1];
    if (name === undefined) throw new IpExit('No netns name specified', 1);
    return nl(ctx, () => lab.delNetns(name));
  }
  if (cmd === 'exec') {
    const name = args[1];
    if (name === undefined) throw new IpExit('No netns name specified', 1);
    const ns = lab.netnsOrNull(name);
    if (!ns || ns === lab.root) throw new IpExit(`Cannot open network namespace "${name}": No such file or directory`, 255);
    if (args.length < 3) throw new IpExit('No command specified', 1);
    return ctx.exec(args.slice(2), ns);
  }
  if (matches(cmd, 'help')) throw new IpExit('Usage: ip netns list\n       ip netns add NAME\n       ip netns delete NAME\n       ip netns exec NAME cmd ...\n', 255);
  throw unknownCmd(cmd, 'netns');
}
