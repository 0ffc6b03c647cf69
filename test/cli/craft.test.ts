// `wirestack craft`: YAML and JSON specs, pcap/pcapng by extension, counts, incrementing fields, times,
// snap lengths; spec errors name the key path and exit 2, as does bad usage.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { bufferIo } from '../../src/cli/command.ts';
import { readCapture } from '../../src/pcap/index.ts';
import { dissect } from '../../src/packet/dissect.ts';
import type { Ipv4Repr } from '../../src/ip/ipv4.ts';
import type { UdpRepr } from '../../src/ip/udp.ts';

const dir = mkdtempSync(join(tmpdir(), 'ws-craft-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function craft(spec: string, out: string, name = 'spec.yaml') {
  const p = join(dir, name);
  writeFileSync(p, spec);
  const io = bufferIo();
  const code = await main(['craft', p, '-o', join(dir, out)], io);
  return { code, io, file: join(dir, out) };
}

t.test('YAML spec to pcapng with count, incrementing fields and times', async (t) => {
  const r = await craft(`
start: 10
interval: 0.5
packets:
  - count: 3
    layers:
      - ether: {src: 02:00:00:00:00:01}
      - ipv4: {src: {start: 10.0.0.254, step: 1}, dst: 10.0.0.2, ttl: {start: 3, step: 2}}
      - udp: {sport: {start: 1000, step: 10}, dport: 9}
  - time: 20
    comment: late
    layers: [ether, {ipv4: {}}, {udp: {}}]
`, 'a.pcapng');
  t.equal(r.code, 0, r.io.stderr);
  t.match(r.io.stdout, /wrote 4 frames \(240 bytes\)/);
  const recs = [...readCapture(r.file)];
  t.same(recs.map((x) => x.tsNs), [10e9, 10.5e9, 11e9, 20e9]);
  t.equal(recs[3]!.comment, 'late');
  const ips = recs.slice(0, 3).map((x) => dissect(x.data).layers[1]!.repr as Ipv4Repr);
  t.same(ips.map((i) => i.src >>> 0), [0x0a0000fe, 0x0a0000ff, 0x0a000100], 'addresses carry into the next octet');
  t.same(ips.map((i) => i.ttl), [3, 5, 7]);
  t.same(recs.slice(0, 3).map((x) => (dissect(x.data).layers[2]!.repr as UdpRepr).srcPort), [1000, 1010, 1020]);
  t.ok(recs.every((x) => x.data.length === 60), 'padded to 60');
});

t.test('JSON spec to pcap; snaplen stores a truncated record', async (t) => {
  const r = await craft(JSON.stringify([{ snaplen: 20, layers: [{ ether: { pad: false } }, { raw: { len: 100 } }] }]), 'b.pcap', 'spec.json');
  t.equal(r.code, 0, r.io.stderr);
  const [rec] = [...readCapture(r.file)];
  t.equal(rec!.data.length, 20);
  t.equal(rec!.origLen, 114);
  t.equal(rec!.truncated, true);
});

t.test('spec errors name the key path and exit 2', async (t) => {
  const cases: [string, RegExp][] = [
    ['- layers: [ether]\n- layers: [ether]\n- layers: [ether, {ipv4: {ttl: 300}}]', /packets\[2\]\.layers\[1\]\.ipv4\.ttl: expected 0\.\.255, got 300/],
    ['- layers: [{ether: {src: nope}}]', /packets\[0\]\.layers\[0\]\.ether\.src: expected a MAC address/],
    ['- layers: [{ipv4: {dst: 10.0.0.256}}]', /packets\[0\]\.layers\[0\]\.ipv4\.dst: expected an IPv4 address, got "10\.0\.0\.256"/],
    ['- layers: [{ipv4: {tll: 3}}]', /packets\[0\]\.layers\[0\]\.ipv4\.tll: unknown key/],
    ['- layers: [{tcp: {}}]', /packets\[0\]\.layers\[0\]\.tcp: unknown layer kind/],
    ['- layers: [{udp: {}, raw: {}}]', /packets\[0\]\.layers\[0\]: a layer has exactly one key/],
    ['- layers: []', /packets\[0\]\.layers: expected a non-empty list/],
    ['- {count: 0, layers: [ether]}', /packets\[0\]\.count: expected 1\.\.10000000, got 0/],
    ['- layers: [{udp: {sport: {start: 65535, step: 1}}}]\n  count: 2', /packets\[0\]\.layers\[0\]\.udp\.sport: expected 0\.\.65535, got 65536/],
    ['- layers: [{raw: {hex: abc}}]', /packets\[0\]\.layers\[0\]\.raw\.hex: expected an even number of hex digits/],
    ['- layers: [{dns: {an: [{name: a.example, data: x}]}}]', /packets\[0\]\.layers\[0\]\.dns\.an\[0\]\.data: expected an IPv4 address/],
    ['{packets: [], bogus: 1}', /spec\.bogus: unknown key/],
    ['[1, 2', /not valid YAML\/JSON/],
  ];
  for (const [spec, re] of cases) {
    const r = await craft(spec, 'err.pcap');
    t.equal(r.code, 2, spec);
    t.match(r.io.stderr, re, spec);
  }
  t.notOk(existsSync(join(dir, 'err.pcap')), 'no file is left behind by a bad spec');
});

t.test('bad usage exits 2 naming the argument', async (t) => {
  const spec = join(dir, 'ok.yaml');
  writeFileSync(spec, '- layers: [ether]');
  const cases: [string[], RegExp][] = [
    [['craft'], /missing SPEC/],
    [['craft', spec], /missing -o FILE/],
    [['craft', spec, '-o', join(dir, 'x.txt')], /extension must be \.pcap or \.pcapng/],
    [['craft', spec, '-o'], /-o needs a file name/],
    [['craft', spec, '--frob', '-o', join(dir, 'x.pcap')], /unknown option "--frob"/],
    [['craft', join(dir, 'missing.yaml'), '-o', join(dir, 'x.pcap')], /cannot read/],
  ];
  for (const [argv, re] of cases) {
    const io = bufferIo();
    t.equal(await main(argv, io), 2, argv.join(' '));
    t.match(io.stderr, re);
  }
  const io = bufferIo();
  t.equal(await main(['craft', '--help'], io), 0);
  t.match(io.stdout, /usage: wirestack craft SPEC -o FILE/);
});

// ---- QA fixes -------------------------------------------------------------------------------------

t.test('stacks whose layers cannot follow each other are rejected, naming the layer', async (t) => {
  const cases: [string, RegExp][] = [
    ['- layers: [{udp: {}}, {ether: {}}]', /packets\[0\]\.layers\[0\]\.udp: a frame starts with ether/],
    ['- layers: [{ether: {}}, {udp: {}}]', /packets\[0\]\.layers\[1\]\.udp: udp cannot follow ether/],
    ['- layers: [ether, ipv4, {dns: {}}]', /packets\[0\]\.layers\[2\]\.dns: dns cannot follow ipv4/],
    ['- layers: [ether, ipv4, udp, raw, ipv4]', /packets\[0\]\.layers\[4\]\.ipv4: ipv4 cannot follow raw/],
  ];
  for (const [spec, re] of cases) {
    const r = await craft(spec, 'order.pcap');
    t.equal(r.code, 2, spec);
    t.match(r.io.stderr, re, spec);
  }
});

t.test('times a pcap cannot store, and incrementing addresses that would wrap, are errors before any output', async (t) => {
  const cases: [string, RegExp][] = [
    ['- layers: [ether, {ipv4: {dst: 1.2.3.4}}]\n  time: 1e20', /packets\[0\]\.time: expected 0\.\.4294967295 seconds/],
    ['{start: 4294967295.5, packets: [{layers: [ether]}]}', /spec\.start: expected 0\.\.4294967295 seconds/],
    ['- layers: [ether]\n  time: 4294967295\n  count: 3000', /packets\[0\]\.time: packet times reach 4294967297\.999 s, past 4294967295 s/],
    ['- layers: [ether, {ipv4: {dst: {start: 255.255.255.254, step: 1}}}]\n  count: 3', /packets\[0\]\.layers\[1\]\.ipv4\.dst: incrementing 255\.255\.255\.254 by 1 runs past 255\.255\.255\.255 at repeat 3/],
    ['- layers: [ether, {ipv4: {src: {start: 0.0.0.1, step: -1}}}]\n  count: 3', /ipv4\.src: incrementing 0\.0\.0\.1 by -1 runs past 0\.0\.0\.0/],
    ['- layers: [{ether: {src: {start: "ff:ff:ff:ff:ff:ff", step: 1}}}]\n  count: 2', /ether\.src: incrementing ff:ff:ff:ff:ff:ff by 1 runs past ff:ff:ff:ff:ff:ff/],
  ];
  for (const [spec, re] of cases) {
    const r = await craft(spec, 'never.pcap');
    t.equal(r.code, 2, spec);
    t.match(r.io.stderr, re, spec);
    t.notOk(existsSync(r.file), 'no file written');
  }
  // decided from count up front: a huge count fails at once, not after generating
  const t0 = Date.now();
  const big = await craft('- layers: [ether, ipv4, {udp: {sport: {start: 1000, step: 1}}}]\n  count: 10000000', 'never.pcap');
  t.match(big.io.stderr, /udp\.sport: expected 0\.\.65535, got 10000999/);
  t.ok(Date.now() - t0 < 2000, 'reported without building 10M frames');
});

t.test('DNS names: an over-long label says which name and why', async (t) => {
  const long = 'a'.repeat(78);
  const r = await craft(`- layers: [ether, ipv4, udp, {dns: {qd: [{name: ${long}.com}]}}]`, 'dns.pcap');
  t.equal(r.code, 2);
  t.match(r.io.stderr, /packets\[0\]\.layers\[3\]\.dns\.qd\[0\]\.name: label "a{20}…" of "a+….*is 78 octets \(a DNS label is at most 63/);
  t.notMatch(r.io.stderr, /error 90/);
  const an = await craft(`- layers: [ether, ipv4, udp, {dns: {an: [{name: x.example, type: CNAME, data: ${long}.example}]}}]`, 'dns.pcap');
  t.match(an.io.stderr, /dns\.an\[0\]\.data: label .* is 78 octets/);
});

t.test('binary specs and file errors are reported briefly and in words', async (t) => {
  const junk = Buffer.alloc(2048);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) & 0xff;
  const p = join(dir, 'random.yaml');
  writeFileSync(p, junk);
  const io = bufferIo();
  t.equal(await main(['craft', p, '-o', join(dir, 'r.pcap')], io), 2);
  t.match(io.stderr, /random\.yaml: not a YAML\/JSON text file \(binary data at character \d+\)/);
  t.ok(io.stderr.length < 200, 'no echo of the binary');
  // a long text scalar is cut short in the message
  const s = await craft('x'.repeat(3000), 'r.pcap');
  t.match(s.io.stderr, /got "x{40}…" \(3000 characters\)/);
  t.ok(s.io.stderr.length < 300);
  // unreadable spec, unwritable output: file named, problem in words
  const missing = bufferIo();
  t.equal(await main(['craft', join(dir, 'nope.yaml'), '-o', join(dir, 'r.pcap')], missing), 2);
  t.match(missing.stderr, /cannot read .*nope\.yaml: no such file or directory/);
  const isDir = bufferIo();
  t.equal(await main(['craft', dir, '-o', join(dir, 'r.pcap')], isDir), 2);
  t.match(isDir.stderr, /: is a directory, not a file/);
  t.notMatch(isDir.stderr, /EISDIR/);
  writeFileSync(join(dir, 'ok.yaml'), '- layers: [ether]');
  const w = bufferIo();
  t.equal(await main(['craft', join(dir, 'ok.yaml'), '-o', join(dir, 'a', 'b.pcap', 'c.pcap')], w), 0, w.stderr);
  const clash = bufferIo();
  t.equal(await main(['craft', join(dir, 'ok.yaml'), '-o', join(dir, 'a', 'b.pcap')], clash), 1);
  t.match(clash.stderr, /cannot write .*b\.pcap: is a directory, not a file/);
});

t.test('-o DIR/FILE creates the missing folders', async (t) => {
  const r = await craft('- layers: [ether]', join('new', 'deeper', 'x.pcap'));
  t.equal(r.code, 0, r.io.stderr);
  t.ok(existsSync(r.file));
});
