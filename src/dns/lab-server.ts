// DNS inside the lab: the authoritative DnsServer on a lab UDP socket, and the adapters that let
// the stub resolver (and dig) send over lab sockets on the lab clock.
import type { Netns } from '../lab/netns.ts';
import type { Lab } from '../lab/lab.ts';
import type { UdpSocket } from '../lab/udp-socket.ts';
import type { DnsServer } from './server.ts';
import { StubResolver, type DnsClock, type DnsTransport, type ResolverFiles, type StubResolverOptions } from './stub-resolver.ts';

export interface LabDnsServer {
  readonly socket: UdpSocket;
  readonly server: DnsServer;
  close(): void;
}

/** Serves `server` on netns `addr:port` (addr '0.0.0.0' = any local address). */
export function serveDns(netns: Netns, addr: string, port: number, server: DnsServer): LabDnsServer {
  const sock = netns.udpBind(port, addr);
  const out = new Uint8Array(65535);
  const sched = netns.lab.scheduler;
  sock.onMessage((m) => {
    const n = server.handle(m.data, 0, m.data.length, out, 0, sched.now / 1e9);
    if (n > 0) sock.sendTo(out.slice(0, n), m.address, m.port);
  });
  return { socket: sock, server, close: () => sock.close() };
}

/** The lab scheduler as a DnsClock. */
export function labClock(lab: Lab): DnsClock {
  const s = lab.scheduler;
  return { now: () => s.now, after: (ns, fn) => s.after(ns, fn) };
}

/** A fresh ephemeral lab UDP socket per exchange (as glibc opens one per res_send). */
export function labTransport(netns: Netns): () => DnsTransport {
  return () => {
    const sock = netns.udpBind(0);
    return {
      send: (data, server, port) => sock.sendTo(data, server, port),
      onMessage: (cb) => void sock.onMessage((m) => cb(m.data, m.address, m.port)),
      close: () => sock.close(),
    };
  };
}

/** A resolver for a lab namespace reading its files through `files`. IDs come from the lab rng. */
export function labResolver(netns: Netns, files: ResolverFiles, o: StubResolverOptions = {}): StubResolver {
  return new StubResolver(labTransport(netns), labClock(netns.lab), files, { nextId: () => netns.lab.rng.int(0x10000), ...o });
}

/**
 * Runs the lab until `start(done)` has called `done` — for front ends that need an answer now
 * (`ping NAME`, the shell's dig). Bounded: at most `maxEvents` scheduler events.
 */
export function runToCompletion<T>(lab: Lab, start: (done: (v: T) => void) => void, maxEvents = 5_000_000): T | undefined {
  let result: T | undefined;
  let finished = false;
  start((v) => { result = v; finished = true; });
  const s = lab.scheduler;
  for (let n = 0; !finished && n < maxEvents; n++) if (!s.step()) break;
  return result;
}
