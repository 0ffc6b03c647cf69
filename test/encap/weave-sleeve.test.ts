import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex, toHex } from '../../src/bytes.ts';
import { WireError } from '../../src/wire-error.ts';
import {
  SleeveView, SleeveBatcher, parseSleeve, emitSleeve, sleeveLength, formatSleeve, describeSleeve, SLEEVE_UDP_PORT,
} from '../../src/encap/weave-sleeve.ts';
import { emitEthernet } from '../../src/ethernet/frame.ts';
import { emitIpv4 } from '../../src/ip/ipv4.ts';
import { emitUdp } from '../../src/ip/udp.ts';
import { parseMac } from '../../src/ethernet/mac.ts';
import { parseIpv4Address } from '../../src/ip/address.ts';
import { openCaptureWriter } from '../../src/pcap/index.ts';
import { needPeer, run } from '../helpers/peers.ts';

const A = parseMac('ce:31:e0:06:45:1a');
const B = parseMac('5e:a3:43:7c:cd:0b');
const C = parseMac('9a:11:22:33:44:55');

// Hand-laid payload: sender A, one 14-byte frame from A to B.
const ONE = fromHex('ce31e006451a' + 'ce31e006451a' + '5ea3437ccd0b' + '000e' + '5ea3437ccd0bce31e006451a0806');

t.test('decode and emit one frame', async (t) => {
  const v = new SleeveView().wrap(ONE, 0, ONE.length);
  const r = parseSleeve(v);
  if (typeof r === 'number') throw new Error(`parse: ${r}`);
  t.equal(r.sender, A);
  t.equal(r.frames.length, 1);
  t.equal(r.frames[0]!.capturer, A);
  t.equal(r.frames[0]!.destination, B);
  t.equal(toHex(r.frames[0]!.frame), '5ea3437ccd0bce31e006451a0806');
  const out = new Uint8Array(ONE.length + 3);
  t.equal(emitSleeve(r, out, 3), ONE.length);
  t.equal(toHex(out.subarray(3)), toHex(ONE));
  t.equal(sleeveLength(r), ONE.length);
  t.equal(emitSleeve(r, out, 4), -WireError.NO_SPACE);
  t.equal(formatSleeve(r), 'Weave sleeve from ce:31:e0:06:45:1a, 1 frame');
  t.match(describeSleeve(r).join('\n'), /Frame 1: ce:31:e0:06:45:1a → 5e:a3:43:7c:cd:0b, 14 bytes/);
  t.equal(SLEEVE_UDP_PORT, 6783, 'Weave router port (mesh.Port)');
});

t.test('malformed variants (Weave NonDecryptor rules)', async (t) => {
  const chk = (b: Uint8Array) => new SleeveView().wrap(b, 0, b.length).check();
  t.equal(chk(ONE.subarray(0, 5)), WireError.TRUNCATED, 'no sender name');
  t.equal(chk(ONE.subarray(0, 6)), 0, 'sender name only: zero frames');
  t.equal(chk(ONE.subarray(0, 6 + 13)), WireError.SLEEVE_GARBAGE, '13 bytes: trailing garbage');
  t.equal(chk(ONE.subarray(0, ONE.length - 1)), WireError.TRUNCATED, 'frame length past the end');
  const extra = new Uint8Array(ONE.length + 1);
  extra.set(ONE);
  t.equal(chk(extra), WireError.SLEEVE_GARBAGE, '1 byte after the last frame');
  // the cursor still yields frames before a fault, as Weave delivers them
  const two = new Uint8Array(ONE.length + 14 + 3);
  two.set(ONE);
  two.set(ONE.subarray(6, 20), ONE.length); // second header claims 14 bytes, only 3 follow
  const v = new SleeveView().wrap(two, 0, two.length);
  t.equal(v.check(), WireError.TRUNCATED);
  let n = 0;
  for (let ok = v.first(); ok; ok = v.next()) n++;
  t.equal(n, 1);
  t.equal(new SleeveView().wrap(ONE, 10, ONE.length).check(), WireError.TRUNCATED, 'window past buffer');
});

