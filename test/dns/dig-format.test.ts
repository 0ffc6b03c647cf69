// Our dig/nslookup/host layouts against the real tools (BIND 9.18 dnsutils) for the same answers:
// the real tool queries our server on a real loopback socket; we send the same question (RD,
// EDNS0 udp 1232 as dig does), decode the response and format it. Sections must match line for
// line; only id, timing, WHEN and SERVER lines differ.
import t from 'tap';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { needPeer } from '../helpers/peers.ts';
import { DnsServer } from '../../src/dns/server.ts';
import { ZonePlugin } from '../../src/dns/plugins.ts';
import { Zone } from '../../src/dns/zone.ts';
import { parseZoneFile } from '../../src/dns/zone-file.ts';
import { startUdpDnsServer, type UdpDnsServer } from '../../src/dns/udp-server.ts';
import { decodeDnsMessage, dnsMessage, encodeDnsMessage, type DnsMessage } from '../../src/dns/message.ts';
import { DnsType, parseDnsType } from '../../src/dns/types.ts';
import { digQuestion, digRecord, formatDig, hostAnswer, hostNotFound, nslookupAnswer, nslookupHeader } from '../../src/dns/dig-format.ts';
import { ZONE } from './fixtures/mycompany-zone.ts';

function runAsync(cmd: string, args: string[]): Promise<{ status: number; stdout: string }> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => res({ status: code ?? -1, stdout: out }));
  });
}

let srv: UdpDnsServer;
t.before(async () => {
  const z = parseZoneFile(ZONE + 'Big IN TXT "a long text record to make the line longer than every tab stop"\nv6 IN AAAA 2001:db8::5\n');
  srv = await startUdpDnsServer(new DnsServer([new ZonePlugin([new Zone(z.origin, z.records)])]));
});
t.teardown(() => srv.close());

function ask(name: string, type: number, rd: boolean, edns: boolean): Promise<{ m: DnsMessage; bytes: number }> {
  const q = encodeDnsMessage(dnsMessage({
    id: 4242, rd, questions: [{ name, type, class: 1 }],
    edns: edns ? { udpSize: 1232, version: 0, dnssecOk: false, options: [] } : null,
  }));
  return new Promise((res, rej) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => (s.close(), rej(new Error('timeout'))), 2000);
    s.on('message', (b) => {
      clearTimeout(timer);
      s.close();
      const m = decodeDnsMessage(new Uint8Array(b));
      if (typeof m === 'number') rej(new Error(`decode ${m}`));
      else res({ m, bytes: b.length });
    });
    s.send(q, srv.port, '127.0.0.1');
  });
}

const norm = (l: string) => l.replace(/id: \d+/, 'id: N').replace(/^;; (Query time|WHEN|SERVER):.*/, ';; $1: X');

t.test('dig layout line for line', async (t) => {
  if (!needPeer(t, 'dig')) return;
  const cases: [string, string, string[]][] = [
    ['www.mycompany.com', 'A', []],
    ['nosuch.mycompany.com', 'A', []],
    ['mail.mycompany.com', 'MX', ['+norecurse', '+noedns']],
    ['mycompany.com', 'SOA', []],
    ['mycompany.com', 'NS', []],
    ['big.mycompany.com', 'TXT', []],
    ['WeB.MyCompany.com', 'A', []],
    ['v6.mycompany.com', 'AAAA', ['+norecurse']],
    ['web.mycompany.com', 'AAAA', []],
    ['google.com', 'A', []],
  ];
  for (const [name, type, opts] of cases) {
    const args = [`@127.0.0.1`, '-p', String(srv.port), ...opts, name, type];
    const real = await runAsync('dig', [...args, '+nocookie']);
    const rd = !opts.includes('+norecurse');
    const { m, bytes } = await ask(`${name}.`, parseDnsType(type)!, rd, !opts.includes('+noedns'));
    const ours = formatDig({ args: [...args, '+nocookie'], serverGiven: true, server: '127.0.0.1', port: srv.port, queryRd: rd, message: m, queryTimeMs: 0, whenMs: 0, bytes, timeouts: 0 });
    t.same(ours.map(norm), real.stdout.replace(/\n$/, '').split('\n').map(norm), `${name} ${type} ${opts.join(' ')}`);
  }
  const short = await runAsync('dig', [`@127.0.0.1`, '-p', String(srv.port), '+short', 'www.mycompany.com']);
  const { m } = await ask('www.mycompany.com.', DnsType.A, true, true);
  t.same(formatDig({ args: [], serverGiven: true, server: '', port: 0, queryRd: true, message: m, queryTimeMs: 0, whenMs: 0, bytes: 0, timeouts: 0 }, true), short.stdout.trim().split('\n'));
});

t.test('tab stops for long owners', async (t) => {
  t.equal(digQuestion('web-service.app.default.svc.cluster.local.', 1, 1), ';web-service.app.default.svc.cluster.local.\tIN\tA');
  t.equal(digRecord({ name: 'web-service.app.default.svc.cluster.local.', ttl: 5, class: 1, type: 1, data: { address: 0x0a600001 } }),
    'web-service.app.default.svc.cluster.local. 5 IN A 10.96.0.1'.replace(/ /g, '\t'));
});

t.test('nslookup and host layouts', async (t) => {
  if (!needPeer(t, 'dig')) return;
  for (const name of ['web.mycompany.com', 'www.mycompany.com', 'nosuch.mycompany.com', 'google.com']) {
    const real = await runAsync('nslookup', [`-port=${srv.port}`, '-type=A', name, '127.0.0.1']);
    const { m } = await ask(`${name}.`, DnsType.A, true, false);
    const a = nslookupAnswer(m, name, true);
    t.same([...nslookupHeader('127.0.0.1', srv.port), ...a.lines], real.stdout.replace(/\n$/, '').split('\n'), `nslookup ${name}`);
    t.equal(a.failed ? 1 : 0, real.status, `nslookup ${name} exit`);
    const h = await runAsync('host', ['-p', String(srv.port), '-t', 'A', name, '127.0.0.1']);
    const lines = m.rcode ? [hostNotFound(name, m.rcode)] : hostAnswer(m, new Set());
    t.same(lines, h.stdout.trim().split('\n').slice(5), `host ${name}`);
  }
});
