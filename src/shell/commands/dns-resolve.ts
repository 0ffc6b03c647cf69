// Name resolution for shell commands: one stub resolver per lab namespace (its cache lives as
// long as the session), reading that namespace's /etc/resolv.conf, /etc/hosts and
// /etc/nsswitch.conf on every lookup, and run to completion on the lab clock — stepped on the
// virtual clock, awaited in real time on the wall clock (see labAwait).
import type { Ctx } from '../command.ts';
import type { Netns } from '../../lab/netns.ts';
import type { Session } from '../session.ts';
import type { Lab } from '../../lab/lab.ts';
import { labResolver, runToCompletion } from '../../dns/lab-server.ts';
import { GAI_STRERROR, type ResolveResult, type StubResolver } from '../../dns/stub-resolver.ts';
import { DnsType } from '../../dns/types.ts';

const resolvers = new WeakMap<Session, WeakMap<Netns, StubResolver>>();

export function nsResolver(session: Session, ns: Netns): StubResolver {
  let m = resolvers.get(session);
  if (!m) resolvers.set(session, (m = new WeakMap()));
  let r = m.get(ns);
  if (!r) {
    r = labResolver(ns, {
      resolvConf: () => session.readFile(ns, '/etc/resolv.conf'),
      hosts: () => session.readFile(ns, '/etc/hosts'),
      nsswitch: () => session.readFile(ns, '/etc/nsswitch.conf'),
      hostname: () => session.hostname(ns),
    });
    m.set(ns, r);
  }
  return r;
}

/**
 * getaddrinfo(name, AF_INET) in the command's namespace. On failure `error` is the text a tool
 * prints after `NAME: ` (gai_strerror), e.g. `ping: web: Name or service not known`.
 */
export function resolveHost(ctx: Ctx, name: string): HostLookup {
  return lookupResult(name, runToCompletion<ResolveResult>(ctx.session.lab, (done) => nsResolver(ctx.session, ctx.ns).resolve(name, DnsType.A, done)));
}

/** resolveHost on either clock: awaited in real time when the lab runs on the wall clock (labAwait). */
export async function resolveHostAsync(ctx: Ctx, name: string): Promise<HostLookup> {
  return lookupResult(name, await labAwait<ResolveResult>(ctx.session.lab, (done) => nsResolver(ctx.session, ctx.ns).resolve(name, DnsType.A, done)));
}

export type HostLookup = { ip: string; canon: string } | { error: string; result: ResolveResult | null };

function lookupResult(name: string, r: ResolveResult | undefined): HostLookup {
  if (!r) return { error: GAI_STRERROR.EAI_AGAIN, result: null };
  if (r.error) return { error: GAI_STRERROR[r.error], result: r };
  return { ip: r.addresses[0]!, canon: r.canonName ?? name };
}

/** Upper bound on a wall-clock wait: the resolver's own timeouts (-W, +time × tries) end it sooner. */
const WALL_WAIT_MAX_MS = 120_000;

/**
 * Runs a lab exchange until `start(done)` calls `done`. Virtual clock: steps the scheduler
 * (runToCompletion; synchronous and deterministic). Wall clock (a TAP or other real device is
 * attached): waits in real time while the scheduler's wall driver runs the lab and the real
 * device delivers frames — stepping there would jump the clock past every timeout before the
 * kernel had a chance to answer, and block the event loop the replies arrive on.
 */
export function labAwait<T>(lab: Lab, start: (done: (v: T) => void) => void): Promise<T | undefined> {
  if (lab.scheduler.mode !== 'wall') return Promise.resolve(runToCompletion<T>(lab, start));
  return new Promise((resolve) => {
    let finished = false;
    // the wall driver's timers are unref'd: this keeps the process alive until the answer is in
    const guard = setTimeout(() => finish(undefined), WALL_WAIT_MAX_MS);
    const finish = (v: T | undefined): void => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      resolve(v);
    };
    start((v) => finish(v));
  });
}
