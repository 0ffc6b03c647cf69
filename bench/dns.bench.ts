// DNS codec beside the npm package dns-packet encoding and decoding the same four messages in the
// same run, timed in alternating rounds (ratio = ours / theirs), plus the server's queries/s on a loopback UDP socket driven by
// dnsperf (Debian) when it is installed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import dnsPacket from 'dns-packet';
import { measure, row, type Measured, type Row } from './lib.ts';
import { DnsView, decodeDnsMessage, dnsMessage, emitDnsMessage, encodeDnsMessage, type DnsMessage } from '../src/dns/message.ts';
import { NameCompressor } from '../src/dns/name.ts';
import { DnsServer, PluginResult, type DnsPlugin } from '../src/dns/server.ts';
import { Zone } from '../src/dns/zone.ts';
import { ZonePlugin } from '../src/dns/plugins.ts';
import { parseZoneFile } from '../src/dns/zone-file.ts';
import { startUdpDnsServer } from '../src/dns/udp-server.ts';

const IN = 1;


const ours: Record<string, DnsMessage> = {
  query: dnsMessage({ id: 0x1234, rd: true, questions: [{ name: 'www.example.com.', type: 1, class: IN }] }),
  'A answer': dnsMessage({ id: 0x1234, qr: true, aa: true, rd: true, questions: [{ name: 'www.example.com.', type: 1, class: IN }],
    answers: [{ name: 'www.example.com.', type: 1, class: IN, ttl: 300, data: { address: 0xc000020a } }] }),
  'multi-record': dnsMessage({ id: 0x1234, qr: true, aa: true, rd: true, questions: [{ name: 'example.com.', type: 15, class: IN }],
    answers: [
      { name: 'example.com.', type: 15, class: IN, ttl: 3600, data: { preference: 10, exchange: 'mail.example.com.' } },
      { name: 'example.com.', type: 15, class: IN, ttl: 3600, data: { preference: 20, exchange: 'mail2.example.com.' } },
    ],
    authorities: [
      { name: 'example.com.', type: 2, class: IN, ttl: 3600, data: { target: 'ns1.example.com.' } },
      { name: 'example.com.', type: 2, class: IN, ttl: 3600, data: { target: 'ns2.example.com.' } },
    ],
    additionals: [
      { name: 'mail.example.com.', type: 1, class: IN, ttl: 3600, data: { address: 0xc0000219 } },
      { name: 'mail2.example.com.', type: 1, class: IN, ttl: 3600, data: { address: 0xc000021a } },
      { name: 'ns1.example.com.', type: 1, class: IN, ttl: 3600, data: { address: 0xc0000235 } },
    ] }),
  EDNS0: dnsMessage({ id: 0x1234, rd: true, ad: true, questions: [{ name: 'www.example.com.', type: 28, class: IN }],
    edns: { udpSize: 4096, version: 0, dnssecOk: true, options: [{ code: 10, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }] } }),
};

const q1 = { type: 'A' as const, name: 'www.example.com' };
const theirs: Record<string, dnsPacket.Packet> = {
  query: { type: 'query', id: 0x1234, flags: dnsPacket.RECURSION_DESIRED, questions: [q1] },
  'A answer': { type: 'response', id: 0x1234, flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED, questions: [q1],
    answers: [{ type: 'A', name: 'www.example.com', ttl: 300, data: '192.0.2.10' }] },
  'multi-record': { type: 'response', id: 0x1234, flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'MX', name: 'example.com' }],
    answers: [
      { type: 'MX', name: 'example.com', ttl: 3600, data: { preference: 10, exchange: 'mail.example.com' } },
      { type: 'MX', name: 'example.com', ttl: 3600, data: { preference: 20, exchange: 'mail2.example.com' } },
    ],
    authorities: [
      { type: 'NS', name: 'example.com', ttl: 3600, data: 'ns1.example.com' },
      { type: 'NS', name: 'example.com', ttl: 3600, data: 'ns2.example.com' },
    ],
    additionals: [
      { type: 'A', name: 'mail.example.com', ttl: 3600, data: '192.0.2.25' },
      { type: 'A', name: 'mail2.example.com', ttl: 3600, data: '192.0.2.26' },
      { type: 'A', name: 'ns1.example.com', ttl: 3600, data: '192.0.2.53' },
    ] },
  EDNS0: { type: 'query', id: 0x1234, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHENTIC_DATA, questions: [{ type: 'AAAA', name: 'www.example.com' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, flags: dnsPacket.DNSSEC_OK, options: [{ code: 10, data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) }] } as unknown as dnsPacket.Answer] },
};

// sinks stay in int32 range (`| 0`): a module counter grown past it is a heap number, one
// allocation per iteration that would show up as GCs in every row
let sink = 0;

/**
 * Times `theirs` and `ours` alternately, one timed run each per round, so that load from other
 * processes falls on both sides alike (consecutive 5-run blocks let a burst hit one side only);
 * medians of the rounds, GCs summed per side.
 */
