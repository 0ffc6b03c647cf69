import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArpView, ArpOp, ARP_LEN, parseArp, emitArp, arpLength, isGratuitous, isProbe, formatArp, type ArpRepr,
} from '../../src/arp/packet.ts';
import { EthernetView, EtherType, emitEthernet, parseEthernet } from '../../src/ethernet/frame.ts';
import { parseMac, macToString, BROADCAST_MAC } from '../../src/ethernet/mac.ts';
import { parseIpv4Address } from '../../src/ip/address.ts';
import { WireError, wireErrorName } from '../../src/wire-error.ts';
import { fromHex, toHex } from '../../src/bytes.ts';
import { needPeer, run, scapyBatch, uniqueName } from '../helpers/peers.ts';
import { pcapFrames, writeEthernetPcap } from '../helpers/pcap-file.ts';

const A = parseMac('02:00:00:00:00:01');
const B = parseMac('02:00:00:00:00:02');
const IP1 = parseIpv4Address('10.0.0.1');
const IP2 = parseIpv4Address('10.0.0.2');

// ARP packets (after the 14-byte Ethernet header) from scapy 2.5.
const G = {
  // ARP(op=1,hwsrc=A,psrc='10.0.0.1',hwdst='00:00:00:00:00:00',pdst='10.0.0.2')
  request: '0001080006040001' + '020000000001' + '0a000001' + '000000000000' + '0a000002',
  // ARP(op=2,hwsrc=B,psrc='10.0.0.2',hwdst=A,pdst='10.0.0.1')
  reply: '0001080006040002' + '020000000002' + '0a000002' + '020000000001' + '0a000001',
  // ARP(op=1,hwsrc=A,psrc='10.0.0.1',hwdst='ff:ff:ff:ff:ff:ff',pdst='10.0.0.1')
  gratuitous: '0001080006040001' + '020000000001' + '0a000001' + 'ffffffffffff' + '0a000001',
};
const R: Record<keyof typeof G, ArpRepr> = {
  request: { op: 1, senderMac: A, senderIp: IP1, targetMac: 0, targetIp: IP2 },
  reply: { op: 2, senderMac: B, senderIp: IP2, targetMac: A, targetIp: IP1 },
  gratuitous: { op: 1, senderMac: A, senderIp: IP1, targetMac: BROADCAST_MAC, targetIp: IP1 },
};

function view(hex: string | Uint8Array, off = 0): ArpView {
  const b = typeof hex === 'string' ? fromHex(hex) : hex;
  return new ArpView().wrap(b, off, b.length - off);
}

t.test('decode: request, reply, gratuitous', async (t) => {
  for (const k of Object.keys(G) as (keyof typeof G)[]) {
    const v = view(G[k]);
    t.equal(v.check(), 0, k);
    t.same([v.hwType, v.protoType, v.hwLen, v.protoLen], [1, 0x0800, 6, 4]);
    t.equal(v.opcode, R[k].op);
    t.equal(v.senderMac, R[k].senderMac);
    t.equal(v.senderIp, R[k].senderIp);
    t.equal(v.targetMac, R[k].targetMac);
    t.equal(v.targetIp, R[k].targetIp);
    t.equal(v.trailerLength, 0);
    t.same(parseArp(v), R[k]);
  }
});

t.test('emit: identical bytes, and at a non-zero offset', async (t) => {
  for (const k of Object.keys(G) as (keyof typeof G)[]) {
    const out = new Uint8Array(ARP_LEN);
    t.equal(emitArp(R[k], out, 0), ARP_LEN);
    t.equal(arpLength(R[k]), ARP_LEN);
    t.equal(toHex(out), G[k], k);
    const big = new Uint8Array(ARP_LEN + 20).fill(0xee);
    t.equal(emitArp(R[k], big, 11), ARP_LEN);
    t.equal(toHex(big, 11, ARP_LEN), G[k]);
    t.ok(big.subarray(0, 11).every((x) => x === 0xee) && big.subarray(39).every((x) => x === 0xee), 'canaries intact');
    t.same(parseArp(new ArpView().wrap(big, 11, ARP_LEN)), R[k]);
  }
});

t.test('setters write in place', async (t) => {
  const b = fromHex(G.request);
  const v = view(b);
  t.equal(v.check(), 0);
  v.opcode = ArpOp.REPLY;
  v.senderMac = B; v.senderIp = IP2; v.targetMac = A; v.targetIp = IP1;
  t.equal(toHex(b), G.reply);
  v.hwType = 6; v.protoType = 0x86dd; v.hwLen = 8; v.protoLen = 16;
  t.equal(toHex(b, 0, 6), '000686dd0810');
});

