// The DNS server on a real UDP socket (node:dgram): the only part of src/dns that touches the OS.
// The core writes into one scratch buffer; each response is copied out before send() because
// Node may queue a datagram and read its buffer later.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { DnsServer, type DnsPlugin, type DnsServerOptions } from './server.ts';
import { parseZoneFile } from './zone-file.ts';
import { parseHostsFile, hostsToRecords } from './hosts-file.ts';
import { RecordStore, Zone } from './zone.ts';
import { HostsPlugin, ZonePlugin } from './plugins.ts';

export interface UdpDnsServer {
  readonly address: string;
  readonly port: number;
  readonly server: DnsServer;
  close(): Promise<void>;
}

/** Binds `host:port` (port 0 = ephemeral) and serves until close(). */
export function startUdpDnsServer(server: DnsServer, host = '127.0.0.1', port = 0): Promise<UdpDnsServer> {
  const sock: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const out = new Uint8Array(65535);
  const t0 = performance.now();
  sock.on('message', (msg, rinfo) => {
    const n = server.handle(msg, 0, msg.length, out, 0, (performance.now() - t0) / 1000);
    if (n > 0) sock.send(Buffer.from(out.subarray(0, n)), rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, host, () => {
      sock.off('error', reject);
      sock.on('error', () => {}); // ICMP port unreachable from gone clients must not kill the server
      const a = sock.address();
      resolve({
        address: a.address,
        port: a.port,
        server,
        close: () => new Promise<void>((r) => sock.close(() => r())),
      });
    });
  });
}

/** Loads zone files (and an optional hosts file) into a plugin chain: hosts first, then zones. */
export function loadServer(zoneFiles: string[], hostsFile?: string, opts: DnsServerOptions = {}): DnsServer {
  const plugins: DnsPlugin[] = [];
  if (hostsFile) {
    const store = new RecordStore();
    for (const rr of hostsToRecords(parseHostsFile(readFileSync(hostsFile, 'utf8')).entries)) store.add(rr);
    plugins.push(new HostsPlugin(store));
  }
  const zones = zoneFiles.map((f) => {
    const z = parseZoneFile(readFileSync(f, 'utf8'), { file: f });
    return new Zone(z.origin, z.records);
  });
  if (zones.length) plugins.push(new ZonePlugin(zones));
  return new DnsServer(plugins, opts);
}
