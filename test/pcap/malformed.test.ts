// Malformed and truncated captures: each variant ends in its exact WireError with the offset of the damage,
// after yielding the good records before it — never an exception of another kind, an out-of-bounds read or a hang.
import t, { type Test } from 'tap';
import { put32le } from '../../src/bytes.ts';
import { CaptureError, MemorySink, openCaptureReader, PcapngWriter, PcapWriter, readCapture } from '../../src/pcap/index.ts';
import { WireError, wireErrorName } from '../../src/wire-error.ts';
import { ARP, NgBuilder, UDP } from './frames.ts';

/** Reads all records; returns how many came before the error and the error. */
function readAll(bytes: Uint8Array): { n: number; err: CaptureError | null } {
  let n = 0;
  try {
    for (const _ of readCapture(bytes)) n++;
    return { n, err: null };
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    return { n, err: e };
  }
}

function expectError(t: Test, bytes: Uint8Array, code: number, offset: number, good: number, detail: RegExp) {
  const { n, err } = readAll(bytes);
  t.equal(n, good, 'good records before the damage');
  t.ok(err, 'an error');
  if (!err) return;
  t.equal(wireErrorName(err.code), wireErrorName(code), 'code');
  t.equal(err.offset, offset, 'offset');
  t.match(err.detail, detail);
  t.match(err.message, new RegExp(`${wireErrorName(code)} at offset ${offset} `), 'message names code and offset');
}

function pcapFile(frames = 2): Uint8Array {
  const m = new MemorySink();
  const w = new PcapWriter(m.sink);
  w.addInterface('eth0');
  for (let i = 0; i < frames; i++) w.write(0, i * 1000, UDP, 0, UDP.length);
  w.close();
  return m.bytes();
}
function ngFile(frames = 2): Uint8Array {
  const m = new MemorySink();
  const w = new PcapngWriter(m.sink);
  w.addInterface('eth0');
  for (let i = 0; i < frames; i++) w.write(0, i * 1000, UDP, 0, UDP.length);
  w.close();
  return m.bytes();
}
const REC = 16 + UDP.length; // one pcap record
const SHB_LEN = 48;
const IDB_LEN = 40;
const EPB_LEN = 32 + 60; // UDP (57) padded to 60, no options

const te = new TextEncoder();

t.test('pcap corpus', (t) => {
  const good = pcapFile();
  const cases: [string, Uint8Array, number, number, number, RegExp][] = [
    ['empty file', new Uint8Array(0), WireError.TRUNCATED_FILE, 0, 0, /0 bytes/],
    ['3 bytes', good.slice(0, 3), WireError.TRUNCATED_FILE, 0, 0, /3 bytes/],
    ['text file', te.encode('hello, this is not a capture'), WireError.BAD_MAGIC, 0, 0, /68656c6c/],
    ['header cut at 10 bytes', good.slice(0, 10), WireError.TRUNCATED_FILE, 0, 0, /24 bytes/],
    ['version 3', (() => { const b = good.slice(); b[4] = 3; return b; })(), WireError.BAD_VERSION, 4, 0, /version 3/],
    ['record header cut', good.slice(0, 24 + 10), WireError.TRUNCATED_FILE, 24, 0, /16 bytes/],
    ['record data cut', good.slice(0, 24 + REC + 20), WireError.TRUNCATED_FILE, 24 + REC, 1, /57 captured bytes/],
    ['incl_len > orig_len', (() => { const b = good.slice(); put32le(b, 24 + REC + 12, 10); return b; })(), WireError.RECORD_TOO_LONG, 24 + REC + 8, 1, /original length 10/],
    ['incl_len 4 GiB', (() => { const b = good.slice(); put32le(b, 24 + 8, 0xffffffff); put32le(b, 24 + 12, 0xffffffff); return b; })(), WireError.RECORD_TOO_LONG, 32, 0, /limit/],
    ['µs fraction ≥ 1 s', (() => { const b = good.slice(); put32le(b, 24 + 4, 1_000_000); return b; })(), WireError.BAD_BLOCK, 28, 0, /fraction/],
  ];
  for (const [name, bytes, code, off, n, detail] of cases) t.test(name, (t) => { expectError(t, bytes, code, off, n, detail); t.end(); });
  t.end();
});

