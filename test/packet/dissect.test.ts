// The dissector over crafted frames: every supported kind re-encodes byte for byte with good checksums;
// damage is reported as a named WireError or a bad checksum, never a throw; the registries extend it.
import t from 'tap';
import { buildStack, craftFrames } from '../../src/packet/build.ts';
import { dissect, registerUdpPort, pushData, reencodeMismatch } from '../../src/packet/dissect.ts';
import { verifyFrame } from '../../src/packet/verify.ts';
import { summarize } from '../../src/packet/summary.ts';
import { frameFields } from '../../src/packet/fields.ts';
import { richSpec } from './rich-spec.ts';

const meta = (n: number, len: number) => ({ number: n, tsSec: 0, tsFracNs: 0, origLen: len, capLen: len });

t.test('every frame of the rich spec dissects, verifies and re-encodes identically', async (t) => {
  let n = 0;
  for (const f of craftFrames(richSpec)) {
    n++;
    const d = dissect(f.bytes);
    t.equal(d.error, null, `frame ${n} not malformed`);
    t.same(verifyFrame(f.bytes, d), [], `frame ${n} verifies`);
    t.equal(reencodeMismatch(f.bytes, 0, f.bytes.length, d), -1);
  }
  t.equal(n, 22);
});

t.test('layers carry byte ranges in order', async (t) => {
  const b = buildStack([{ ether: {} }, { vlan: { vid: 5 } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { dport: 53 } }, { dns: { qd: ['a.example'] } }], 'l');
  const d = dissect(b);
  t.same(d.layers.map((l) => [l.proto, l.off, l.len]), [['eth', 0, 14], ['vlan', 14, 4], ['ip', 18, 20], ['udp', 38, 8], ['dns', 46, 27]]);
});

t.test('bad checksums are found by verify, named per layer', async (t) => {
  const ipb = buildStack([{ ether: {} }, { ipv4: { checksum: 0x1234 } }, { udp: {} }], 'l');
  t.match(verifyFrame(ipb, dissect(ipb)).join(), /bad ip checksum 0x1234, expected 0x/);
  const udp = buildStack([{ ether: {} }, { ipv4: {} }, { udp: { sport: 1, dport: 2, checksum: 0x1 } }, { raw: { text: 'x' } }], 'l');
  t.match(verifyFrame(udp, dissect(udp)), [/^bad udp checksum 0x0001, expected 0x/]);
  const icmp = buildStack([{ ether: {} }, { ipv4: {} }, { icmp: { checksum: 0xffff } }], 'l');
  t.match(verifyFrame(icmp, dissect(icmp)), [/^bad icmp checksum 0xffff/]);
  const zero = buildStack([{ ether: {} }, { ipv4: {} }, { udp: { sport: 1, dport: 2, checksum: 0 } }], 'l');
  t.same(verifyFrame(zero, dissect(zero)), [], 'a zero UDP checksum means none (RFC 768)');
});

t.test('malformed frames give the WireError name, never a throw', async (t) => {
  const cases: [unknown[], string, string][] = [
    [[{ ether: {} }, { ipv4: { ihl: 3 } }], 'ip', 'bad-ihl'],
    [[{ ether: {} }, { ipv4: { version: 6 } }], 'ip', 'bad-version'],
    [[{ ether: {} }, { ipv4: { len: 900 } }], 'ip', 'bad-total-length'],
    [[{ ether: {} }, { ipv4: {} }, { udp: { len: 4 } }], 'udp', 'bad-udp-length'],
    [[{ ether: {} }, { arp: { hwlen: 8 } }], 'arp', 'bad-hw-len'],
    [[{ ether: {} }, { ipv4: {} }, { icmp: { type: 3 } }, { raw: { len: 4 } }], 'icmp', 'icmp-bad-quote'],
  ];
  for (const [layers, proto, name] of cases) {
    const b = buildStack(layers, 'l');
    const d = dissect(b);
    t.same(d.error && [d.error.proto, d.error.name], [proto, name], name);
    t.match(summarize(d).info, new RegExp(`\\[Malformed Packet: ${proto}: ${name}\\]`));
    t.match(verifyFrame(b, d), [new RegExp(`malformed ${proto}: ${name}`)]);
  }
  // every prefix of a real frame: no throw, and cut-offs of a captured frame are truncation, not damage
  const full = buildStack([{ ether: {} }, { vlan: {} }, { ipv4: { options: '94040000' } }, { udp: { dport: 53 } }, { dns: { qd: ['x.example'] } }], 'l');
  for (let n = 0; n <= full.length; n++) {
    const cut = full.subarray(0, n);
    const d = dissect(cut, 0, n, full.length);
    t.equal(d.error, null, `prefix ${n} is truncated, not malformed`);
    t.equal(d.truncated, n < full.length);
  }
});

t.test('the registries add protocols without touching the core', async (t) => {
  registerUdpPort(4789, (ctx, off, len) => {
    ctx.layers.push({ proto: 'vxlan', off, len: 8, repr: { vni: (ctx.buf[off + 4]! << 16) | (ctx.buf[off + 5]! << 8) | ctx.buf[off + 6]! } });
    pushData(ctx, off + 8, len - 8);
    return len;
  });
  const b = buildStack([{ ether: {} }, { ipv4: {} }, { udp: { sport: 40000, dport: 4789 } }, { raw: { hex: '0800000000002a00' } }], 'l');
  const d = dissect(b);
  t.same(d.layers.map((l) => l.proto), ['eth', 'ip', 'udp', 'vxlan', 'padding']);
  t.same(d.layers[3]!.repr, { vni: 42 });
});

t.test('fields keep multiple occurrences as arrays in order', async (t) => {
  const b = buildStack([{ ether: {} }, { vlan: { tpid: 0x88a8, vid: 100 } }, { vlan: { vid: 10 } }, { ipv4: { src: '10.0.0.9' } }, { icmp: { type: 11 } }, { ipv4: { src: '10.0.0.1', ttl: 1 } }, { udp: {} }], 'l');
  const f = frameFields(meta(1, b.length), dissect(b));
  t.equal(f['ieee8021ad.id'], '100');
  t.equal(f['vlan.id'], '10');
  t.same(f['ip.src'], ['10.0.0.9', '10.0.0.1']);
  t.same(f['ip.ttl'], ['64', '1']);
  t.equal(f['eth.type'], '0x88a8');
  t.equal(f['frame.time_epoch'], '0.000000000');
});

t.test('a port-53 payload that is not DNS is data: not malformed, verifies, row says UDP', async (t) => {
  for (const raw of [[], [{ raw: { hex: '000100000001000000000000' } }], [{ raw: { text: 'hi' } }]]) {
    const b = buildStack([{ ether: {} }, { ipv4: { dst: '1.2.3.4' } }, { udp: {} }, ...raw], 'l');
    const d = dissect(b);
    t.equal(d.error, null);
    t.notOk(d.layers.some((l) => l.proto === 'dns'));
    t.same(verifyFrame(b, d), []);
    t.equal(summarize(d).protocol, 'UDP');
  }
});