t.test('unknown opcodes pass through as numbers', async (t) => {
  for (const op of [3, 4, 8, 9, 10, 77, 0xfffe]) {
    const v = view(G.request.slice(0, 12) + op.toString(16).padStart(4, '0') + G.request.slice(16));
    t.equal(v.check(), 0, `op ${op}`);
    t.equal((parseArp(v) as ArpRepr).op, op);
  }
});

t.test('trailing Ethernet padding is accepted and measured', async (t) => {
  const v = view(G.request + '00'.repeat(18));
  t.equal(v.check(), 0);
  t.equal(v.trailerLength, 18);
  t.same(parseArp(v), R.request);
});

// ---- malformed variants, each with its exact error ----
const req = G.request;
const malformed: [string, string, number][] = [
  ['empty', '', WireError.TRUNCATED],
  ['7 bytes', req.slice(0, 14), WireError.TRUNCATED],
  ['8 bytes (fixed part only)', req.slice(0, 16), WireError.TRUNCATED],
  ['27 bytes', req.slice(0, 54), WireError.TRUNCATED],
  ['hardware type 6 (IEEE 802)', '0006' + req.slice(4), WireError.BAD_HW_TYPE],
  ['hardware type 0', '0000' + req.slice(4), WireError.BAD_HW_TYPE],
  ['protocol type IPv6', '0001' + '86dd' + req.slice(8), WireError.BAD_PROTO_TYPE],
  ['protocol type 0x0806', '0001' + '0806' + req.slice(8), WireError.BAD_PROTO_TYPE],
  ['hardware length 8', req.slice(0, 8) + '08' + req.slice(10), WireError.BAD_HW_LEN],
  ['hardware length 0', req.slice(0, 8) + '00' + req.slice(10), WireError.BAD_HW_LEN],
  ['protocol length 16', req.slice(0, 10) + '10' + req.slice(12), WireError.BAD_PROTO_LEN],
  ['protocol length 0', req.slice(0, 10) + '00' + req.slice(12), WireError.BAD_PROTO_LEN],
  ['opcode 0 (reserved)', req.slice(0, 12) + '0000' + req.slice(16), WireError.BAD_OPCODE],
  ['opcode 65535 (reserved)', req.slice(0, 12) + 'ffff' + req.slice(16), WireError.BAD_OPCODE],
  // the format fields are reported before the length: what it is matters more than that it is short
  ['short AND bad hardware type', '0006' + req.slice(4, 20), WireError.BAD_HW_TYPE],
  ['short AND bad protocol length', req.slice(0, 10) + '10' + req.slice(12, 20), WireError.BAD_PROTO_LEN],
];
for (const [name, hex, err] of malformed) {
  t.test(`malformed: ${name} → ${wireErrorName(err)}`, async (t) => {
    const v = view(hex);
    t.equal(v.check(), err);
    t.equal(parseArp(v), err);
  });
}

t.test('malformed: view beyond its buffer → truncated', async (t) => {
  const b = fromHex(G.request);
  t.equal(new ArpView().wrap(b, 0, 29).check(), WireError.TRUNCATED);
  t.equal(new ArpView().wrap(b, 1, 28).check(), WireError.TRUNCATED);
  t.equal(new ArpView().wrap(b, -1, 28).check(), WireError.TRUNCATED);
});

t.test('isGratuitous and isProbe', async (t) => {
  t.ok(isGratuitous(R.gratuitous));
  t.ok(isGratuitous({ ...R.reply, targetIp: IP2 }), 'reply form');
  t.ok(isGratuitous({ ...R.request, targetIp: IP1 }), 'announcement (zero target MAC) is gratuitous too');
  t.notOk(isGratuitous(R.request));
  t.notOk(isGratuitous(R.reply));
  t.notOk(isGratuitous({ ...R.gratuitous, op: 3 }), 'only requests and replies');
  t.ok(isProbe({ ...R.request, senderIp: 0 }));
  t.notOk(isProbe({ ...R.request, senderIp: 0, targetMac: BROADCAST_MAC }));
  t.notOk(isProbe(R.request));
});

