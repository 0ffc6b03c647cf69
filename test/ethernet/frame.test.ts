import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EthernetView, EtherType, ETH_MIN_FRAME, MAX_VLAN_TAGS, parseEthernet, emitEthernet,
  ethernetHeaderLength, formatEthernet, padFrame, pushVlanTag, popVlanTag, type EthernetRepr,
} from '../../src/ethernet/frame.ts';
import { ArpView, parseArp, emitArp, formatArp, ARP_LEN } from '../../src/arp/packet.ts';
import { parseMac, BROADCAST_MAC } from '../../src/ethernet/mac.ts';
import { WireError, wireErrorName } from '../../src/wire-error.ts';
import { fromHex, toHex } from '../../src/bytes.ts';
import { oobGuard } from '../helpers/oob-guard.ts';
import { mulberry32 } from '../helpers/rng.ts';
import { needPeer, run, scapyBatch } from '../helpers/peers.ts';
import { writeEthernetPcap } from '../helpers/pcap-file.ts';

const A = parseMac('02:00:00:00:00:01');
const B = parseMac('02:00:00:00:00:02');

// Golden frames made by scapy 2.5 (bytes(...).hex()), expressions beside each.
const ARP_ARP = '00010800060400010200000000010a0000010000000000000a000002'; // ARP(op=1, A, 10.0.0.1 → 10.0.0.2)
const G = {
  // Ether(src=A,dst='ff:ff:ff:ff:ff:ff')/ARP(...)
  plain: 'ffffffffffff020000000001' + '0806' + ARP_ARP,
  // Ether(src=A,dst=B)/Dot1Q(vlan=10,prio=5,id=1)/ARP(...)
  dot1q: '020000000002020000000001' + '8100b00a' + '0806' + ARP_ARP,
  // Ether(src=A,dst=B)/Dot1AD(vlan=100,prio=3)/Dot1Q(vlan=10)/ARP(...)
  qinq: '020000000002020000000001' + '88a86064' + '8100000a' + '0806' + ARP_ARP,
  // Dot3(src=A,dst='01:80:c2:00:00:00')/LLC()
  dot3: '0180c2000000020000000001' + '0003' + '000000',
};

function view(hex: string | Uint8Array, off = 0): EthernetView {
  const b = typeof hex === 'string' ? fromHex(hex) : hex;
  return new EthernetView().wrap(b, off, b.length - off);
}
function repr(v: EthernetView): EthernetRepr {
  const r = parseEthernet(v);
  if (typeof r === 'number') throw new Error(`parse failed: ${wireErrorName(r)}`);
  return r;
}

t.test('decode: plain Ethernet II (ARP)', async (t) => {
  const v = view(G.plain);
  t.equal(v.check(), 0);
  t.equal(v.dst, BROADCAST_MAC);
  t.equal(v.src, A);
  t.equal(v.tagCount, 0);
  t.equal(v.etherType, EtherType.ARP);
  t.equal(v.isLengthField, false);
  t.equal(v.isTypeField, true);
  t.equal(v.headerLength, 14);
  t.equal(v.payloadOffset, 14);
  t.equal(v.payloadLength, 28);
  t.same(repr(v), { dst: BROADCAST_MAC, src: A, tags: [], type: 0x0806 });
});

t.test('decode: 802.1Q with PCP and DEI', async (t) => {
  const v = view(G.dot1q);
  t.equal(v.check(), 0);
  t.equal(v.tagCount, 1);
  t.equal(v.tagTpid(0), 0x8100);
  t.equal(v.tagPcp(0), 5);
  t.equal(v.tagDei(0), 1);
  t.equal(v.tagVid(0), 10);
  t.equal(v.etherType, EtherType.ARP);
  t.equal(v.headerLength, 18);
  t.equal(v.payloadLength, 28);
  t.same(repr(v), { dst: B, src: A, tags: [{ tpid: 0x8100, pcp: 5, dei: 1, vid: 10 }], type: 0x0806 });
});

t.test('decode: QinQ (802.1ad S-tag outside an 802.1Q C-tag)', async (t) => {
  const v = view(G.qinq);
  t.equal(v.check(), 0);
  t.equal(v.tagCount, 2);
  t.same([v.tagTpid(0), v.tagPcp(0), v.tagDei(0), v.tagVid(0)], [0x88a8, 3, 0, 100]);
  t.same([v.tagTpid(1), v.tagPcp(1), v.tagDei(1), v.tagVid(1)], [0x8100, 0, 0, 10]);
  t.equal(v.etherType, EtherType.ARP);
  t.equal(v.headerLength, 22);
  t.equal(v.payloadOffset, 22);
});