async function pair(theirs: (n: number) => void, ours: (n: number) => void, n: number, rounds = 7): Promise<[Measured, Measured]> {
  const rt: number[] = [], ro: number[] = [];
  let gt = 0, go = 0;
  for (let r = 0; r < rounds; r++) {
    const a = await measure(theirs, n, 1);
    const b = await measure(ours, n, 1);
    rt.push(a.opsPerSec); gt += a.gc;
    ro.push(b.opsPerSec); go += b.gc;
  }
  const med = (x: number[]) => x.sort((p, q) => p - q)[x.length >> 1]!;
  return [{ opsPerSec: med(rt), gc: gt }, { opsPerSec: med(ro), gc: go }];
}

async function codecRows(): Promise<Row[]> {
  const rows: Row[] = [];
  const buf = new Uint8Array(4096);
  const tbuf = Buffer.alloc(4096);
  const comp = new NameCompressor();
  const N = 100_000;
  for (const name of Object.keys(ours)) {
    const m = ours[name]!, p = theirs[name]!;
    const bytes = encodeDnsMessage(m);
    const tbytes = dnsPacket.encode(p);
    // both decoders read both encodings the same way (sanity, outside the timing)
    if (typeof decodeDnsMessage(tbytes) === 'number') throw new Error(`we cannot decode dns-packet's ${name}`);
    dnsPacket.decode(Buffer.from(bytes));
    const [theirEnc, ourEnc] = await pair(
      (n) => { for (let i = 0; i < n; i++) sink = (sink + dnsPacket.encode(p, tbuf, 0).length) | 0; },
      (n) => { for (let i = 0; i < n; i++) sink = (sink + emitDnsMessage(m, buf, 0, comp)) | 0; }, N);
    rows.push(row(`dns encode ${name}`, 'msgs/s', ourEnc, { name: 'dns-packet', value: theirEnc.opsPerSec }));
    const tb = Buffer.from(bytes);
    const [theirDec, ourDec] = await pair(
      (n) => { for (let i = 0; i < n; i++) sink = (sink + dnsPacket.decode(tb).id!) | 0; },
      (n) => { for (let i = 0; i < n; i++) { const d = decodeDnsMessage(bytes); sink = (sink + (typeof d === 'number' ? d : d.id)) | 0; } }, N);
    rows.push(row(`dns decode ${name}`, 'msgs/s', ourDec, { name: 'dns-packet', value: theirDec.opsPerSec }));
  }
  // zero-allocation validation of the multi-record message (what the server does per query)
  const v = new DnsView();
  const mb = encodeDnsMessage(ours['multi-record']!);
  rows.push(row('dns view check multi-record', 'msgs/s', await measure((n) => { for (let i = 0; i < n; i++) sink = (sink + v.wrap(mb).check()) | 0; }, N * 5)));
  return rows;
}

const ZONE = `$ORIGIN example.com.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 900 604800 300\n@ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.10\n`;

function server(): DnsServer {
  const z = parseZoneFile(ZONE);
  const plugins: DnsPlugin[] = [new ZonePlugin([new Zone(z.origin, z.records)])];
  return new DnsServer(plugins);
}

async function serverRows(): Promise<Row[]> {
  const rows: Row[] = [];
  // the pure core, in-process: query bytes → response bytes
  const s = server();
  const q = encodeDnsMessage(ours.query!);
  const out = new Uint8Array(1500);
  rows.push(row('dns server core A query', 'queries/s', await measure((n) => { for (let i = 0; i < n; i++) sink = (sink + s.handle(q, 0, q.length, out, 0, 0)) | 0; }, 200_000)));
  void PluginResult;
  if (spawnSync('dnsperf', ['-h']).error) {
    process.stderr.write('dnsperf not installed: skipping the loopback socket row\n');
    return rows;
  }
  const udp = await startUdpDnsServer(server(), '127.0.0.1', 0);
  const dir = mkdtempSync(join(tmpdir(), 'dnsperf-'));
  try {
    const data = join(dir, 'queries');
    writeFileSync(data, 'www.example.com A\nexample.com NS\nnope.example.com A\nWWW.EXAMPLE.COM A\n');
    const out = await new Promise<string>((resolve) => {
      const p = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(udp.port), '-d', data, '-l', '3', '-c', '4', '-q', '200', '-t', '2']);
      let o = '';
      p.stdout.on('data', (d) => (o += d));
      p.on('close', () => resolve(o));
    });
    const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
    const lost = /Queries lost:\s+(\d+)/.exec(out)?.[1] ?? '?';
    process.stderr.write(`dnsperf: ${qps.toFixed(0)} q/s, lost ${lost}\n`);
    rows.push({ name: 'dns server udp loopback (dnsperf -l 3)', unit: 'queries/s', value: Math.round(qps), baseline: null, ratio: null, gc: 0 });
  } finally {
    await udp.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export async function bench(): Promise<Row[]> {
  const rows = [...(await codecRows()), ...(await serverRows())];
  if (sink === 0.5) console.log(sink);
  return rows;
}
