import t from 'tap';
import { fromHex, toHex } from '../../src/bytes.ts';
import { WireError } from '../../src/wire-error.ts';
import {
  DnsView, decodeDnsMessage, dnsMessage, emitDnsMessage, encodeDnsMessage, formatDnsMessage, formatRecord, type DnsMessage,
} from '../../src/dns/message.ts';
import { NameCompressor } from '../../src/dns/name.ts';
import { parseIpv6, ipv6ToString } from '../../src/dns/rdata.ts';
import { DnsType } from '../../src/dns/types.ts';
import { needPeer, python } from '../helpers/peers.ts';

const te = new TextEncoder();
const IN = 1;
const allTypes: DnsMessage = dnsMessage({
  id: 0xabcd, qr: true, aa: true, rd: true, ra: false, rcode: 0,
  questions: [{ name: 'example.com.', type: DnsType.ANY, class: IN }],
  answers: [
    { name: 'example.com.', type: DnsType.A, class: IN, ttl: 300, data: { address: 0xc000020a } },
    { name: 'example.com.', type: DnsType.AAAA, class: IN, ttl: 300, data: { address: parseIpv6('2001:db8::10')! } },
    { name: 'www.example.com.', type: DnsType.CNAME, class: IN, ttl: 60, data: { target: 'example.com.' } },
    { name: 'example.com.', type: DnsType.NS, class: IN, ttl: 3600, data: { target: 'ns1.example.com.' } },
    { name: '10.2.0.192.in-addr.arpa.', type: DnsType.PTR, class: IN, ttl: 3600, data: { target: 'www.example.com.' } },
    { name: 'example.com.', type: DnsType.MX, class: IN, ttl: 3600, data: { preference: 10, exchange: 'mail.example.com.' } },
    { name: 'example.com.', type: DnsType.TXT, class: IN, ttl: 3600, data: { strings: [te.encode('v=spf1 -all'), te.encode('two')] } },
    { name: '_sip._udp.example.com.', type: DnsType.SRV, class: IN, ttl: 3600, data: { priority: 0, weight: 5, port: 5060, target: 'sip.example.com.' } },
    { name: 'example.com.', type: DnsType.SOA, class: IN, ttl: 3600, data: { mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial: 2024010101, refresh: 7200, retry: 900, expire: 604800, minimum: 300 } },
    { name: 'example.com.', type: 65280, class: IN, ttl: 5, data: { raw: fromHex('0a0b0c0d') } },
  ],
  edns: { udpSize: 1232, version: 0, dnssecOk: true, options: [{ code: 10, data: fromHex('0102030405060708') }] },
});

t.test('every record type round-trips through emit and parse', async (t) => {
  const bytes = encodeDnsMessage(allTypes);
  const back = decodeDnsMessage(bytes);
  t.same(back, allTypes);
  t.ok(bytes.length < encodeDnsMessage(allTypes, false).length, 'compression saves bytes');
  t.same(decodeDnsMessage(encodeDnsMessage(allTypes, false)), allTypes, 'uncompressed decodes the same');
  // emit at a non-zero offset: pointers stay relative to the message start
  const buf = new Uint8Array(2000);
  const n = emitDnsMessage(allTypes, buf, 77, new NameCompressor());
  t.equal(toHex(buf, 77, n), toHex(bytes));
  t.same(decodeDnsMessage(buf, 77, n), allTypes);
  t.equal(emitDnsMessage(allTypes, new Uint8Array(100), 0), -WireError.NO_SPACE);
});

t.test('compression matches case-insensitively, so later names take the earlier case (RFC 4343)', async (t) => {
  const m = dnsMessage({ qr: true, questions: [{ name: 'WWW.Example.COM.', type: 1, class: IN }],
    answers: [{ name: 'www.example.com.', type: 1, class: IN, ttl: 1, data: { address: 1 } }] });
  const back = decodeDnsMessage(encodeDnsMessage(m));
  t.equal(typeof back === 'number' ? back : back.answers[0]!.name, 'WWW.Example.COM.');
});

t.test('view accessors and formatting', async (t) => {
  const bytes = encodeDnsMessage(allTypes);
  const v = new DnsView(bytes);
  t.equal(v.check(), 0);
  t.equal(v.id, 0xabcd);
  t.ok(v.qr && v.aa && v.rd && !v.tc);
  t.equal(v.ancount, 10);
  t.equal(v.arcount, 1);
  t.equal(v.qtype, DnsType.ANY);
  t.equal(v.ednsUdpSize, 1232);
  t.ok(v.ednsDo);
  t.equal(formatRecord(allTypes.answers[5]!), 'example.com.\t3600\tIN\tMX\t10 mail.example.com.');
  t.equal(formatRecord(allTypes.answers[1]!), 'example.com.\t300\tIN\tAAAA\t2001:db8::10');
  t.equal(formatRecord(allTypes.answers[6]!), 'example.com.\t3600\tIN\tTXT\t"v=spf1 -all" "two"');
  t.equal(formatRecord(allTypes.answers[9]!), 'example.com.\t5\tIN\tTYPE65280\t\\# 4 0A0B0C0D');
  t.equal(formatDnsMessage(dnsMessage({ id: 0x1a2b, questions: [{ name: 'www.example.com.', type: 1, class: 1 }] })), 'Standard query 0x1a2b A www.example.com');
  t.equal(ipv6ToString(parseIpv6('fe80:0:0:0:1:0:0:1')!), 'fe80::1:0:0:1');
  t.equal(ipv6ToString(parseIpv6('::ffff:192.0.2.1')!), '::ffff:c000:201');
  t.equal(parseIpv6('1::2::3'), null);
});