t.test('decode: legacy 0x9100 S-tag is a tag too', async (t) => {
  const v = view(G.qinq.replace('88a8', '9100'));
  t.equal(v.check(), 0);
  t.equal(v.tagCount, 2);
  t.equal(v.tagTpid(0), EtherType.QINQ_LEGACY);
});

t.test('decode: IEEE 802.3 length frame', async (t) => {
  const v = view(G.dot3);
  t.equal(v.check(), 0);
  t.equal(v.etherType, 3);
  t.equal(v.isLengthField, true);
  t.equal(v.isTypeField, false);
  t.equal(v.payloadLength, 3);
  t.same(repr(v), { dst: parseMac('01:80:c2:00:00:00'), src: A, tags: [], type: 3 });
});

t.test('type/length boundaries: 1500 length, 1501–1535 neither, 1536 type', async (t) => {
  const payload = '00'.repeat(1500);
  const mk = (tl: number) => view('ffffffffffff020000000001' + tl.toString(16).padStart(4, '0') + payload);
  t.same([mk(1500).isLengthField, mk(1500).isTypeField], [true, false]);
  for (const tl of [1501, 1535]) {
    const v = mk(tl);
    t.equal(v.check(), 0, `${tl} passes check`);
    t.same([v.isLengthField, v.isTypeField], [false, false], `${tl} is neither`);
    t.equal(repr(v).type, tl, 'passed through');
  }
  t.same([mk(1536).isLengthField, mk(1536).isTypeField], [false, true]);
  t.match(formatEthernet(repr(mk(1501))), /invalid length\/type 0x05dd$/);
});

t.test('padding after a short payload stays in payloadLength', async (t) => {
  const b = new Uint8Array(60);
  b.set(fromHex(G.plain));
  b.fill(0xaa, 42); // non-zero padding, as some NICs send
  const v = view(b);
  t.equal(v.check(), 0);
  t.equal(v.payloadLength, 46);
  const av = new ArpView().wrap(b, v.payloadOffset, v.payloadLength);
  t.equal(av.check(), 0);
  t.equal(av.trailerLength, 18);
});

t.test('emit: identical bytes to the golden frames', async (t) => {
  for (const [name, hex] of Object.entries(G)) {
    const src = fromHex(hex);
    const v = view(src);
    const r = repr(v);
    const out = new Uint8Array(src.length);
    const n = emitEthernet(r, out, 0);
    t.equal(n, ethernetHeaderLength(r), `${name}: returns header length`);
    t.equal(n, v.headerLength);
    out.set(src.subarray(n), n);
    t.equal(toHex(out), hex, name);
  }
});

t.test('emit at a non-zero offset touches only its bytes', async (t) => {
  const r = repr(view(G.qinq));
  const out = new Uint8Array(40).fill(0xee);
  const n = emitEthernet(r, out, 7);
  t.equal(n, 22);
  t.equal(toHex(out.subarray(7, 29)), G.qinq.slice(0, 44));
  t.ok(out.subarray(0, 7).every((x) => x === 0xee) && out.subarray(29).every((x) => x === 0xee), 'canaries intact');
  const v = new EthernetView().wrap(out, 7, 33);
  t.equal(v.check(), 0);
  t.equal(v.payloadOffset, 29);
  t.same(repr(v), r);
});

t.test('setters write in place', async (t) => {
  const b = fromHex(G.qinq);
  const v = view(b);
  t.equal(v.check(), 0);
  v.dst = A;
  v.src = B;
  v.setTagVid(0, 4094);
  v.setTagPcp(0, 7);
  v.setTagDei(1, 1);
  v.setTagVid(1, 1);
  v.setTagPcp(1, 2);
  v.etherType = EtherType.IPV4;
  t.equal(toHex(b.subarray(0, 22)), '020000000001' + '020000000002' + '88a8effe' + '81005001' + '0800');
  t.same([v.tagPcp(0), v.tagDei(0), v.tagVid(0)], [7, 0, 4094], 'setting VID keeps PCP/DEI');
  t.same([v.tagPcp(1), v.tagDei(1), v.tagVid(1)], [2, 1, 1]);
  t.throws(() => v.tagVid(2), RangeError);
  t.throws(() => v.tagVid(-1), RangeError);
  t.throws(() => v.setTagVid(2, 1), RangeError);
});

