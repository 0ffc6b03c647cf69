// DNS over TCP (RFC 1035 §4.2.2, RFC 7766): the framer on its own, then real dig (9.18, Debian
// dnsutils) and raw sockets against UDP+TCP listeners sharing one port and one DnsServer.
import t from 'tap';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { loadServer } from '../../src/dns/udp-server.ts';
import { DnsTcpFramer, startDnsListeners, type DnsListeners } from '../../src/dns/tcp-server.ts';
import { decodeDnsMessage, dnsMessage, encodeDnsMessage, type DnsMessage } from '../../src/dns/message.ts';
import { DnsRcode, DnsType } from '../../src/dns/types.ts';
import { needPeer } from '../helpers/peers.ts';

const fx = (f: string) => new URL(`./fixtures/${f}`, import.meta.url).pathname;

const query = (id: number, name: string, type: number = DnsType.A) =>
  encodeDnsMessage(dnsMessage({ id, questions: [{ name, type, class: 1 }] }));
const frame = (msg: Uint8Array) => {
  const f = new Uint8Array(2 + msg.length);
  f[0] = msg.length >> 8;
  f[1] = msg.length & 0xff;
  f.set(msg, 2);
  return f;
};
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

t.test('framer: frames split at every byte, pipelined in one chunk, malformed lengths', async (t) => {
  const q1 = query(1, 'a.example.com'), q2 = query(2, 'bb.example.com', DnsType.AAAA);
  const stream = concat(frame(q1), frame(q2));
  for (let cut = 0; cut <= stream.length; cut++) {
    const f = new DnsTcpFramer();
    const got: number[][] = [];
    const on = (b: Uint8Array, o: number, n: number) => { got.push([...b.subarray(o, o + n)]); return true; };
    t.ok(f.push(stream.subarray(0, cut), on) && f.push(stream.subarray(cut), on));
    if (got.length !== 2 || f.pending !== 0) { t.fail(`cut at ${cut}: ${got.length} messages, ${f.pending} pending`); break; }
    t.same(got, [[...q1], [...q2]], `cut at ${cut}`);
  }
  // byte by byte
  const f = new DnsTcpFramer();
  const ids: number[] = [];
  for (const b of stream) f.push(Uint8Array.of(b), (buf, o) => { ids.push((buf[o]! << 8) | buf[o + 1]!); return true; });
  t.same(ids, [1, 2], 'one byte per chunk');

  const bad = new DnsTcpFramer();
  t.equal(bad.push(Uint8Array.of(0, 11, ...new Array(11).fill(0)), () => true), false, 'length under a DNS header');
  const bad2 = new DnsTcpFramer();
  t.equal(bad2.push(Uint8Array.of(0), () => true), true, 'half a prefix waits');
  t.equal(bad2.push(Uint8Array.of(0), () => true), false, 'zero-length frame split over chunks');
  const stop = new DnsTcpFramer();
  let calls = 0;
  t.equal(stop.push(stream, () => { calls++; return false; }), false, 'callback stops the stream');
  t.equal(calls, 1, 'nothing after a refused message');
});

let srv: DnsListeners;
t.before(async () => {
  srv = await startDnsListeners(loadServer([fx('example.com.zone'), fx('big.example.com.zone')]), '127.0.0.1', 0, { idleTimeoutMs: 1000 });
});
t.teardown(() => srv.close());

function runAsync(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args);
    let stdout = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.on('close', () => resolve(stdout));
  });
}
interface Dig { status: string; flags: string[]; answers: string[][]; transport: string; raw: string }
async function dig(...args: string[]): Promise<Dig> {
  const out = await runAsync('dig', ['@127.0.0.1', '-p', String(srv.port), '+norecurse', '+time=2', '+tries=1', ...args]);
  const m = /;; ANSWER SECTION:\n([\s\S]*?)(?:\n\n|$)/.exec(out);
  return {
    status: /status: (\w+)/.exec(out)?.[1] ?? '',
    flags: (/;; flags: ([^;]*);/.exec(out)?.[1] ?? '').trim().split(/\s+/),
    answers: m ? m[1]!.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/)) : [],
    transport: /;; SERVER: \S+ \((\w+)\)/.exec(out)?.[1] ?? '',
    raw: out,
  };
}

