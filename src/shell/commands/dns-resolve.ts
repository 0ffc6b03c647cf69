// Name resolution for shell commands: one stub resolver per lab namespace (its cache lives as
// long as the session), reading that namespace's /etc/resolv.conf, /etc/hosts and
// /etc/nsswitch.conf on every lookup, and run to completion on the lab clock.
import type { Ctx } from '../command.ts';
import type { Netns } from '../../lab/netns.ts';
import type { Session } from '../session.ts';
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
export function resolveHost(ctx: Ctx, name: string): { ip: string; canon: string } | { error: string; result: ResolveResult | null } {
  const r = runToCompletion<ResolveResult>(ctx.session.lab, (done) => nsResolver(ctx.session, ctx.ns).resolve(name, DnsType.A, done));
  if (!r) return { error: GAI_STRERROR.EAI_AGAIN, result: null };
  if (r.error) return { error: GAI_STRERROR[r.error], result: r };
  return { ip: r.addresses[0]!, canon: r.canonName ?? name };
}
