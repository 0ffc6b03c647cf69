import t from 'tap';
import { readFileSync } from 'node:fs';
import { fromHex } from '../../src/bytes.ts';
import { decodeDnsMessage, dnsMessage, encodeDnsMessage, formatRecord, type DnsMessage } from '../../src/dns/message.ts';
import { DnsRcode, DnsType } from '../../src/dns/types.ts';
import { parseZoneFile, ZoneFileError } from '../../src/dns/zone-file.ts';
import { parseHostsFile, hostsToRecords } from '../../src/dns/hosts-file.ts';
import { loadServer } from '../../src/dns/udp-server.ts';

const fx = (f: string) => new URL(`./fixtures/${f}`, import.meta.url).pathname;
const server = loadServer([fx('example.com.zone'), fx('big.example.com.zone')], fx('hosts'));
const out = new Uint8Array(4096);

function ask(name: string, type: number, extra: Partial<DnsMessage> = {}): DnsMessage {
  const q = encodeDnsMessage(dnsMessage({ id: 0x7777, rd: true, questions: [{ name, type, class: 1 }], ...extra }));
  const n = server.handle(q, 0, q.length, out, 0, 0);
  const m = decodeDnsMessage(out, 0, n);
  if (typeof m === 'number') throw new Error(`bad response: ${m}`);
  return m;
}
const rows = (m: DnsMessage) => m.answers.map(formatRecord);

t.test('zone file syntax', async (t) => {
  const z = parseZoneFile(readFileSync(fx('example.com.zone'), 'utf8'));
  t.equal(z.origin, 'example.com.');
  const soa = z.records[0]!;
  t.same(soa.data, { mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial: 2024010101, refresh: 7200, retry: 900, expire: 604800, minimum: 300 }, 'multi-line SOA, units, relative rname');
  t.equal(z.records[1]!.name, 'example.com.', 'blank owner repeats the previous one');
  t.equal(z.records.find((r) => r.name === 'mail.example.com.')!.ttl, 600, 'class before TTL');
  t.equal(z.records.find((r) => r.name === 'www.example.com.')!.ttl, 300);
  t.throws(() => parseZoneFile('$TTL 1\n@ SOA a b 1 2 3 4 5\nx A 300.1.1.1\n', { origin: 'z.', file: 'f' }), new ZoneFileError('f', 3, 'bad IPv4 address "300.1.1.1"'));
  t.throws(() => parseZoneFile('x A 1.2.3.4\n', { origin: 'z.' }), /no TTL/);
  t.throws(() => parseZoneFile('$TTL 1\nx ( A 1.2.3.4\n', { origin: 'z.' }), /unbalanced/);
  t.throws(() => parseZoneFile('$TTL 1\nx BOGUS 1\n', { origin: 'z.' }), /unknown record type/);
  t.throws(() => loadServer([fx('hosts')]), /./, 'a hosts file is not a zone');
});

t.test('hosts file', async (t) => {
  const h = parseHostsFile(readFileSync(fx('hosts'), 'utf8'));
  t.equal(h.entries.length, 4);
  t.same(h.warnings, ['line 6: bad address "bogus"']);
  const rr = hostsToRecords(h.entries).map(formatRecord);
  t.ok(rr.includes('web.internal.\t3600\tIN\tA\t192.0.2.200'));
  t.ok(rr.includes('200.2.0.192.in-addr.arpa.\t3600\tIN\tPTR\tweb.internal.'));
  t.ok(rr.includes('ip6-loopback.\t3600\tIN\tAAAA\t::1'));
});

t.test('authoritative answers', async (t) => {
  let m = ask('www.example.com.', DnsType.A);
  t.same([m.id, m.qr, m.aa, m.rd, m.ra, m.rcode], [0x7777, true, true, true, false, 0]);
  t.same(rows(m), ['www.example.com.\t300\tIN\tA\t192.0.2.10']);
  m = ask('WwW.eXaMpLe.CoM.', DnsType.AAAA);
  t.equal(m.questions[0]!.name, 'WwW.eXaMpLe.CoM.', 'question case preserved');
  t.same(rows(m), ['WwW.eXaMpLe.CoM.\t3600\tIN\tAAAA\t2001:db8::10']);
  m = ask('chain1.example.com.', DnsType.A);
  t.same(rows(m).map((r) => r.split('\t')[4]), ['chain2.example.com.', 'alias.example.com.', 'www.example.com.', '192.0.2.10'], 'CNAME chain chased');
  m = ask('outside.example.com.', DnsType.A);
  t.same(rows(m), ['outside.example.com.\t3600\tIN\tCNAME\twww.example.org.'], 'out-of-zone target left to the resolver');
  m = ask('dangling.example.com.', DnsType.A);
  t.equal(m.rcode, DnsRcode.NXDOMAIN, 'CNAME to a missing name: NXDOMAIN (RFC 6604)');
  t.equal(m.answers.length, 1);
  m = ask('nope.example.com.', DnsType.A);
  t.same([m.rcode, m.aa, m.answers.length], [DnsRcode.NXDOMAIN, true, 0]);
  t.same(m.authorities.map(formatRecord), ['example.com.\t300\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2024010101 7200 900 604800 300'], 'SOA TTL = min(3600, 300)');
  m = ask('www.example.com.', DnsType.MX);
  t.same([m.rcode, m.answers.length, m.authorities[0]!.type], [0, 0, DnsType.SOA], 'NODATA');
  m = ask('deep.example.com.', DnsType.A);
  t.same([m.rcode, m.authorities.length], [0, 1], 'empty non-terminal is NODATA, not NXDOMAIN');
  m = ask('example.com.', DnsType.ANY);
  t.ok(m.answers.length >= 6, 'ANY returns every set');
  m = ask('www.example.org.', DnsType.A);
  t.same([m.rcode, m.aa], [DnsRcode.REFUSED, false], 'not ours');
  m = ask('web.', DnsType.A);
  t.same(rows(m), ['web.\t3600\tIN\tA\t192.0.2.200'], 'hosts plugin');
  m = ask('www.example.com.', DnsType.A, { opcode: 2 });
  t.equal(m.rcode, DnsRcode.NOTIMP);
  t.equal(m.questions.length, 1);
  m = ask('example.com.', DnsType.AXFR);
  t.equal(m.rcode, DnsRcode.NOTIMP, 'no zone transfer over UDP');
});