// Expected strings were read off tshark 4.0's Info column for the same packets (see the tshark test).
const INFO: [string, ArpRepr, string][] = [
  ['request', R.request, 'Who has 10.0.0.2? Tell 10.0.0.1'],
  ['reply', R.reply, '10.0.0.2 is at 02:00:00:00:00:02'],
  ['gratuitous request', R.gratuitous, 'Gratuitous ARP for 10.0.0.1 (Request)'],
  ['gratuitous reply', { ...R.reply, targetIp: IP2 }, 'Gratuitous ARP for 10.0.0.2 (Reply)'],
  ['announcement', { ...R.request, targetIp: IP1 }, 'ARP Announcement for 10.0.0.1'],
  ['probe', { ...R.request, senderIp: 0 }, 'Who has 10.0.0.2? (ARP Probe)'],
  ['request from 0.0.0.0 with a target MAC', { ...R.request, senderIp: 0, targetMac: B }, 'Who has 10.0.0.2? Tell 0.0.0.0'],
  ['RARP request', { ...R.reply, op: 3 }, 'Who is 02:00:00:00:00:01? Tell 02:00:00:00:00:02'],
  ['RARP reply', { ...R.reply, op: 4 }, '02:00:00:00:00:01 is at 10.0.0.1'],
  ['InARP request', { ...R.reply, op: 8 }, 'Who is 02:00:00:00:00:01? Tell 02:00:00:00:00:02'],
  ['InARP reply', { ...R.reply, op: 9 }, '02:00:00:00:00:02 is at 10.0.0.2'],
  ['ARP NAK', { ...R.reply, op: 10 }, 'ARP NAK'],
  ['unknown opcode', { ...R.reply, op: 77 }, 'Unknown ARP opcode 0x004d'],
];

t.test('formatArp matches tshark\'s Info column', async (t) => {
  for (const [name, r, want] of INFO) t.equal(formatArp(r), want, name);
});

function frameOf(r: ArpRepr, dst = BROADCAST_MAC): Uint8Array {
  const out = new Uint8Array(14 + ARP_LEN);
  const n = emitEthernet({ dst, src: r.senderMac, tags: [], type: EtherType.ARP }, out, 0);
  emitArp(r, out, n);
  return out;
}

// ---- byte-for-byte against scapy ----
const scapyCases: [string, string, Uint8Array][] = [
  ['Ether/ARP request',
    "Ether(src='02:00:00:00:00:01',dst='ff:ff:ff:ff:ff:ff')/ARP(op=1,hwsrc='02:00:00:00:00:01',psrc='10.0.0.1',hwdst='00:00:00:00:00:00',pdst='10.0.0.2')",
    frameOf(R.request)],
  ['Ether/ARP reply',
    "Ether(src='02:00:00:00:00:02',dst='02:00:00:00:00:01')/ARP(op='is-at',hwsrc='02:00:00:00:00:02',psrc='10.0.0.2',hwdst='02:00:00:00:00:01',pdst='10.0.0.1')",
    frameOf(R.reply, A)],
  ['gratuitous ARP',
    "Ether(src='02:00:00:00:00:01',dst='ff:ff:ff:ff:ff:ff')/ARP(op='who-has',hwsrc='02:00:00:00:00:01',psrc='10.0.0.1',hwdst='ff:ff:ff:ff:ff:ff',pdst='10.0.0.1')",
    frameOf(R.gratuitous)],
];
// One python process for all cases, run by the first test that needs it.
let scapyOut: Uint8Array[] | undefined;
function scapyBytesOf(i: number): Uint8Array {
  scapyOut ??= scapyBatch(scapyCases.map((c) => c[1]));
  return scapyOut[i]!;
}
scapyCases.forEach(([name, expr, ours], i) => {
  t.test(`scapy agrees byte for byte: ${name}`, async (t) => {
    if (!needPeer(t, 'scapy')) return;
    const want = scapyBytesOf(i);
    t.equal(toHex(ours), toHex(want), expr);
  });
});

t.test('tshark: same fields and the same Info column for our frames', async (t) => {
  if (!needPeer(t, 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ws-arp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'arp.pcap');
  writeEthernetPcap(file, INFO.map(([, r]) => frameOf(r)));
  const res = run('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', '-e', '_ws.col.Info', '-e', 'arp.opcode',
    '-e', 'arp.src.hw_mac', '-e', 'arp.src.proto_ipv4', '-e', 'arp.dst.hw_mac', '-e', 'arp.dst.proto_ipv4']);
  t.equal(res.status, 0, res.stderr);
  const lines = res.stdout.trim().split('\n');
  t.equal(lines.length, INFO.length);
  INFO.forEach(([name, r], i) => {
    const [info, op, sha, spa, tha, tpa] = lines[i]!.split('|');
    t.equal(info, formatArp(r), `${name}: Info`);
    t.equal(Number(op), r.op, `${name}: arp.opcode`);
    t.same([sha, tha], [macToString(r.senderMac), macToString(r.targetMac)], `${name}: MACs`);
    t.same([parseIpv4Address(spa!), parseIpv4Address(tpa!)], [r.senderIp, r.targetIp], `${name}: IPs`);
  });
});