t.test('batcher: appends while it fits the budget, like aggregateAndSend', async (t) => {
  const frame = new Uint8Array(100).fill(7);
  const buf = new Uint8Array(2000);
  const limit = 1500 - 28; // maxPayload for a 1500 path MTU
  const bt = new SleeveBatcher(buf, 10, limit);
  bt.begin(A);
  let n = 0;
  while (bt.append(A, B, frame, 0, frame.length)) n++;
  t.equal(n, Math.floor((limit - 6) / 114), '12 frames of 100 bytes');
  t.notOk(bt.fits(100));
  const len = bt.length;
  const r = parseSleeve(new SleeveView().wrap(buf, 10, len));
  if (typeof r === 'number') throw new Error(`parse ${r}`);
  t.equal(r.frames.length, n);
  t.equal(bt.flush(), len);
  t.equal(bt.length, 6, 'flush starts an empty payload');
  t.notOk(bt.append(A, B, new Uint8Array(1500), 0, 1500), 'a lone frame over the budget does not fit');
});

function sleeveDatagram(sender: number, frames: { capturer: number; destination: number; frame: Uint8Array }[]): Uint8Array {
  const payloadLen = sleeveLength({ sender, frames });
  const buf = new Uint8Array(14 + 20 + 8 + payloadLen);
  emitEthernet({ dst: parseMac('02:00:00:00:00:02'), src: parseMac('02:00:00:00:00:01'), tags: [], type: 0x0800 }, buf, 0);
  const src = parseIpv4Address('192.0.2.1');
  const dst = parseIpv4Address('192.0.2.2');
  emitSleeve({ sender, frames }, buf, 42);
  emitUdp({ srcPort: 6783, dstPort: 6783 }, src, dst, payloadLen, buf, 34);
  emitIpv4({ tos: 0, id: 1, df: true, mf: false, reservedFlag: false, fragOffset: 0, ttl: 64, protocol: 17, src, dst, options: new Uint8Array(0) }, 8 + payloadLen, buf, 14);
  return buf;
}

t.test('the Lua dissector shows peer names and hands inner frames to eth', async (t) => {
  if (!needPeer(t, 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'sleeve-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // inner frames: an ARP request and an IPv4/UDP datagram
  const arp = fromHex('ffffffffffff' + 'aa0000000001' + '0806' + '0001080006040001' + 'aa0000000001' + '0a200001' + '000000000000' + '0a200002');
  const ipf = fromHex('aa0000000002aa00000000010800' + '4500001c0001000040110000' + '0a2000010a200002' + '303900350008' + '0000');
  const ipv = ipf.subarray(14, 34);
  // fill the inner IPv4 header checksum so tshark has nothing to complain about
  const { internetChecksum } = await import('../../src/ip/checksum.ts');
  ipv[10] = 0; ipv[11] = 0;
  const c = internetChecksum(ipv, 0, 20);
  ipv[10] = c >> 8; ipv[11] = c & 0xff;
  const path = join(dir, 'sleeve.pcap');
  const w = openCaptureWriter(path);
  const id = w.addInterface('underlay');
  const d1 = sleeveDatagram(A, [{ capturer: A, destination: B, frame: arp }, { capturer: C, destination: B, frame: ipf }]);
  const d2 = sleeveDatagram(B, [{ capturer: B, destination: A, frame: ipf }]);
  w.write(id, 1e9, d1, 0, d1.length);
  w.write(id, 2e9, d2, 0, d2.length);
  w.close();
  const r = run('tshark', [
    '-X', 'lua_script:contrib/wireshark/weave-sleeve.lua', '-r', path, '-T', 'fields', '-E', 'separator=|',
    '-e', 'weavesleeve.sender', '-e', 'weavesleeve.capturer', '-e', 'weavesleeve.destination', '-e', 'weavesleeve.length',
    '-e', 'weavesleeve.frames', '-e', 'arp.dst.proto_ipv4', '-e', 'ip.dst', '-e', 'udp.dstport', '-e', '_ws.col.Info',
  ]);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => l.split('|'));
  t.same(lines[0], [
    'ce:31:e0:06:45:1a', 'ce:31:e0:06:45:1a,9a:11:22:33:44:55', '5e:a3:43:7c:cd:0b,5e:a3:43:7c:cd:0b', '42,42', '2',
    '10.32.0.2', '192.0.2.2,10.32.0.2', '6783,53', 'Weave sleeve from ce:31:e0:06:45:1a, 2 frames',
  ]);
  t.same(lines[1], [
    '5e:a3:43:7c:cd:0b', '5e:a3:43:7c:cd:0b', 'ce:31:e0:06:45:1a', '42', '1', '', '192.0.2.2,10.32.0.2', '6783,53',
    'Weave sleeve from 5e:a3:43:7c:cd:0b, 1 frame',
  ]);
});
