// `wirestack inspect`: packet list, --json with Wireshark field names, --verify failures named per
// frame (exit 1), truncated vs malformed, bad usage (exit 2).
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { bufferIo } from '../../src/cli/command.ts';
import { craftToFile } from '../../src/cli/commands/craft.ts';
import { richSpec } from '../packet/rich-spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'ws-inspect-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function inspect(...args: string[]) {
  const io = bufferIo();
  const code = await main(['inspect', ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

t.test('craft + inspect --verify round-trips every supported kind (pcap and pcapng)', async (t) => {
  for (const ext of ['pcap', 'pcapng']) {
    const f = join(dir, `rich.${ext}`);
    craftToFile(richSpec, f);
    const r = await inspect('--verify', f);
    t.equal(r.code, 0, r.out);
    t.match(r.out, /^22 frames verified: checksums good, byte-identical re-encoding\n$/);
  }
});

t.test('packet list and JSON', async (t) => {
  const f = join(dir, 'small.pcap');
  craftToFile([
    { layers: [{ ether: { src: '02:00:00:00:00:01' } }, { arp: { op: 'request', psrc: '10.0.0.1', pdst: '10.0.0.2' } }] },
    { layers: [{ ether: {} }, { vlan: { vid: 7 } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', id: 7 } }, { icmp: { id: 1, seq: 2 } }] },
  ], f);
  const r = await inspect(f);
  t.equal(r.code, 0);
  t.equal(r.out,
    '    1   0.000000 02:00:00:00:00:01 → ff:ff:ff:ff:ff:ff ARP 60 Who has 10.0.0.2? Tell 10.0.0.1\n' +
    '    2   0.001000     10.0.0.1 → 10.0.0.2     ICMP 60 Echo (ping) request  id=0x0001, seq=2/512, ttl=64\n');
  const j = await inspect('--json', f);
  const frames = JSON.parse(j.out) as Record<string, string | string[]>[];
  t.equal(frames.length, 2);
  t.match(frames[0], { 'frame.number': '1', 'eth.type': '0x0806', 'arp.opcode': '1', 'arp.src.proto_ipv4': '10.0.0.1', 'arp.dst.hw_mac': '00:00:00:00:00:00' });
  t.match(frames[1], { 'vlan.id': '7', 'vlan.etype': '0x0800', 'ip.id': '0x0007', 'ip.flags.df': '0', 'icmp.ident': '1', 'icmp.seq': '2', 'frame.time_epoch': '0.001000000' });
});

t.test('--verify names each failing frame and exits 1', async (t) => {
  const f = join(dir, 'bad.pcapng');
  craftToFile([
    { layers: [{ ether: {} }, { ipv4: {} }, { udp: { sport: 1, dport: 2 } }] },
    { layers: [{ ether: {} }, { ipv4: { checksum: 0xabcd } }, { udp: { sport: 1, dport: 2 } }] },
    { layers: [{ ether: {} }, { ipv4: {} }, { udp: { sport: 1, dport: 2, checksum: 0x1111 } }] },
    { layers: [{ ether: {} }, { ipv4: { ihl: 2 } }] },
    { snaplen: 40, layers: [{ ether: {} }, { ipv4: {} }, { udp: { sport: 1, dport: 2 } }, { raw: { len: 50 } }] },
  ], f);
  const r = await inspect('--verify', f);
  t.equal(r.code, 1);
  t.match(r.out, /^frame 2: bad ip checksum 0xabcd, expected 0x[0-9a-f]{4}$/m);
  t.match(r.out, /^frame 3: bad udp checksum 0x1111, expected 0x[0-9a-f]{4}$/m);
  t.match(r.out, /^frame 4: malformed ip: bad-ihl$/m);
  t.notMatch(r.out, /^frame [15]:/m, 'good and merely truncated frames pass');
  t.match(r.out, /3 of 5 frames failed verification \(1 truncated/);
  const list = await inspect(f);
  t.match(list.out, /IPv4 60 .*\[Malformed Packet: ip: bad-ihl\]/);
  t.match(list.out, /\[Packet size limited during capture\]/);
});

t.test('bad usage exits 2, unreadable files exit 1', async (t) => {
  t.equal((await inspect()).code, 2);
  t.match((await inspect('--json', '--verify', 'x')).err, /exclude each other/);
  t.match((await inspect('--bogus', 'x')).err, /unknown option "--bogus"/);
  const missing = await inspect(join(dir, 'nope.pcap'));
  t.equal(missing.code, 1);
  t.match(missing.err, /nope\.pcap: no such file or directory/);
  t.match((await inspect(dir)).err, /: is a directory, not a file\n$/);
  const junk = join(dir, 'junk.pcap');
  writeFileSync(junk, 'not a capture at all');
  const j = await inspect(junk);
  t.equal(j.code, 1);
  t.match(j.err, /bad-magic/);
});

// ---- QA fixes -------------------------------------------------------------------------------------
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/wirestack.js', import.meta.url));

/** Runs the real binary with stdout read until `enough` says so, then closed (as `| head` does). */
function runClosingEarly(args: string[], enough: (out: string) => boolean, stdin?: Uint8Array) {
  return new Promise<{ status: number | null; out: string; err: string }>((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (c: Buffer) => { out += c; if (enough(out)) p.stdout.destroy(); });
    p.stderr.on('data', (c: Buffer) => { err += c; });
    p.stdin.on('error', () => {});
    p.stdin.end(stdin);
    p.on('close', (status) => resolve({ status, out, err }));
  });
}

function manyFrames(n: number, f: string) {
  craftToFile([{ count: n, layers: [{ ether: {} }, { ipv4: { dst: '1.2.3.4' } }, { udp: { sport: 1000, dport: 2000 } }, { raw: { len: 18 } }] }], f);
}

t.test('a reader that goes away (| head) ends inspect quietly with 141, list and --json', async (t) => {
  const f = join(dir, 'many.pcap');
  manyFrames(20000, f);
  for (const args of [[f], ['--json', f]]) {
    const r = await runClosingEarly(['inspect', ...args], (o) => o.includes('\n'));
    t.equal(r.err, '', `no stack trace for ${args.join(' ')}`);
    t.equal(r.status, 141);
  }
});

t.test('a truncated capture prints every complete frame, then the error; --json stays a valid array', async (t) => {
  const f = join(dir, 'three.pcap');
  manyFrames(3, f);
  const cut = join(dir, 'cut.pcap');
  const whole = readFileSync(f);
  writeFileSync(cut, whole.subarray(0, whole.length - 10)); // frame 3 cut mid-record
  const list = await inspect(cut);
  t.equal(list.code, 1);
  t.equal(list.out.split('\n').filter(Boolean).length, 2, 'frames 1 and 2 printed');
  t.match(list.err, /cut\.pcap: .*truncated/);
  const json = await inspect('--json', cut);
  t.equal(json.code, 1);
  t.same(JSON.parse(json.out).map((o: Record<string, string>) => o['frame.number']), ['1', '2']);
  t.match(json.err, /truncated/);
  const head = join(dir, 'head.pcap');
  writeFileSync(head, whole.subarray(0, 30)); // inside the first record
  const none = await inspect('--json', head);
  t.same(JSON.parse(none.out), []);
  t.equal(none.code, 1);
});

t.test('inspect - reads standard input (a pipe or a socket); lines stream out before the input ends', async (t) => {
  const f = join(dir, 'three.pcap');
  const r = await runClosingEarly(['inspect', '-'], () => false, readFileSync(f));
  t.equal(r.status, 0, r.err);
  t.equal(r.out, (await inspect(f)).out);
  const piped = spawnSync('sh', ['-c', `cat "$1" | "$2" "$3" inspect --json -`, 'sh', f, process.execPath, BIN], { encoding: 'utf8' });
  t.equal(piped.status, 0, piped.stderr);
  t.equal(JSON.parse(piped.stdout).length, 3);
  // streaming: through a FIFO that stays open after frame 1, frame 1's line is already printed
  const fifo = join(dir, 'fifo');
  spawnSync('mkfifo', [fifo]);
  const p = spawn('sh', ['-c', `exec "$1" "$2" inspect - < "$3"`, 'sh', process.execPath, BIN, fifo], { stdio: ['ignore', 'pipe', 'pipe'] });
  const w = createWriteStream(fifo);
  const bytes = readFileSync(f);
  w.write(bytes.subarray(0, 24 + 16 + 60));
  const first = await new Promise<string>((resolve) => p.stdout.once('data', (c: Buffer) => resolve(String(c))));
  t.match(first, /^ {4}1 /);
  w.end(bytes.subarray(24 + 16 + 60));
  const status = await new Promise((resolve) => p.on('close', resolve));
  t.equal(status, 0);
});

t.test('frames from inspectFrames keep their bytes after the loop moves on', async (t) => {
  const { inspectFrames } = await import('../../src/cli/commands/inspect.ts');
  const f = join(dir, 'many.pcap');
  manyFrames(20000, f);
  const all = [...inspectFrames(f)];
  t.equal(all.length, 20000);
  const { verifyFrame } = await import('../../src/packet/verify.ts');
  t.same(verifyFrame(all[0]!.data, all[0]!.d), []);
  t.equal(all[0]!.data[12], 0x08, 'frame 1 still an IPv4 frame');
});

t.test('a link type we cannot decode is named per frame, not shown as blank Ethernet', async (t) => {
  const { openCaptureWriter } = await import('../../src/pcap/index.ts');
  const f = join(dir, 'null.pcap');
  const w = openCaptureWriter(f);
  const id = w.addInterface('lo0', { linktype: 0 }); // BSD loopback (NULL)
  w.write(id, 0, new Uint8Array(24), 0, 24);
  w.close();
  const list = await inspect(f);
  t.match(list.err, /^frame 1: link type 0 \(NULL\) is not supported\n$/);
  const v = await inspect('--verify', f);
  t.equal(v.code, 1);
  t.match(v.out, /frame 1: link type 0 \(NULL\) is not supported/);
  t.notMatch(v.out, /no layer/);
});