t.test('the Linux kernel: its ARP request and reply decode, format as tshark does and re-encode identically', async (t) => {
  if (!needPeer(t, 'netns', 'tcpdump', 'tshark')) return;
  const na = uniqueName('wsarpa');
  const nb = uniqueName('wsarpb');
  const dir = mkdtempSync(join(tmpdir(), 'ws-arpk-'));
  t.teardown(() => {
    run('ip', ['netns', 'del', na]);
    run('ip', ['netns', 'del', nb]);
    rmSync(dir, { recursive: true, force: true });
  });
  const sh = (args: string[]) => {
    const r = run(args[0]!, args.slice(1));
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  sh(['ip', 'netns', 'add', na]);
  sh(['ip', 'netns', 'add', nb]);
  sh(['ip', '-n', na, 'link', 'add', 'e0', 'type', 'veth', 'peer', 'name', 'e1', 'netns', nb]);
  sh(['ip', '-n', na, 'addr', 'add', '10.9.0.1/24', 'dev', 'e0']);
  sh(['ip', '-n', nb, 'addr', 'add', '10.9.0.2/24', 'dev', 'e1']);
  sh(['ip', '-n', na, 'link', 'set', 'e0', 'up']);
  sh(['ip', '-n', nb, 'link', 'set', 'e1', 'up']);
  const macOf = (ns: string, dev: string) => parseMac(/link\/ether ([0-9a-f:]{17})/.exec(sh(['ip', '-n', ns, '-o', 'link', 'show', dev]))![1]!);
  const macA = macOf(na, 'e0');
  const macB = macOf(nb, 'e1');

  const file = join(dir, 'k.pcap');
  const dump = spawn('ip', ['netns', 'exec', nb, 'tcpdump', '-i', 'e1', '-U', '-c', '2', '-w', file, 'arp'], { stdio: 'ignore' });
  const done = new Promise<void>((resolve) => dump.on('exit', () => resolve()));
  const timer = setTimeout(() => dump.kill(), 10000);
  await new Promise((r) => setTimeout(r, 700)); // let tcpdump open the socket
  run('ip', ['netns', 'exec', na, 'ping', '-c', '1', '-W', '2', '10.9.0.2']);
  await done;
  clearTimeout(timer);

  const frames = pcapFrames(readFileSync(file));
  t.equal(frames.length, 2, 'captured the request and the reply');
  const ev = new EthernetView();
  const av = new ArpView();
  const reprs: ArpRepr[] = [];
  for (const f of frames) {
    ev.wrap(f, 0, f.length);
    const er = parseEthernet(ev);
    if (typeof er === 'number') { t.fail(`ethernet: ${wireErrorName(er)}`); return; }
    t.equal(er.type, EtherType.ARP);
    av.wrap(f, ev.payloadOffset, ev.payloadLength);
    const r = parseArp(av);
    if (typeof r === 'number') { t.fail(`arp: ${wireErrorName(r)}`); return; }
    reprs.push(r);
    // re-encode the whole frame (keeping any trailer) and compare
    const out = new Uint8Array(f.length);
    const n = emitEthernet(er, out, 0);
    emitArp(r, out, n);
    out.set(f.subarray(n + ARP_LEN), n + ARP_LEN);
    t.equal(toHex(out), toHex(f), 'byte-identical re-encoding');
  }
  const [rq, rp] = reprs as [ArpRepr, ArpRepr];
  t.same(rq, { op: 1, senderMac: macA, senderIp: parseIpv4Address('10.9.0.1'), targetMac: rq.targetMac, targetIp: parseIpv4Address('10.9.0.2') });
  t.same(rp, { op: 2, senderMac: macB, senderIp: parseIpv4Address('10.9.0.2'), targetMac: macA, targetIp: parseIpv4Address('10.9.0.1') });
  const info = run('tshark', ['-r', file, '-T', 'fields', '-e', '_ws.col.Info']).stdout.trim().split('\n');
  t.same(info, [formatArp(rq), formatArp(rp)]);
});
