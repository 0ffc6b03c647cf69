// The DNS server on a real TCP socket (node:net), beside the UDP one on the same address and port.
//
// Framing is RFC 1035 §4.2.2 as RFC 7766 refines it: every message is preceded by a 2-byte length,
// a connection carries any number of queries, several may arrive in one segment or one query may
// be split over many (pipelining, §6.2.1.1), and answers go out in the order the queries arrived
// (the core is synchronous, so order is free). A response may use the whole 65535 bytes the
// prefix can describe, so TC is never set over TCP (§8). Idle connections are closed after a
// timeout (§6.2.3 asks servers to do so; BIND and Unbound default to 30 s).
//
// A frame that cannot be a DNS query (shorter than a header, or a message the core will not
// answer, such as a response) means the stream is out of step or the peer is not speaking DNS:
// answers already queued are flushed, then that connection — and only it — is closed.
import { createServer, type Server, type Socket } from 'node:net';
import { put16 } from '../bytes.ts';
import { HEADER_LEN } from './message.ts';
import type { DnsServer } from './server.ts';
import { startUdpDnsServer, type UdpDnsServer } from './udp-server.ts';

/** Largest DNS message a TCP length prefix can describe (RFC 1035 §4.2.2). */
export const TCP_MAX_MESSAGE = 65535;

/**
 * Splits a byte stream into length-prefixed DNS messages. Complete frames are handed out in place
 * (borrowed from the chunk); only a frame straddling chunks is copied, into one per-connection
 * buffer of 2 + 65535 bytes allocated the first time that happens.
 */
export class DnsTcpFramer {
  private acc: Uint8Array | null = null;
  /** Bytes of a partial frame (prefix included) held in acc. */
  private have = 0;

  /** Bytes waiting for the rest of their frame. */
  get pending(): number {
    return this.have;
  }

  /**
   * Feeds one chunk. `onMessage(buf, off, len)` is called for every complete message; it returns
   * false to stop. Returns false when a frame is malformed (length under a DNS header) or the
   * callback stopped — the caller then closes the connection.
   */
  push(chunk: Uint8Array, onMessage: (buf: Uint8Array, off: number, len: number) => boolean): boolean {
    let i = 0;
    const n = chunk.length;
    if (this.have > 0) {
      const acc = this.acc!;
      // complete the 2-byte prefix, then the body
      while (this.have < 2 && i < n) acc[this.have++] = chunk[i++]!;
      if (this.have < 2) return true;
      const len = (acc[0]! << 8) | acc[1]!;
      if (len < HEADER_LEN) return false;
      const take = Math.min(2 + len - this.have, n - i);
      acc.set(chunk.subarray(i, i + take), this.have);
      this.have += take;
      i += take;
      if (this.have < 2 + len) return true;
      this.have = 0;
      if (!onMessage(acc, 2, len)) return false;
    }
    while (i + 2 <= n) {
      const len = (chunk[i]! << 8) | chunk[i + 1]!;
      if (len < HEADER_LEN) return false;
      if (i + 2 + len > n) break;
      if (!onMessage(chunk, i + 2, len)) return false;
      i += 2 + len;
    }
    if (i < n) {
      this.acc ??= new Uint8Array(2 + TCP_MAX_MESSAGE);
      this.acc.set(chunk.subarray(i), 0);
      this.have = n - i;
    }
    return true;
  }
}

export interface TcpDnsOptions {
  /** Close a connection after this long without traffic (default 30000 ms). */
  idleTimeoutMs?: number;
  /** Connections accepted at once; more are refused by the kernel's accept path (default 256). */
  maxConnections?: number;
}

/** Counters named for what happened to connections (queries are counted by the DnsServer). */
export interface TcpDnsStats {
  accepted: number;
  /** Closed because a frame was malformed or not a query. */
  badFrames: number;
  /** Closed by the idle timeout. */
  idleClosed: number;
}