t.test('malformed messages: typed errors', async (t) => {
  const q = 'beef0100000100000000000003777777076578616d706c6503636f6d0000010001';
  t.equal(decodeDnsMessage(fromHex(q.slice(0, 20))), WireError.TRUNCATED, 'short header');
  t.equal(decodeDnsMessage(fromHex('beef01000001000500000000' + q.slice(24))), WireError.BAD_COUNT, 'ANCOUNT 5, no records');
  t.equal(decodeDnsMessage(fromHex('beef01000002000000000000' + q.slice(24) + '00')), WireError.TRUNCATED, 'second question cut short');
  t.equal(decodeDnsMessage(fromHex(q + 'ff')), WireError.TRAILING_BYTES);
  const ans = 'beef81800001000100000000' + q.slice(24) + 'c00c000100010000012c0004c000';
  t.equal(decodeDnsMessage(fromHex(ans)), WireError.BAD_RDATA, 'RDLENGTH 4, 2 bytes left');
  const badA = 'beef81800001000100000000' + q.slice(24) + 'c00c000100010000012c0003c00002';
  t.equal(decodeDnsMessage(fromHex(badA)), WireError.BAD_RDATA, 'A record of 3 bytes');
  const cname = 'beef81800001000100000000' + q.slice(24) + 'c00c000500010000012c0003c00c00';
  t.equal(decodeDnsMessage(fromHex(cname)), WireError.BAD_RDATA, 'CNAME name longer than its RDATA');
  const optInAnswer = 'beef81800001000100000000' + q.slice(24) + '0000290200000000000000';
  t.equal(decodeDnsMessage(fromHex(optInAnswer)), WireError.BAD_OPT, 'OPT in the answer section');
  const twoOpt = 'beef01000001000000000002' + q.slice(24) + '0000291000000000000000'.repeat(2);
  t.equal(decodeDnsMessage(fromHex(twoOpt)), WireError.BAD_OPT, 'two OPT records');
});

// scapy prints the fields it decoded, so both decoders can be compared field by field
const SCAPY_FIELDS = `
from scapy.all import *
import json, sys
def s(v):
    if isinstance(v, bytes): return v.decode('latin1')
    if isinstance(v, list): return [s(x) for x in v]
    return v if isinstance(v, (int, str)) or v is None else str(v)
def rrs(x, n):
    out = []
    for i in range(n):
        r = x[i]
        d = {k: s(getattr(r, k)) for k in ('rrname','type','rclass','ttl','rdata','preference','exchange','priority','weight','port','target','mname','rname','serial','refresh','retry','expire','minimum') if k in r.fields}
        out.append(d)
    return out
m = DNS(bytes.fromhex(sys.argv[1]))
print(json.dumps({'id': m.id, 'qr': m.qr, 'aa': m.aa, 'tc': m.tc, 'rd': m.rd, 'rcode': m.rcode,
  'qd': [s(m.qd.qname), m.qd.qtype], 'an': rrs(m.an, m.ancount), 'ar': rrs(m.ar, m.arcount)}))
`;

t.test('scapy decodes our compressed message to the same fields', async (t) => {
  if (!needPeer(t, 'scapy')) return;
  const hex = toHex(encodeDnsMessage(allTypes));
  const out = JSON.parse(python(`import sys; sys.argv=['x','${hex}']\n${SCAPY_FIELDS}`));
  t.same([out.id, out.qr, out.aa, out.tc, out.rd, out.rcode], [0xabcd, 1, 1, 0, 1, 0]);
  t.same(out.qd, ['example.com.', 255]);
  const an = out.an as Record<string, unknown>[];
  t.equal(an.length, 10);
  t.same(an.map((r) => r.rrname), allTypes.answers.map((r) => r.name), 'owner names, decompressed');
  t.same(an.map((r) => r.type), allTypes.answers.map((r) => r.type));
  t.same(an.map((r) => r.ttl), allTypes.answers.map((r) => r.ttl));
  t.equal(an[0]!.rdata, '192.0.2.10');
  t.equal(an[1]!.rdata, '2001:db8::10');
  t.equal(an[2]!.rdata, 'example.com.');
  t.equal(an[3]!.rdata, 'ns1.example.com.');
  t.equal(an[4]!.rdata, 'www.example.com.');
  t.same([an[5]!.preference, an[5]!.exchange], [10, 'mail.example.com.']);
  t.same(an[6]!.rdata, ['v=spf1 -all', 'two']);
  t.same([an[7]!.priority, an[7]!.weight, an[7]!.port, an[7]!.target], [0, 5, 5060, 'sip.example.com.']);
  t.same([an[8]!.mname, an[8]!.rname, an[8]!.serial, an[8]!.minimum], ['ns1.example.com.', 'hostmaster.example.com.', 2024010101, 300]);
  t.equal(an[9]!.rdata, '\n\x0b\x0c\r', 'unknown type raw');
  const opt = (out.ar as Record<string, unknown>[])[0]!;
  t.same([opt.rrname, opt.type, opt.rclass], ['.', 41, 1232], 'OPT: root owner, UDP size in CLASS');
});