t.test('re-wrapping a view resets its tag state', async (t) => {
  const v = new EthernetView();
  const q = fromHex(G.qinq);
  v.wrap(q, 0, q.length);
  t.equal(v.check(), 0);
  t.equal(v.tagCount, 2);
  const p = fromHex(G.plain);
  v.wrap(p, 0, p.length);
  t.equal(v.tagCount, 0, 'before check');
  t.equal(v.check(), 0);
  t.equal(v.etherType, EtherType.ARP);
});

// ---- malformed variants, each with its exact error ----
const malformed: [string, string, number][] = [
  ['empty', '', WireError.TRUNCATED],
  ['13 bytes', G.plain.slice(0, 26), WireError.TRUNCATED],
  ['12 bytes (MACs only)', G.plain.slice(0, 24), WireError.TRUNCATED],
  ['tag stack: TPID without TCI', G.dot1q.slice(0, 28), WireError.TRUNCATED],
  ['tag stack: TCI without inner type', G.dot1q.slice(0, 32), WireError.TRUNCATED],
  ['tag stack: half the inner type', G.dot1q.slice(0, 34), WireError.TRUNCATED],
  ['QinQ: second tag truncated', G.qinq.slice(0, 36), WireError.TRUNCATED],
  ['QinQ: no inner type', G.qinq.slice(0, 40), WireError.TRUNCATED],
  ['three tags', G.qinq.slice(0, 40) + '8100001e0806' + ARP_ARP, WireError.TOO_MANY_TAGS],
  ['three tags, third truncated', G.qinq.slice(0, 40) + '8100', WireError.TOO_MANY_TAGS],
];
for (const [name, hex, err] of malformed) {
  t.test(`malformed: ${name} → ${wireErrorName(err)}`, async (t) => {
    const v = view(hex);
    t.equal(v.check(), err);
    t.equal(parseEthernet(v), err);
    t.equal(v.tagCount, 0, 'no tags claimed after a failed check');
  });
}

t.test('malformed: 802.3 length beyond the frame → bad-length (parse only)', async (t) => {
  const v = view(G.dot3.replace('0003000000', '0004000000'));
  t.equal(v.check(), 0, 'bounds are fine');
  t.equal(parseEthernet(v), WireError.BAD_LENGTH);
  const short = view(G.dot3.replace('0003000000', '0002000000'));
  t.equal(typeof parseEthernet(short), 'object', 'shorter length: the rest is padding');
});

t.test('malformed: view length beyond the buffer → truncated', async (t) => {
  const b = fromHex(G.plain);
  t.equal(new EthernetView().wrap(b, 0, b.length + 1).check(), WireError.TRUNCATED);
  t.equal(new EthernetView().wrap(b, 10, b.length - 9).check(), WireError.TRUNCATED);
  t.equal(new EthernetView().wrap(b, -1, 20).check(), WireError.TRUNCATED);
});

t.test('MAX_VLAN_TAGS accepts at least QinQ', async (t) => {
  t.ok(MAX_VLAN_TAGS >= 2);
});

t.test('padFrame pads with zeros to 60 and leaves longer frames alone', async (t) => {
  const b = new Uint8Array(80).fill(0xee);
  b.set(fromHex(G.plain), 5);
  t.equal(padFrame(b, 5, 42), ETH_MIN_FRAME);
  t.ok(b.subarray(47, 65).every((x) => x === 0), 'padding is zeros');
  t.equal(b[65], 0xee, 'stops at 60');
  t.equal(b[4], 0xee);
  t.equal(padFrame(b, 5, 60), 60);
  t.equal(padFrame(b, 0, 75), 75);
  t.throws(() => padFrame(new Uint8Array(50), 0, 42), RangeError);
});