export interface TcpDnsServer {
  readonly address: string;
  readonly port: number;
  readonly server: DnsServer;
  readonly stats: TcpDnsStats;
  /** Connections open now. */
  connections(): number;
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0 = ephemeral) for DNS over TCP until close(). */
export function startTcpDnsServer(server: DnsServer, host = '127.0.0.1', port = 0, opts: TcpDnsOptions = {}): Promise<TcpDnsServer> {
  const idle = opts.idleTimeoutMs ?? 30_000;
  const stats: TcpDnsStats = { accepted: 0, badFrames: 0, idleClosed: 0 };
  // one response buffer for all connections: handle() is synchronous and each answer is copied
  // out before write() (the socket may queue it), so it is free again when the next query comes
  const out = new Uint8Array(2 + TCP_MAX_MESSAGE);
  const open = new Set<Socket>();
  const t0 = performance.now();

  const onConnection = (sock: Socket) => {
    stats.accepted++;
    open.add(sock);
    sock.setNoDelay(true);
    sock.setTimeout(idle);
    sock.on('timeout', () => { stats.idleClosed++; sock.destroy(); });
    sock.on('error', () => {}); // a reset from the client ends this connection only
    sock.on('close', () => open.delete(sock));
    const framer = new DnsTcpFramer();
    let closing = false, draining = false;
    const answer = (buf: Uint8Array, off: number, len: number): boolean => {
      const n = server.handle(buf, off, len, out, 2, (performance.now() - t0) / 1000, TCP_MAX_MESSAGE);
      if (n === 0) return false;
      put16(out, 0, n);
      if (!sock.write(Buffer.from(out.subarray(0, 2 + n))) && !draining) {
        // slow reader: stop reading until its answers drain (bounds what we buffer per client)
        draining = true;
        sock.pause();
        sock.once('drain', () => { draining = false; if (!closing) sock.resume(); });
      }
      return true;
    };
    sock.on('data', (chunk: Buffer) => {
      if (closing) return;
      sock.cork();
      const ok = framer.push(chunk, answer);
      sock.uncork();
      if (!ok) {
        // flush what was answered, send FIN, read no more; the idle timer reaps a peer that never closes
        closing = true;
        stats.badFrames++;
        sock.pause();
        sock.end();
      }
    });
  };

  const srv: Server = createServer({ allowHalfOpen: false }, onConnection);
  srv.maxConnections = opts.maxConnections ?? 256;
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => {
      srv.off('error', reject);
      const a = srv.address();
      if (a === null || typeof a === 'string') { srv.close(); reject(new Error('tcp listen: no address')); return; }
      resolve({
        address: a.address,
        port: a.port,
        server,
        stats,
        connections: () => open.size,
        close: () => new Promise<void>((r) => {
          for (const s of open) s.destroy();
          srv.close(() => r());
        }),
      });
    });
  });
}

export interface DnsListeners {
  readonly address: string;
  readonly port: number;
  readonly udp: UdpDnsServer;
  readonly tcp: TcpDnsServer;
  close(): Promise<void>;
}

/**
 * UDP and TCP on the same address and port, as a DNS server must serve both (RFC 7766 §5). With
 * port 0 the UDP port is chosen first and TCP binds the same number; if another program holds
 * that TCP port, a fresh pair is tried (a few times).
 */
export async function startDnsListeners(server: DnsServer, host = '127.0.0.1', port = 0, opts: TcpDnsOptions = {}): Promise<DnsListeners> {
  for (let attempt = 0; ; attempt++) {
    const udp = await startUdpDnsServer(server, host, port);
    try {
      const tcp = await startTcpDnsServer(server, host, udp.port, opts);
      return {
        address: udp.address,
        port: udp.port,
        udp,
        tcp,
        close: async () => { await Promise.all([udp.close(), tcp.close()]); },
      };
    } catch (e) {
      await udp.close();
      if (port !== 0 || attempt >= 4 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
}