t.test('we decode scapy-built messages, compressed by scapy', async (t) => {
  if (!needPeer(t, 'scapy')) return;
  const hex = python(`from scapy.all import *
p = DNS(id=0x4242, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname='www.Example.org', qtype='A'),
  an=DNSRR(rrname='www.Example.org', type='CNAME', rdata='web.example.org', ttl=120)/DNSRR(rrname='web.example.org', type='A', rdata='198.51.100.7', ttl=120),
  ns=DNSRR(rrname='example.org', type='NS', rdata='ns.example.org', ttl=86400),
  ar=DNSRR(rrname='ns.example.org', type='A', rdata='198.51.100.1', ttl=60)/DNSRR(rrname='ns.example.org', type='AAAA', rdata='2001:db8::2', ttl=60))
print(bytes(dns_compress(p)).hex())`).trim();
  const bytes = fromHex(hex);
  t.ok(bytes.some((b, i) => (b & 0xc0) === 0xc0 && i > 12), 'scapy used pointers');
  const m = decodeDnsMessage(bytes);
  if (typeof m === 'number') return t.fail(`decode error ${m}`);
  t.same([m.id, m.qr, m.aa, m.rd, m.ra], [0x4242, true, true, true, true]);
  t.same(m.questions, [{ name: 'www.Example.org.', type: DnsType.A, class: IN }]);
  t.same(m.answers.map((r) => formatRecord(r)), ['www.Example.org.\t120\tIN\tCNAME\tweb.example.org.', 'web.example.org.\t120\tIN\tA\t198.51.100.7']);
  t.same(m.authorities[0], { name: 'example.org.', type: DnsType.NS, class: IN, ttl: 86400, data: { target: 'ns.example.org.' } });
  t.same(m.additionals.map((r) => formatRecord(r)), ['ns.example.org.\t60\tIN\tA\t198.51.100.1', 'ns.example.org.\t60\tIN\tAAAA\t2001:db8::2']);
});

t.test('byte-for-byte equal to scapy where compression choices agree', async (t) => {
  if (!needPeer(t, 'scapy')) return;
  // (1) a query: no names to compress
  const q = dnsMessage({ id: 0x1234, rd: true, questions: [{ name: 'www.example.com.', type: 28, class: IN }] });
  const sq = python(`from scapy.all import *\nprint(bytes(DNS(id=0x1234, rd=1, qd=DNSQR(qname='www.example.com', qtype='AAAA'))).hex())`).trim();
  t.equal(toHex(encodeDnsMessage(q)), sq, 'query');
  // (2) CNAME + A answer: both compress owners and the CNAME target to the longest earlier suffix
  const a = dnsMessage({ id: 0x1234, qr: true, aa: true, rd: true, questions: [{ name: 'www.example.com.', type: 1, class: IN }],
    answers: [{ name: 'www.example.com.', type: 5, class: IN, ttl: 300, data: { target: 'web.example.com.' } },
      { name: 'web.example.com.', type: 1, class: IN, ttl: 300, data: { address: 0x0a000001 } }] });
  const sa = python(`from scapy.all import *
p=DNS(id=0x1234,qr=1,aa=1,rd=1,qd=DNSQR(qname='www.example.com',qtype='A'),an=DNSRR(rrname='www.example.com',type='CNAME',rdata='web.example.com',ttl=300)/DNSRR(rrname='web.example.com',type='A',rdata='10.0.0.1',ttl=300))
print(bytes(dns_compress(p)).hex())`).trim();
  t.equal(toHex(encodeDnsMessage(a)), sa, 'compressed answer');
  // (3) uncompressed encodes agree with scapy's plain build
  const plain = python(`from scapy.all import *
p=DNS(id=0x1234,qr=1,aa=1,rd=1,qd=DNSQR(qname='www.example.com',qtype='A'),an=DNSRR(rrname='www.example.com',type='CNAME',rdata='web.example.com',ttl=300)/DNSRR(rrname='web.example.com',type='A',rdata='10.0.0.1',ttl=300))
print(bytes(p).hex())`).trim();
  t.equal(toHex(encodeDnsMessage(a, false)), plain, 'no compression');
  // Where we legitimately differ: scapy's dns_compress also compresses SRV targets, which RFC 3597 §4
  // (and RFC 2782) forbid, and its DNSRRMX/SOA compression in 2.5 emits wrong RDATA; we compress
  // NS/CNAME/PTR/MX/SOA RDATA names only, as RFC 3597 §4 allows.
});
