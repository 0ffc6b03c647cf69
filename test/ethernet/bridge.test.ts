import t from 'tap';
import { Bridge, type BridgePortDevice } from '../../src/ethernet/bridge.ts';
import { put16, put32 } from '../../src/bytes.ts';

function setup() {
  const clock = { now: 0 };
  const sent: string[] = [];
  const local: number[] = [];
  const drops: string[] = [];
  const notes: string[] = [];
  const br = new Bridge({
    now: () => clock.now,
    deliverLocal: (b, o) => local.push(b[o + 5]!),
    note: (c) => notes.push(c),
    dropped: (p, why) => drops.push(`${p.name}:${why}`),
    bridgeUp: () => true,
  });
  const port = (name: string, mac: number): BridgePortDevice => ({
    name, mac, bridgePortId: -1, adminUp: true, carrier: true,
    xmit: (b, o) => sent.push(`${name}<-${b[o + 11]}`),
  });
  const p = [port('p0', 0x0200000000f0), port('p1', 0x0200000000f1), port('p2', 0x0200000000f2)];
  for (const x of p) br.addPort(x);
  br.setOwnMac(-1, 0x0200000000b0);
  const frame = (dst: number, src: number) => {
    const b = new Uint8Array(60);
    put16(b, 0, Math.floor(dst / 2 ** 32));
    put32(b, 2, dst >>> 0);
    put16(b, 6, Math.floor(src / 2 ** 32));
    put32(b, 8, src >>> 0);
    put16(b, 12, 0x0800);
    return b;
  };
  const send = (from: number, dst: number, src: number) => br.input(p[from]!, frame(dst, src), 0, 60);
  return { br, p, sent, local, drops, notes, clock, send };
}

const A = 0x02000000000a;
const B = 0x02000000000b;
const BCAST = 0xffffffffffff;

t.test('unknown unicast and broadcast flood to every other port; a learned MAC goes to its port only', async (t) => {
  const s = setup();
  s.send(0, B, A);
  t.same(s.sent, ['p1<-10', 'p2<-10'], 'unknown B: flooded, never back to p0');
  t.ok(s.notes.some((n) => n.startsWith('FDB flood')));
  s.sent.length = 0;
  s.send(1, BCAST, B);
  t.same(s.sent, ['p0<-11', 'p2<-11'], 'broadcast flooded');
  t.same(s.local, [0xff], 'and delivered up to the bridge device');
  s.sent.length = 0;
  s.send(1, A, B);
  t.same(s.sent, ['p0<-11'], 'A was learned on p0');
  t.equal(s.br.lookup(A, 0), 0);
  t.equal(s.br.lookup(B, 0), 1);
});

t.test('ageing: a dynamic entry lives 300 s after it was last seen', async (t) => {
  const s = setup();
  t.equal(s.br.ageingNs, 300e9);
  s.send(0, BCAST, A);
  s.clock.now = 299e9;
  t.equal(s.br.lookup(A, s.clock.now), 0);
  s.clock.now = 300e9;
  t.equal(s.br.lookup(A, s.clock.now), -2, 'gone at exactly 300 s (has_expired: updated + ageing <= now)');
  t.notOk(s.br.rows().some((r) => r.mac === A));
  s.send(2, BCAST, A);
  t.equal(s.br.lookup(A, s.clock.now), 2, 'relearned where it is seen now');
});

t.test('no hairpin: a frame for a station behind the ingress port is dropped', async (t) => {
  const s = setup();
  s.send(0, BCAST, A);
  s.sent.length = 0;
  s.send(0, A, B);
  t.same(s.sent, []);
  t.same(s.drops, ['p0:hairpin']);
});

t.test('frames to the bridge MAC or a port MAC are delivered locally; local entries are permanent', async (t) => {
  const s = setup();
  s.send(0, 0x0200000000b0, A);
  s.send(1, 0x0200000000f2, B);
  t.same(s.local, [0xb0, 0xf2]);
  t.same(s.sent, []);
  s.clock.now = 1e12;
  const rows = s.br.rows();
  t.same(rows.filter((r) => r.kind === 'local').map((r) => r.port).sort(), [-1, 0, 1, 2], 'own MAC (port -1) and one per port');
  t.notOk(rows.some((r) => r.kind === 'dynamic'), 'dynamic entries aged out, local ones stay');
  s.br.removePort(s.p[2]!);
  t.equal(s.br.lookup(0x0200000000f2, s.clock.now), -2, 'a port that leaves takes its local entry');
});