t.test('dig: a truncated UDP answer is retried over TCP and arrives whole', async (t) => {
  if (!needPeer(t, 'dig')) return;
  const before = srv.tcp.stats.accepted;
  let d = await dig('many.big.example.com', 'A', '+noedns');
  t.match(d.raw, /;; Truncated, retrying in TCP mode\./, 'dig saw TC over UDP');
  t.equal(d.transport, 'TCP');
  t.same([d.status, d.flags.includes('tc'), d.answers.length], ['NOERROR', false, 100], 'all 100 records, no TC');
  t.same(d.answers.map((r) => r[4]).sort(), Array.from({ length: 100 }, (_, i) => `10.1.0.${i + 1}`).sort());
  t.ok(srv.tcp.stats.accepted > before, 'the retry came in on our TCP listener');
  d = await dig('many.big.example.com', 'A', '+bufsize=1232');
  t.same([d.transport, d.answers.length, d.flags.includes('tc')], ['TCP', 100, false], 'with EDNS0 too');
});

t.test('dig +tcp and +vc: every answer shape over TCP', async (t) => {
  if (!needPeer(t, 'dig')) return;
  let d = await dig('www.example.com', 'A', '+tcp');
  t.same([d.transport, d.status, d.flags], ['TCP', 'NOERROR', ['qr', 'aa']]);
  t.same(d.answers, [['www.example.com.', '300', 'IN', 'A', '192.0.2.10']]);
  d = await dig('chain1.example.com', 'A', '+vc');
  t.same(d.answers.map((r) => r[4]), ['chain2.example.com.', 'alias.example.com.', 'www.example.com.', '192.0.2.10'], 'CNAME chain');
  d = await dig('nx.example.com', 'A', '+tcp');
  t.same([d.transport, d.status], ['TCP', 'NXDOMAIN']);
  d = await dig('www.example.org', 'A', '+tcp');
  t.same([d.transport, d.status], ['TCP', 'REFUSED']);
  d = await dig('MaNy.BiG.example.COM', 'A', '+tcp', '+noedns');
  t.same([d.answers.length, d.answers[0]![0]], [100, 'MaNy.BiG.example.COM.'], 'query case kept over TCP');
  // dig +keepopen sends several queries down one connection
  const before = srv.tcp.stats.accepted;
  const out = await runAsync('dig', ['@127.0.0.1', '-p', String(srv.port), '+norecurse', '+tcp', '+keepopen', '+short',
    'www.example.com', 'A', 'mail.example.com', 'A', 'sip.example.com', 'A']);
  t.same(out.trim().split('\n'), ['192.0.2.10', '192.0.2.25', '192.0.2.60'], '+keepopen: three answers');
  t.equal(srv.tcp.stats.accepted - before, 1, 'over one connection');
});

t.test('dig ANY: every RRset of the name (not the RFC 8482 minimal answer), over TCP', async (t) => {
  if (!needPeer(t, 'dig')) return;
  let d = await dig('example.com', 'ANY');
  t.equal(d.transport, 'TCP', 'dig 9.18 asks ANY over TCP');
  t.same(d.answers.map((r) => r[3]), ['SOA', 'NS', 'NS', 'MX', 'MX', 'TXT']);
  d = await dig('many.big.example.com', 'ANY', '+notcp', '+noedns');
  t.match(d.raw, /Truncated, retrying in TCP mode/, 'a large ANY over UDP is truncated');
  t.same([d.transport, d.answers.length], ['TCP', 100]);
});

// ---- raw sockets: pipelining, framing errors, idle timeout ----

