// What the `ip` sub-commands share: their context (namespace, -s count), iproute2's exit
// statuses, and turning a lab NetlinkError into the message and status `ip` would give.
import { NetlinkError } from '../../lab/errors.ts';
import type { Netns } from '../../lab/netns.ts';
import type { Ctx } from '../command.ts';

export interface IpCtx extends Ctx {
  /** `-s` given this many times. */
  stats: number;
  /** `-d` given this many times (vxlan details in `ip -d link`). */
  details?: number;
}

/** An error `ip` reports itself (usage, parse errors): message printed as is, then exit `code`. */
export class IpExit extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** iproute2's invarg(): `Error: argument "x" is wrong: why` plus an empty line, exit 255. */
export const invarg = (why: string, arg: string) => new IpExit(`Error: argument "${arg}" is wrong: ${why}\n\n`, 255);
/** duparg2(): the word after a keyword that was already given. */
export const duparg2 = (key: string, arg: string) => new IpExit(`Error: either "${key}" is duplicate, or "${arg}" is a garbage.`, 255);
export const unknownCmd = (cmd: string, obj: string) => new IpExit(`Command "${cmd}" is unknown, try "ip ${obj} help".`, 255);
export const incomplete = () => new IpExit('Command line is not complete. Try option "help"', 255);

/** Exit status of `ip` for a lab error: the lab error carries it (NetlinkError.exitCode, see IpStatus). */
export function exitFor(e: NetlinkError): number {
  return e.exitCode;
}

/** Runs a lab operation; a NetlinkError becomes the printed message and `ip`'s status. */
export function nl(ctx: Ctx, f: () => void): number {
  try {
    f();
    return 0;
  } catch (e) {
    if (e instanceof NetlinkError) {
      ctx.err(e.message.endsWith('\n') ? e.message : e.message + (/^Error: argument/.test(e.message) ? '\n\n' : '\n'));
      return exitFor(e);
    }
    throw e;
  }
}

/** Cursor over argv with iproute2's NEXT_ARG(). */
export class Args {
  i = 0;
  constructor(readonly a: string[]) {}
  get more(): boolean {
    return this.i < this.a.length;
  }
  peek(): string | undefined {
    return this.a[this.i];
  }
  take(): string {
    return this.a[this.i++]!;
  }
  /** The value after a keyword, or the incomplete-command error. */
  next(): string {
    this.i++;
    if (this.i >= this.a.length) throw incomplete();
    return this.a[this.i++]!;
  }
}

export function devExists(ns: Netns, name: string): boolean {
  return ns.dev(name) !== undefined;
}
