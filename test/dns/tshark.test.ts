// tshark decodes a pcap of our query and response with no malformed packets and the same dns.* fields.
// The pcap is written by hand (global header + Ethernet/IPv4/UDP per record) to keep this test
// independent of src/pcap.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { put16, put32, put16le, put32le } from '../../src/bytes.ts';
import { internetChecksum } from '../../src/ip/checksum.ts';
import { dnsMessage, encodeDnsMessage } from '../../src/dns/message.ts';
import { loadServer } from '../../src/dns/udp-server.ts';
import { needPeer, run } from '../helpers/peers.ts';

const fx = (f: string) => new URL(`./fixtures/${f}`, import.meta.url).pathname;

function frame(payload: Uint8Array, src: number, dst: number, sport: number, dport: number): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8 + payload.length);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
  const ip = 14;
  f[ip] = 0x45;
  put16(f, ip + 2, 20 + 8 + payload.length);
  f[ip + 8] = 64;
  f[ip + 9] = 17;
  put32(f, ip + 12, src);
  put32(f, ip + 16, dst);
  put16(f, ip + 10, internetChecksum(f, ip, 20));
  put16(f, ip + 20, sport);
  put16(f, ip + 22, dport);
  put16(f, ip + 24, 8 + payload.length); // UDP checksum 0: none (RFC 768)
  f.set(payload, ip + 28);
  return f;
}

function pcap(frames: Uint8Array[]): Uint8Array {
  const total = 24 + frames.reduce((n, f) => n + 16 + f.length, 0);
  const b = new Uint8Array(total);
  put32le(b, 0, 0xa1b2c3d4);
  put16le(b, 4, 2);
  put16le(b, 6, 4);
  put32le(b, 16, 65535);
  put32le(b, 20, 1); // LINKTYPE_ETHERNET
  let p = 24;
  frames.forEach((f, i) => {
    put32le(b, p, 1700000000 + i);
    put32le(b, p + 8, f.length);
    put32le(b, p + 12, f.length);
    b.set(f, p + 16);
    p += 16 + f.length;
  });
  return b;
}

t.test('tshark reads our query and response', async (t) => {
  if (!needPeer(t, 'tshark')) return;
  const server = loadServer([fx('example.com.zone')]);
  const query = encodeDnsMessage(dnsMessage({ id: 0x5151, rd: true, questions: [{ name: 'Chain1.example.com.', type: 1, class: 1 }],
    edns: { udpSize: 4096, version: 0, dnssecOk: false, options: [] } }));
  const out = new Uint8Array(1500);
  const n = server.handle(query, 0, query.length, out, 0, 0);
  const resp = out.slice(0, n);
  const nx = encodeDnsMessage(dnsMessage({ id: 0x5152, questions: [{ name: 'nx.example.com.', type: 28, class: 1 }] }));
  const nxr = out.slice(0, server.handle(nx, 0, nx.length, out, 0, 0)).slice();
  const dir = mkdtempSync(join(tmpdir(), 'wsdns-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'dns.pcap');
  const cli = 0x7f000002, srv = 0x7f000001;
  writeFileSync(file, pcap([frame(query, cli, srv, 40000, 53), frame(resp, srv, cli, 53, 40000), frame(nx, cli, srv, 40001, 53), frame(nxr, srv, cli, 53, 40001)]));
  const fields = ['dns.id', 'dns.flags.response', 'dns.flags.authoritative', 'dns.flags.rcode', 'dns.qry.name', 'dns.qry.type',
    'dns.count.answers', 'dns.cname', 'dns.a', 'dns.resp.ttl', 'dns.rr.udp_payload_size', 'dns.soa.minimum_ttl', '_ws.expert.message'];
  const r = run('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])]);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => l.split('|'));
  t.equal(lines.length, 4);
  t.same(lines[0]!.slice(0, 7), ['0x5151', '0', '', '', 'Chain1.example.com', '1', '0'], 'query: rcode/aa not shown for queries');
  const a = lines[1]!;
  t.same(a.slice(0, 7), ['0x5151', '1', '1', '0', 'Chain1.example.com', '1', '4']);
  t.equal(a[7], 'chain2.example.com,alias.example.com,www.example.com', 'CNAME chain through compressed names');
  t.equal(a[8], '192.0.2.10');
  t.equal(a[9], '3600,3600,3600,300');
  t.equal(a[10], '1232', 'OPT payload size');
  t.same(lines[3]!.slice(0, 7), ['0x5152', '1', '1', '3', 'nx.example.com', '28', '0']);
  const soaMin = lines[3]![11];
  t.equal(soaMin, '300');
  for (const l of lines) t.notMatch(l[12] ?? '', /malformed|Malformed/i, 'no malformed packets');
  const info = run('tshark', ['-r', file]);
  t.notMatch(info.stdout, /Malformed/);
  t.match(info.stdout, /Standard query response 0x5151 A Chain1\.example\.com CNAME chain2\.example\.com CNAME alias\.example\.com CNAME www\.example\.com A 192\.0\.2\.10 OPT/);
  t.match(info.stdout, /Standard query response 0x5152 No such name AAAA nx\.example\.com SOA ns1\.example\.com/);
});