t.test('pushVlanTag / popVlanTag move the MACs through headroom', async (t) => {
  // the dot1q golden frame without its tag
  const untagged = G.dot1q.slice(0, 24) + G.dot1q.slice(32);
  const b = new Uint8Array(4 + untagged.length / 2);
  b.set(fromHex(untagged), 4);
  const off = pushVlanTag(b, 4, EtherType.VLAN, 5, 1, 10);
  t.equal(off, 0);
  t.equal(toHex(b), G.dot1q, 'same bytes as scapy Dot1Q(vlan=10,prio=5,id=1)');
  const off2 = popVlanTag(b, 0);
  t.equal(off2, 4);
  t.equal(toHex(b.subarray(4)), untagged);
  t.throws(() => pushVlanTag(b, 3, EtherType.VLAN, 0, 0, 1), RangeError);
});

t.test('formatEthernet', async (t) => {
  t.equal(formatEthernet(repr(view(G.plain))), '02:00:00:00:00:01 → ff:ff:ff:ff:ff:ff ARP');
  t.equal(formatEthernet(repr(view(G.dot1q))), '02:00:00:00:00:01 → 02:00:00:00:00:02 VLAN 10 pcp 5 dei ARP');
  t.equal(formatEthernet(repr(view(G.qinq))), '02:00:00:00:00:01 → 02:00:00:00:00:02 S-VLAN 100 pcp 3 VLAN 10 ARP');
  t.equal(formatEthernet(repr(view(G.dot3))), '02:00:00:00:00:01 → 01:80:c2:00:00:00 802.3 length 3');
  t.equal(formatEthernet({ dst: B, src: A, tags: [], type: 0x0800 }), '02:00:00:00:00:01 → 02:00:00:00:00:02 IPv4');
  t.equal(formatEthernet({ dst: B, src: A, tags: [], type: 0x88b5 }), '02:00:00:00:00:01 → 02:00:00:00:00:02 0x88b5');
});

// ---- byte-for-byte against scapy ----
const arpReq = { op: 1, senderMac: A, senderIp: 0x0a000001, targetMac: 0, targetIp: 0x0a000002 };
const scapyCases: [string, string, EthernetRepr, Uint8Array][] = [
  ['Dot1Q',
    "Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02')/Dot1Q(vlan=10,prio=5,id=1)/ARP(op=1,hwsrc='02:00:00:00:00:01',psrc='10.0.0.1',hwdst='00:00:00:00:00:00',pdst='10.0.0.2')",
    { dst: B, src: A, tags: [{ tpid: 0x8100, pcp: 5, dei: 1, vid: 10 }], type: EtherType.ARP }, arpBytes()],
  ['QinQ (Dot1AD/Dot1Q)',
    "Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02')/Dot1AD(vlan=100,prio=3)/Dot1Q(vlan=10)/ARP(op=1,hwsrc='02:00:00:00:00:01',psrc='10.0.0.1',hwdst='00:00:00:00:00:00',pdst='10.0.0.2')",
    { dst: B, src: A, tags: [{ tpid: 0x88a8, pcp: 3, dei: 0, vid: 100 }, { tpid: 0x8100, pcp: 0, dei: 0, vid: 10 }], type: EtherType.ARP }, arpBytes()],
  ['QinQ, legacy 0x9100 TPID',
    "Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02',type=0x9100)/Dot1Q(vlan=4000,prio=7)/Dot1Q(vlan=4094)/ARP(op=1,hwsrc='02:00:00:00:00:01',psrc='10.0.0.1',hwdst='00:00:00:00:00:00',pdst='10.0.0.2')",
    { dst: B, src: A, tags: [{ tpid: 0x9100, pcp: 7, dei: 0, vid: 4000 }, { tpid: 0x8100, pcp: 0, dei: 0, vid: 4094 }], type: EtherType.ARP }, arpBytes()],
  ['802.3 length frame (Dot3/LLC)',
    "Dot3(src='02:00:00:00:00:01',dst='01:80:c2:00:00:00')/LLC()",
    { dst: parseMac('01:80:c2:00:00:00'), src: A, tags: [], type: 3 }, new Uint8Array([0, 0, 0])],
];
function arpBytes(): Uint8Array {
  const b = new Uint8Array(ARP_LEN);
  emitArp(arpReq, b, 0);
  return b;
}

