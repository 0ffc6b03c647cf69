import t from 'tap';
import { fromHex, toHex } from '../../src/bytes.ts';
import { WireError } from '../../src/wire-error.ts';
import {
  NameCompressor, NameReader, hashWireName, textToWireName, wireName, wireNameIsSubdomain, wireNameToText,
} from '../../src/dns/name.ts';

const hdr = 'beef01000001000000000000'; // a query header, QDCOUNT 1

function readAt(hex: string, pos = 12): number | string {
  const b = fromHex(hex);
  const r = new NameReader();
  const e = r.read(b, 0, b.length, pos);
  return e === 0 ? r.text() : e;
}

t.test('text <-> wire, escapes and root', async (t) => {
  t.equal(toHex(wireName('www.Example.com.')), '03777777074578616d706c6503636f6d00');
  t.equal(toHex(wireName('www.example.com')), toHex(wireName('www.example.com.')), 'trailing dot optional');
  t.equal(toHex(wireName('.')), '00');
  t.equal(toHex(wireName('a\\.b.c')), '03612e620163' + '00');
  t.equal(wireNameToText(wireName('a\\.b.c'), 0), 'a\\.b.c.');
  t.equal(wireNameToText(fromHex('0361200200'), 0), 'a\\032\\002.');
  const buf = new Uint8Array(300);
  t.equal(textToWireName('x'.repeat(64) + '.com', buf, 0), -WireError.LABEL_TOO_LONG);
  t.equal(textToWireName(Array(5).fill('y'.repeat(63)).join('.'), buf, 0), -WireError.NAME_TOO_LONG);
  t.equal(textToWireName('a..b', buf, 0), -WireError.BAD_LABEL_TYPE);
  t.equal(textToWireName('www.example.com', buf, 0, 5), -WireError.NO_SPACE);
});

t.test('case-insensitive hash and subdomain test', async (t) => {
  const a = wireName('WWW.example.COM'), b = wireName('www.EXAMPLE.com');
  t.equal(hashWireName(a, 0, a.length), hashWireName(b, 0, b.length));
  const z = wireName('Example.com');
  t.ok(wireNameIsSubdomain(a, 0, a.length, z, 0, z.length));
  t.ok(wireNameIsSubdomain(z, 0, z.length, z, 0, z.length));
  const other = wireName('badexample.com');
  t.notOk(wireNameIsSubdomain(other, 0, other.length, z, 0, z.length), 'label-aligned, not a string suffix');
});

t.test('decompression follows backward pointers; next is after the first pointer', async (t) => {
  // www.example.com at 12, then "mail" + pointer to example.com (offset 16) at 33
  const hex = hdr + '03777777076578616d706c6503636f6d00' + '00010001' + '046d61696cc010';
  const b = fromHex(hex);
  const r = new NameReader();
  t.equal(r.read(b, 0, b.length, 33), 0);
  t.equal(r.text(), 'mail.example.com.');
  t.equal(r.next, b.length);
  t.equal(r.len, 18);
  // at a non-zero message offset the pointers stay message-relative
  const shifted = new Uint8Array(b.length + 7);
  shifted.set(b, 7);
  t.equal(r.read(shifted, 7, shifted.length, 40), 0);
  t.equal(r.text(), 'mail.example.com.');
});

t.test('malformed names: one typed error each, never a hang', async (t) => {
  t.equal(readAt(hdr + 'c00c' + '00010001'), WireError.POINTER_LOOP, 'pointer to itself');
  t.equal(readAt(hdr + '0161c00c' + '00010001'), WireError.POINTER_LOOP, 'pointer back to the start of its own name');
  t.equal(readAt(hdr + 'c010' + '00010001'), WireError.FORWARD_POINTER, 'pointer forward');
  t.equal(readAt(hdr + 'c0ff' + '00010001'), WireError.BAD_POINTER, 'pointer past the end');
  t.equal(readAt(hdr + '40' + '61'.repeat(64) + '00'), WireError.LABEL_TOO_LONG, 'label of 64');
  t.equal(readAt(hdr + '8161' + '00'), WireError.BAD_LABEL_TYPE, 'reserved 10 label type');
  t.equal(readAt(hdr + ('3f' + '61'.repeat(63)).repeat(4) + '00'), WireError.NAME_TOO_LONG, 'four 63-byte labels: 257 bytes');
  t.equal(readAt(hdr + '0561'), WireError.TRUNCATED, 'label runs off the end');
  t.equal(readAt(hdr + '0161'), WireError.TRUNCATED, 'no root label');
  t.equal(readAt(hdr + 'c0'), WireError.TRUNCATED, 'half a pointer');
  // 2,000 chained backward pointers: bounded hop count, not unbounded work
  const chain = ['00'];
  for (let i = 0; i < 2000; i++) { const off = 12 + (i === 0 ? 0 : 1 + 2 * (i - 1)); chain.push('c' + off.toString(16).padStart(3, '0')); }
  const big = fromHex(hdr + chain.join(''));
  const r = new NameReader();
  t.equal(r.read(big, 0, big.length, big.length - 2), WireError.POINTER_LOOP, 'too many hops');
});

t.test('compression: longest written suffix, case-insensitive, only offsets < 0x4000', async (t) => {
  const buf = new Uint8Array(0x5000);
  const c = new NameCompressor();
  c.reset(0);
  let p = 12;
  const put = (s: string) => { const n = textToWireName(s, buf, p); const e = c.compress(buf, p, n); const at = p; p = e; return toHex(buf, at, e - at); };
  t.equal(put('www.example.com'), '03777777076578616d706c6503636f6d00');
  t.equal(put('WWW.EXAMPLE.COM'), 'c00c', 'whole name, other case');
  t.equal(put('mail.example.com'), '046d61696cc010', 'suffix example.com at 16');
  t.equal(put('example.org'), '076578616d706c65036f726700', 'no false match on the last label only… ');
  t.equal(put('x.com'), '0178c018', '…but com. alone does match');
  p = 0x4100; // names written past 0x3fff cannot be pointed at
  t.equal(put('far.away.net'), '03666172046177617903' + '6e657400');
  t.equal(put('far.away.net'), '03666172046177617903' + '6e657400', 'written again in full');
  c.enabled = false;
  p = 200;
  t.equal(put('www.example.com'), '03777777076578616d706c6503636f6d00', 'disabled: no pointers');
});