t.test('pcapng corpus', (t) => {
  const good = ngFile();
  const epb2 = SHB_LEN + IDB_LEN + EPB_LEN; // offset of the second EPB
  const mut = (f: (b: Uint8Array) => void) => { const b = good.slice(); f(b); return b; };
  const b = () => new NgBuilder();
  const cases: [string, Uint8Array, number, number, number, RegExp][] = [
    ['bad byte-order magic', mut((x) => put32le(x, 8, 0x12345678)), WireError.BAD_MAGIC, 8, 0, /byte-order magic/],
    ['SHB version 2', mut((x) => { x[12] = 2; }), WireError.BAD_VERSION, 12, 0, /version 2\.0/],
    ['block length 7', mut((x) => put32le(x, epb2 + 4, 7)), WireError.BAD_BLOCK_LENGTH, epb2 + 4, 1, /multiple of 4/],
    ['block length 0 (would loop)', mut((x) => put32le(x, epb2 + 4, 0)), WireError.BAD_BLOCK_LENGTH, epb2 + 4, 1, /at least 12/],
    ['block length 1 GiB', mut((x) => put32le(x, epb2 + 4, 1 << 30)), WireError.BAD_BLOCK_LENGTH, epb2 + 4, 1, /limit/],
    ['block length beyond the file', mut((x) => put32le(x, epb2 + 4, EPB_LEN + 8)), WireError.TRUNCATED_FILE, epb2, 1, /cut short/],
    ['trailer differs', mut((x) => put32le(x, epb2 + EPB_LEN - 4, 96)), WireError.BAD_BLOCK_LENGTH, epb2 + EPB_LEN - 4, 1, /trailing block length 96/],
    ['file cut inside a block', good.slice(0, good.length - 5), WireError.TRUNCATED_FILE, epb2, 1, /cut short/],
    ['4 bytes of trailing junk', (() => { const x = new Uint8Array(good.length + 4); x.set(good); return x; })(), WireError.TRUNCATED_FILE, good.length, 2, /8 bytes/],
    ['EPB for an undeclared interface', mut((x) => put32le(x, epb2 + 8, 3)), WireError.BAD_INTERFACE, epb2 + 8, 1, /interface 3/],
    ['EPB captured length past its block', mut((x) => { put32le(x, epb2 + 20, 200); put32le(x, epb2 + 24, 200); }), WireError.BAD_BLOCK, epb2 + 20, 1, /captured length 200/],
    ['EPB incl > orig', mut((x) => put32le(x, epb2 + 24, 20)), WireError.RECORD_TOO_LONG, epb2 + 20, 1, /original length 20/],
    ['IDB option runs past the block', mut((x) => { x[SHB_LEN + 18] = 200; }), WireError.BAD_PCAP_OPTION, SHB_LEN + 16, 0, /option 2 of length 200/],
    ['if_tsresol of length 2', (() => { const x = b(); return x.shb().idb(1, 0, x.opt(9, [9, 0])).bytes(); })(), WireError.BAD_PCAP_OPTION, 28 + 16, 0, /if_tsresol has length 2/],
    ['if_tsresol 10^-19', (() => { const x = b(); return x.shb().idb(1, 0, x.opt(9, [19])).bytes(); })(), WireError.BAD_TSRESOL, 28 + 16, 0, /10\^-19/],
    ['epb_flags of length 2', (() => { const x = b(); return x.shb().idb(1, 0).epb(0, 0, 0, ARP, ARP.length, x.opt(2, [1, 0])).bytes(); })(), WireError.BAD_PCAP_OPTION, 28 + 20 + 28 + 44, 0, /flags option/],
    ['SHB of 24 bytes', (() => { const x = b(); return x.block(0x0a0d0d0a, [...x.u32(0x1a2b3c4d), 1, 0, 0, 0, 0, 0, 0, 0]).bytes(); })(), WireError.BAD_BLOCK_LENGTH, 4, 0, /below 28/],
    ['SPB without an interface', (() => b().shb().spb(ARP).bytes())(), WireError.BAD_INTERFACE, 28, 0, /interface 0/],
  ];
  for (const [name, bytes, code, off, n, detail] of cases) t.test(name, (t) => { expectError(t, bytes, code, off, n, detail); t.end(); });
  t.end();
});

t.test('errors stick: next() keeps returning the code, with details', (t) => {
  const bad = ngFile().slice(0, SHB_LEN + IDB_LEN + 10);
  const r = openCaptureReader(bad);
  t.equal(r.next(), WireError.TRUNCATED_FILE);
  t.equal(r.next(), WireError.TRUNCATED_FILE);
  t.match(r.error, { code: WireError.TRUNCATED_FILE, offset: SHB_LEN + IDB_LEN });
  r.close();
  t.end();
});

t.test('fuzz: random mutations never throw anything but CaptureError and always terminate', (t) => {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const bases = [pcapFile(5), ngFile(5)];
  let errors = 0;
  let records = 0;
  for (let i = 0; i < 3000; i++) {
    const base = bases[i & 1]!;
    const b = base.slice(0, rnd() < 0.2 ? Math.floor(rnd() * base.length) : base.length);
    const flips = 1 + Math.floor(rnd() * 6);
    for (let k = 0; k < flips && b.length; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    let n = 0;
    try {
      for (const r of readCapture(b, { copy: false })) {
        if (r.data.length > b.length) throw new Error('record larger than the file');
        if (++n > 100) throw new Error('runaway reader');
      }
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      errors++;
    }
    records += n;
  }
  t.ok(errors > 100, `errors reported (${errors})`);
  t.ok(records > 1000, `records still read from lightly damaged files (${records})`);
  t.end();
});