// One python process for all cases, run by the first test that needs it.
let scapyOut: Uint8Array[] | undefined;
function scapyBytesOf(i: number): Uint8Array {
  scapyOut ??= scapyBatch(scapyCases.map((c) => c[1]));
  return scapyOut[i]!;
}
scapyCases.forEach(([name, expr, r, payload], i) => {
  t.test(`scapy agrees byte for byte: ${name}`, async (t) => {
    if (!needPeer(t, 'scapy')) return;
    const want = scapyBytesOf(i);
    const out = new Uint8Array(ethernetHeaderLength(r) + payload.length);
    const n = emitEthernet(r, out, 0);
    out.set(payload, n);
    t.equal(toHex(out), toHex(want), expr);
    // and decoding scapy's bytes gives the repr back
    const v = view(want);
    t.same(repr(v), r);
    t.equal(toHex(want.subarray(v.payloadOffset)), toHex(payload));
  });
});

// ---- tshark reads our VLAN fields the same way ----
t.test('tshark decodes our tagged frames to the same fields', async (t) => {
  if (!needPeer(t, 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ws-eth-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const frames = scapyCases.map(([, , r, payload]) => {
    const out = new Uint8Array(ETH_MIN_FRAME);
    const n = emitEthernet(r, out, 0);
    out.set(payload, n);
    return out.subarray(0, padFrame(out, 0, n + payload.length));
  });
  const file = join(dir, 'eth.pcap');
  writeEthernetPcap(file, frames);
  const res = run('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', '-e', 'eth.src', '-e', 'eth.dst',
    '-e', 'vlan.id', '-e', 'vlan.priority', '-e', 'vlan.dei', '-e', 'ieee8021ad.id', '-e', 'ieee8021ad.priority',
    '-e', 'eth.len', '-e', '_ws.malformed']);
  t.equal(res.status, 0, res.stderr);
  const lines = res.stdout.trim().split('\n');
  t.equal(lines.length, frames.length);
  t.equal(lines[0], '02:00:00:00:00:01|02:00:00:00:00:02|10|5|1||||');
  // tshark dissects an 0x88a8 S-tag as ieee8021ad (the C-tag inside it as vlan), 0x9100 as vlan
  t.equal(lines[1], '02:00:00:00:00:01|02:00:00:00:00:02|10|0|0|100|3||');
  t.equal(lines[2], '02:00:00:00:00:01|02:00:00:00:00:02|4000,4094|7,0|0,0||||');
  t.match(lines[3], /^02:00:00:00:00:01\|01:80:c2:00:00:00\|\|\|\|\|\|3\|/);
});

// ---- property/fuzz: never throw, never read or write outside [off, off+len) ----
// The frame sits in a larger backing array with canary bytes around it, seen through oobGuard.

t.test('the guard really detects out-of-bounds access', async (t) => {
  const backing = new Uint8Array(40).fill(0xcc);
  backing.set(fromHex(G.plain).subarray(0, 12), 8);
  const g = oobGuard(backing, 8, 20); // a 12-byte "frame"
  const v = new EthernetView().wrap(g, 8, 12);
  t.throws(() => v.etherType, /OOB read at 20/, 'unchecked read past the end is caught');
  t.equal(v.check(), WireError.TRUNCATED, 'check itself stays in bounds');
  const av = new ArpView().wrap(g, 8, 12);
  t.throws(() => av.targetIp, /OOB read/);
  t.throws(() => { av.targetIp = 1; }, /OOB write/);
  t.throws(() => new EthernetView().wrap(oobGuard(backing, 9, 30), 8, 20).dst, /OOB read at 8/, 'reads before the window too');
});

t.test('fuzz: 20000 random and mutated frames never throw or touch bytes outside the frame', async (t) => {
  const rnd = mulberry32(0x5eed);
  const ri = (n: number) => Math.floor(rnd() * n);
  const corpus = Object.values(G).map(fromHex);
  const padded = new Uint8Array(60); padded.set(fromHex(G.plain)); corpus.push(padded);
  corpus.push(fromHex(G.qinq.slice(0, 40) + '8100001e0806' + ARP_ARP));
  const tpids = [0x8100, 0x88a8, 0x9100];
  const ev = new EthernetView();
  const av = new ArpView();
  const counts = new Map<string, number>();
  const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  const hdr = new Uint8Array(64);
  const arpOut = new Uint8Array(ARP_LEN);
  let failures = 0;

  for (let i = 0; i < 20000 && failures < 5; i++) {
    let f: Uint8Array;
    const kind = ri(4);
    if (kind === 0) {
      f = new Uint8Array(ri(80));
      for (let j = 0; j < f.length; j++) f[j] = ri(256);
      // seed TPIDs and ARP-looking payloads often enough to get past the first checks
      for (let p = 12; p + 2 <= f.length && rnd() < 0.6; p += 4) { f[p] = tpids[ri(3)]! >>> 8; f[p + 1] = tpids[ri(3)]! & 0xff; }
    } else {
      const base = corpus[ri(corpus.length)]!;
      f = base.slice(0, kind === 1 ? ri(base.length + 1) : base.length); // truncate
      const flips = kind === 3 ? 1 + ri(4) : ri(2);
      for (let j = 0; j < flips && f.length > 0; j++) {
        const p = ri(f.length);
        // mostly hit the fields that steer parsing: type/TPID bytes and ARP's fixed header
        f[p] = rnd() < 0.5 ? ri(256) : [0, 1, 4, 6, 0x81, 0x88, 0xa8, 0x08, 0x05, 0xff][ri(10)]!;
      }
    }
    const pre = ri(16);
    const backing = new Uint8Array(pre + f.length + 16).fill(0xcc);
    backing.set(f, pre);
    const g = oobGuard(backing, pre, pre + f.length);
    try {
      ev.wrap(g, pre, f.length);
      const e = ev.check();
      const r = parseEthernet(ev);
      if (e !== 0) { if (r !== e) throw new Error('parse disagrees with check'); bump(`eth:${wireErrorName(e)}`); continue; }
      // every accessor after a successful check
      void ev.dst; void ev.src; void ev.isLengthField; void ev.isTypeField;
      for (let k = 0; k < ev.tagCount; k++) { void ev.tagTpid(k); void ev.tagPcp(k); void ev.tagDei(k); void ev.tagVid(k); }
      ev.etherType = ev.etherType;
      if (ev.tagCount > 0) { ev.setTagVid(0, ev.tagVid(0)); ev.setTagPcp(0, ev.tagPcp(0)); }
      if (ev.payloadOffset + ev.payloadLength !== pre + f.length) throw new Error('payload does not end at the frame end');
      if (typeof r === 'number') { bump(`eth:${wireErrorName(r)}`); }
      else {
        bump(`eth:ok:${r.tags.length}`);
        formatEthernet(r);
        // property: a decoded header re-encodes to the same bytes
        const n = emitEthernet(r, hdr, 0);
        if (toHex(hdr, 0, n) !== toHex(f, 0, n)) throw new Error('header does not re-encode identically');
      }
      // ARP over the payload (whatever the type says: a hostile frame can lie)
      av.wrap(g, ev.payloadOffset, ev.payloadLength);
      const ae = av.check();
      const ar = parseArp(av);
      if (ae !== 0) { if (ar !== ae) throw new Error('parseArp disagrees with check'); bump(`arp:${wireErrorName(ae)}`); continue; }
      void av.hwType; void av.protoType; void av.hwLen; void av.protoLen; void av.opcode;
      void av.senderMac; void av.senderIp; void av.targetMac; void av.targetIp;
      av.targetIp = av.targetIp;
      if (typeof ar === 'number') throw new Error('parseArp failed after check passed');
      bump('arp:ok');
      formatArp(ar);
      emitArp(ar, arpOut, 0);
      if (toHex(arpOut) !== toHex(f, ev.payloadOffset - pre, ARP_LEN)) throw new Error('ARP does not re-encode identically');
    } catch (err) {
      failures++;
      t.fail(`frame ${i} (${toHex(f)}) at offset ${pre}: ${(err as Error).message}`);
    }
    if (!backing.subarray(0, pre).every((x) => x === 0xcc) || !backing.subarray(pre + f.length).every((x) => x === 0xcc))
      t.fail(`frame ${i}: canary bytes changed`);
  }
  t.equal(failures, 0, 'no exceptions and no out-of-bounds access');
  t.comment(JSON.stringify(Object.fromEntries([...counts].sort())));
  // the fuzz must actually reach every outcome, or it proves little
  for (const k of ['eth:ok:0', 'eth:ok:1', 'eth:ok:2', 'eth:truncated', 'eth:too-many-tags', 'eth:bad-length',
    'arp:ok', 'arp:truncated', 'arp:bad-hw-type', 'arp:bad-proto-type', 'arp:bad-hw-len', 'arp:bad-proto-len', 'arp:bad-opcode'])
    t.ok((counts.get(k) ?? 0) > 0, `reached ${k} (${counts.get(k) ?? 0})`);
});
