// Real clients (BIND's dig and nslookup from Debian dnsutils) against our server on a loopback socket.
import t from 'tap';
import { spawn } from 'node:child_process';
import { loadServer, startUdpDnsServer, type UdpDnsServer } from '../../src/dns/udp-server.ts';
import { needPeer } from '../helpers/peers.ts';

const fx = (f: string) => new URL(`./fixtures/${f}`, import.meta.url).pathname;

// dig/nslookup must run asynchronously: the server answers on this same event loop
function runAsync(cmd: string, args: string[]): Promise<{ status: number; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args);
    let stdout = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.on('close', (status) => resolve({ status: status ?? -1, stdout }));
  });
}

interface Dig { status: string; flags: string[]; answers: string[][]; authority: string[][]; edns: string | null; raw: string }
function parseDig(out: string): Dig {
  const status = /status: (\w+)/.exec(out)?.[1] ?? '';
  const flags = (/;; flags: ([^;]*);/.exec(out)?.[1] ?? '').trim().split(/\s+/);
  const section = (name: string) => {
    const m = new RegExp(`;; ${name} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(out);
    return m ? m[1]!.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/)) : [];
  };
  return { status, flags, answers: section('ANSWER'), authority: section('AUTHORITY'), edns: /; EDNS: ([^\n]*)/.exec(out)?.[1] ?? null, raw: out };
}

let srv: UdpDnsServer;
t.before(async () => {
  srv = await startUdpDnsServer(loadServer([fx('example.com.zone'), fx('big.example.com.zone')], fx('hosts')), '127.0.0.1', 0);
});
t.teardown(() => srv.close());

const dig = async (...args: string[]) => {
  const r = await runAsync('dig', [`@127.0.0.1`, '-p', String(srv.port), '+norecurse', '+time=2', '+tries=1', ...args]);
  return parseDig(r.stdout);
};

t.test('dig: every record type', async (t) => {
  if (!needPeer(t, 'dig')) return;
  const cases: [string, string, string[]][] = [
    ['www.example.com', 'A', ['www.example.com.', '300', 'IN', 'A', '192.0.2.10']],
    ['www.example.com', 'AAAA', ['www.example.com.', '3600', 'IN', 'AAAA', '2001:db8::10']],
    ['alias.example.com', 'CNAME', ['alias.example.com.', '3600', 'IN', 'CNAME', 'www.example.com.']],
    ['ptr.example.com', 'PTR', ['ptr.example.com.', '3600', 'IN', 'PTR', 'www.example.com.']],
    ['_sip._udp.example.com', 'SRV', ['_sip._udp.example.com.', '3600', 'IN', 'SRV', '0', '5', '5060', 'sip.example.com.']],
    ['example.com', 'SOA', ['example.com.', '3600', 'IN', 'SOA', 'ns1.example.com.', 'hostmaster.example.com.', '2024010101', '7200', '900', '604800', '300']],
    ['unk.example.com', 'TYPE65280', ['unk.example.com.', '3600', 'IN', 'TYPE65280', '\\#', '4', '0A0B0C0D']],
  ];
  for (const [name, type, row] of cases) {
    const d = await dig(name, type);
    t.equal(d.status, 'NOERROR', `${type} status`);
    t.same(d.flags, ['qr', 'aa'], `${type} flags`);
    t.same(d.answers, [row], `${type} answer`);
  }
  const ns = await dig('example.com', 'NS', '+short');
  t.same(ns.raw.trim().split('\n').sort(), ['ns1.example.com.', 'ns2.example.com.'], 'NS +short');
  const mx = await dig('example.com', 'MX', '+short');
  t.same(mx.raw.trim().split('\n').sort(), ['10 mail.example.com.', '20 mail2.example.net.'], 'MX +short');
  const txt = await dig('txt.example.com', 'TXT', '+short');
  t.equal(txt.raw.trim(), '"hello world" "second \\"quoted\\" string" "bare"', 'TXT +short');
});

t.test('dig: NXDOMAIN, NODATA, CNAME chain, REFUSED, mixed case, hosts', async (t) => {
  if (!needPeer(t, 'dig')) return;
  let d = await dig('nx.example.com', 'A');
  t.same([d.status, d.answers.length], ['NXDOMAIN', 0]);
  t.same(d.authority[0]!.slice(0, 5), ['example.com.', '300', 'IN', 'SOA', 'ns1.example.com.'], 'SOA with the negative TTL');
  d = await dig('www.example.com', 'MX');
  t.same([d.status, d.answers.length, d.authority[0]![3]], ['NOERROR', 0, 'SOA'], 'NODATA');
  d = await dig('chain1.example.com', 'A');
  t.same(d.answers.map((r) => r[4]), ['chain2.example.com.', 'alias.example.com.', 'www.example.com.', '192.0.2.10']);
  d = await dig('www.example.org', 'A');
  t.same([d.status, d.flags], ['REFUSED', ['qr']]);
  d = await dig('WwW.ExAmPlE.cOm', 'A');
  t.match(d.raw, /;WwW\.ExAmPlE\.cOm\.\s+IN\s+A/, 'question case preserved');
  t.same(d.answers, [['WwW.ExAmPlE.cOm.', '300', 'IN', 'A', '192.0.2.10']]);
  d = await dig('web.internal', 'A', '+short');
  t.equal(d.raw.trim(), '192.0.2.200', 'from the hosts file');
  d = await dig('-x', '192.0.2.200', '+short');
  t.equal(d.raw.trim(), 'web.internal.', 'PTR from the hosts file');
});

t.test('dig: EDNS0 and TC truncation', async (t) => {
  if (!needPeer(t, 'dig')) return;
  let d = await dig('www.example.com', 'A', '+bufsize=4096');
  t.equal(d.edns, 'version: 0, flags:; udp: 1232', 'our OPT advertises 1232');
  d = await dig('www.example.com', 'A', '+noedns');
  t.equal(d.edns, null, 'no OPT without one in the query');
  t.same(d.answers.length, 1);
  d = await dig('many.big.example.com', 'A', '+noedns', '+ignore');
  t.same([d.status, d.flags.includes('tc'), d.answers.length], ['NOERROR', true, 0], 'TC over 512 bytes');
  d = await dig('many.big.example.com', 'A', '+bufsize=1232', '+ignore');
  t.ok(d.flags.includes('tc'), 'TC over 1232 bytes too');
  d = await dig('www.example.com', 'A', '+dnssec');
  t.match(d.edns!, /flags: do;/, 'DO bit echoed');
});

t.test('nslookup', async (t) => {
  if (!needPeer(t, 'dig')) return;
  const ns = (...a: string[]) => runAsync('nslookup', [`-port=${srv.port}`, '-norecurse', '-timeout=2', ...a]);
  let r = await ns('www.example.com', '127.0.0.1');
  t.match(r.stdout, /Name:\twww\.example\.com\nAddress: 192\.0\.2\.10\n/);
  t.match(r.stdout, /Name:\twww\.example\.com\nAddress: 2001:db8::10\n/);
  t.equal(r.status, 0);
  r = await ns('-type=MX', 'example.com', '127.0.0.1');
  t.match(r.stdout, /example\.com\tmail exchanger = 10 mail\.example\.com\./);
  r = await ns('nx.example.com', '127.0.0.1');
  t.match(r.stdout, /server can't find nx\.example\.com: NXDOMAIN/);
  t.equal(r.status, 1);
});