interface Conn { sock: Socket; msgs: DnsMessage[]; closed: Promise<void>; next(n: number): Promise<DnsMessage[]> }
async function open(): Promise<Conn> {
  const sock = connect(srv.port, '127.0.0.1');
  await new Promise<void>((r, j) => { sock.once('connect', r); sock.once('error', j); });
  const msgs: DnsMessage[] = [];
  let buf = new Uint8Array(0);
  let wake = () => {};
  sock.on('data', (d: Buffer) => {
    buf = concat(buf, d);
    while (buf.length >= 2 && buf.length >= 2 + ((buf[0]! << 8) | buf[1]!)) {
      const n = (buf[0]! << 8) | buf[1]!;
      const m = decodeDnsMessage(buf.subarray(2, 2 + n));
      if (typeof m === 'number') throw new Error(`undecodable response: ${m}`);
      msgs.push(m);
      buf = buf.subarray(2 + n);
    }
    wake();
  });
  const closed = new Promise<void>((r) => sock.on('close', () => { wake(); r(); }));
  sock.on('error', () => {});
  const next = (n: number) => new Promise<DnsMessage[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${n} responses, have ${msgs.length}`)), 3000);
    wake = () => { if (msgs.length >= n || sock.destroyed) { clearTimeout(timer); resolve(msgs.splice(0, n)); } };
    wake();
  });
  return { sock, msgs, closed, next };
}

t.test('pipelining: several queries in one segment and one split across writes, answered in order', async (t) => {
  const c = await open();
  t.teardown(() => c.sock.destroy());
  const names = ['www.example.com', 'mail.example.com', 'nx.example.com', 'many.big.example.com'];
  const stream = concat(...names.map((n, i) => frame(query(100 + i, n))));
  c.sock.write(stream.subarray(0, 40));
  await new Promise((r) => setTimeout(r, 20));
  c.sock.write(stream.subarray(40));
  const rs = await c.next(4);
  t.same(rs.map((m) => m.id), [100, 101, 102, 103], 'in query order');
  t.same(rs.map((m) => m.rcode), [0, 0, DnsRcode.NXDOMAIN, 0]);
  t.same([rs[3]!.tc, rs[3]!.answers.length], [false, 100], '100 A records without EDNS0: no TC over TCP');
  // a well-framed but malformed message gets FORMERR and the connection stays up
  const garbage = Uint8Array.of(0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f, 0x61);
  c.sock.write(frame(garbage));
  c.sock.write(frame(query(200, 'www.example.com')));
  const [fe, ok] = await c.next(2);
  t.same([fe!.id, fe!.rcode], [7, DnsRcode.FORMERR], 'FORMERR for a malformed query');
  t.same([ok!.id, ok!.answers.length], [200, 1], 'the same connection keeps serving');
});

t.test('a malformed frame closes that connection only; the server keeps serving', async (t) => {
  const bystander = await open();
  const bad = await open();
  t.teardown(() => { bystander.sock.destroy(); bad.sock.destroy(); });
  const framesBefore = srv.tcp.stats.badFrames;
  // one good query, then a 3-byte "message": the good one is answered, then FIN
  bad.sock.write(concat(frame(query(1, 'www.example.com')), Uint8Array.of(0, 3, 1, 2, 3)));
  await bad.closed;
  t.same(bad.msgs.map((m) => m.id), [1], 'answers before the bad frame were flushed');
  t.equal(srv.tcp.stats.badFrames, framesBefore + 1);
  // a response (QR set) down the stream is not answered either: connection closed
  const resp = await open();
  const r = query(9, 'www.example.com');
  r[2]! |= 0x80;
  resp.sock.write(frame(r));
  await resp.closed;
  t.same(resp.msgs.length, 0, 'no answer to a response');
  bystander.sock.write(frame(query(2, 'mail.example.com')));
  const [m] = await bystander.next(1);
  t.same([m!.id, m!.answers.length], [2, 1], 'another open connection is unaffected');
  if (needPeer(t, 'dig')) {
    const d = await dig('www.example.com', 'A', '+tcp');
    t.same([d.transport, d.answers.length], ['TCP', 1], 'new connections still served');
  }
});

t.test('idle connections are closed after the timeout', async (t) => {
  const c = await open();
  t.teardown(() => c.sock.destroy());
  const before = srv.tcp.stats.idleClosed;
  c.sock.write(frame(query(5, 'www.example.com')));
  await c.next(1);
  const t0 = Date.now();
  await c.closed;
  const waited = Date.now() - t0;
  t.ok(waited >= 800 && waited < 3000, `closed after ~1 s idle (${waited} ms)`);
  t.equal(srv.tcp.stats.idleClosed, before + 1);
});
