import t from 'tap';
import { internetChecksum, csumUpdate16, csumUpdate32 } from '../../src/ip/checksum.ts';
import { fromHex } from '../../src/bytes.ts';

// An IPv4 header captured from a real ping (checksum field 0xb861 included).
const HDR = fromHex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');

t.test('full checksum over a header including its checksum is zero', async (t) => {
  t.equal(internetChecksum(HDR, 0, 20), 0);
});

t.test('full checksum with the field zeroed equals the stored value', async (t) => {
  const h = HDR.slice();
  h[10] = 0; h[11] = 0;
  t.equal(internetChecksum(h, 0, 20), 0xb861);
});

t.test('odd length pads with a zero byte', async (t) => {
  t.equal(internetChecksum(fromHex('0102 03'), 0, 3), ~(0x0102 + 0x0300) & 0xffff);
});

t.test('RFC 1624 incremental update equals full recomputation', async (t) => {
  const h = HDR.slice();
  // decrement TTL 0x40 -> 0x3f: word at offset 8 is 0x4011
  const c = csumUpdate16(0xb861, 0x4011, 0x3f11);
  h[8] = 0x3f; h[10] = 0; h[11] = 0;
  t.equal(c, internetChecksum(h, 0, 20));
  // rewrite source address
  const h2 = HDR.slice();
  const c2 = csumUpdate32(0xb861, 0xc0a80001, 0x0a000005);
  h2.set([10, 0, 0, 5], 12); h2[10] = 0; h2[11] = 0;
  t.equal(c2, internetChecksum(h2, 0, 20));
});