t.test('EDNS0 and truncation', async (t) => {
  let m = ask('many.big.example.com.', DnsType.A);
  t.same([m.tc, m.answers.length], [true, 0], '100 A records do not fit 512 bytes: TC, whole RRset dropped');
  m = ask('many.big.example.com.', DnsType.A, { edns: { udpSize: 4096, version: 0, dnssecOk: false, options: [] } });
  t.same([m.tc, m.answers.length], [true, 0], '12+26+100*16+11 bytes exceed our 1232-byte cap even for a 4096 client');
  t.same(m.edns && [m.edns.udpSize, m.edns.version], [1232, 0], 'OPT in the response, advertising our size');
  const big = loadServer([fx('big.example.com.zone')], undefined, { maxUdpSize: 4096 });
  const q = encodeDnsMessage(dnsMessage({ id: 1, questions: [{ name: 'many.big.example.com.', type: 1, class: 1 }], edns: { udpSize: 4096, version: 0, dnssecOk: false, options: [] } }));
  const n = big.handle(q, 0, q.length, out, 0, 0);
  t.equal(n, 12 + 26 + 100 * 16 + 11, 'every owner compressed to a 2-byte pointer');
  const bm = decodeDnsMessage(out, 0, n);
  t.same(typeof bm === 'number' ? bm : [bm.tc, bm.answers.length], [false, 100], 'fits with a 4096-byte cap');
  m = ask('many.big.example.com.', DnsType.A, { edns: { udpSize: 1000, version: 0, dnssecOk: true, options: [] } });
  t.same([m.tc, m.answers.length, m.edns!.dnssecOk], [true, 0, true], 'client size honoured; DO echoed');
  m = ask('www.example.com.', DnsType.A, { edns: { udpSize: 4096, version: 1, dnssecOk: false, options: [] } });
  t.equal(m.rcode, DnsRcode.BADVERS, 'EDNS version 1: BADVERS via the extended RCODE');
});

t.test('malformed corpus: FORMERR, and the server keeps answering', async (t) => {
  const qn = '03777777076578616d706c6503636f6d00';
  const corpus: Record<string, string> = {
    'compression loop': 'beef01000001000000000000' + 'c00c' + '00010001',
    'forward pointer': 'beef01000001000000000000' + 'c010' + '00010001',
    'pointer out of range': 'beef01000001000000000000' + 'c0ff' + '00010001',
    'counts too large': 'beef01000001000300000000' + qn + '00010001',
    'truncated RDATA': 'beef01000001000000000001' + qn + '00010001' + '000001000100000000000a0102',
    'label of 64': 'beef01000001000000000000' + '40' + '61'.repeat(64) + '00' + '00010001',
    'two questions': 'beef01000002000000000000' + qn + '00010001' + qn + '00010001',
    'no question': 'beef01000000000000000000',
    'trailing bytes': 'beef01000001000000000000' + qn + '00010001' + '00',
  };
  for (const [what, hex] of Object.entries(corpus)) {
    const q = fromHex(hex);
    const n = server.handle(q, 0, q.length, out, 0, 0);
    const m = decodeDnsMessage(out, 0, n);
    t.same(typeof m === 'number' ? m : [m.id, m.qr, m.rcode], [0xbeef, true, DnsRcode.FORMERR], what);
    t.same(rows(ask('www.example.com.', DnsType.A)), ['www.example.com.\t300\tIN\tA\t192.0.2.10'], `still serving after ${what}`);
  }
  t.equal(server.handle(fromHex('beef0100'), 0, 4, out, 0, 0), 0, 'shorter than a header: dropped');
  const resp = fromHex('beef81000001000000000000' + qn + '00010001');
  t.equal(server.handle(resp, 0, resp.length, out, 0, 0), 0, 'a response is never answered');
});
