// Fuzzes the encap decoders with random and mutated inputs. Each input is placed in the middle of a
// larger buffer seen through test/helpers/oob-guard.ts, which reports any access outside the window
// [off, off+len) the decoder was given: an out-of-bounds read is caught even where a plain Uint8Array
// would have returned a neighbouring byte (or undefined) silently.
import t from 'tap';
import { VxlanView, parseVxlan } from '../../src/encap/vxlan.ts';
import { VxlanDecapsulator, VxlanEncapsulator, VXLAN_ENCAP_OVERHEAD } from '../../src/encap/vxlan-encap.ts';
import { SleeveView, parseSleeve } from '../../src/encap/weave-sleeve.ts';
import { oobGuard } from '../helpers/oob-guard.ts';
import { lcg32 } from '../helpers/rng.ts';

let oob = 0;
/** `bytes` in the middle of a 0xa5-filled buffer, seen through the guard; faults counted in `oob`. */
function guarded(bytes: Uint8Array, pad = 16): { buf: Uint8Array; off: number; len: number } {
  const raw = new Uint8Array(bytes.length + 2 * pad).fill(0xa5);
  raw.set(bytes, pad);
  return { buf: oobGuard(raw, pad, pad + bytes.length, () => { oob++; }), off: pad, len: bytes.length };
}

t.test('decoders never throw and never read outside their window', async (t) => {
  const r = lcg32(7);
  // a valid VXLAN frame to mutate
  const enc = new VxlanEncapsulator({ outerSrcMac: 1, outerDstMac: 2, srcIp: 0x0a000001, dstIp: 0x0a000002, vni: 42 });
  const base = new Uint8Array(VXLAN_ENCAP_OVERHEAD + 64);
  base.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0, 0x45], VXLAN_ENCAP_OVERHEAD);
  enc.encapsulate(base, VXLAN_ENCAP_OVERHEAD, 64);
  const sleeveBase = Uint8Array.from([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 4, 9, 9, 9, 9]);
  const dec = new VxlanDecapsulator();
  const vv = new VxlanView();
  const sv = new SleeveView();
  oob = 0;
  let accepted = 0;
  const N = 20000;
  for (let i = 0; i < N; i++) {
    let input: Uint8Array;
    const kind = i % 3;
    if (kind === 0) {
      input = new Uint8Array(Math.floor(r() * 130));
      for (let j = 0; j < input.length; j++) input[j] = (r() * 256) | 0;
    } else {
      const src = kind === 1 ? base : sleeveBase;
      input = src.slice(0, Math.floor(r() * (src.length + 1)));
      const flips = 1 + Math.floor(r() * 4);
      for (let k = 0; k < flips && input.length; k++) input[Math.floor(r() * input.length)] = (r() * 256) | 0;
    }
    const g = guarded(input);
    try {
      if (dec.decapsulate(g.buf, g.off, g.len) === 0) {
        accepted++;
        if (dec.innerOff < g.off || dec.innerOff + dec.innerLen > g.off + g.len) t.fail('inner frame outside the window');
      }
      parseVxlan(vv.wrap(g.buf, g.off, g.len));
      parseSleeve(sv.wrap(g.buf, g.off, g.len));
      for (let ok = sv.first(), n = 0; ok && n < 10000; ok = sv.next(), n++) {
        if (sv.frameOff + sv.frameLen > g.off + g.len) t.fail('sleeve frame outside the window');
      }
    } catch (e) {
      t.fail(`threw on ${Buffer.from(input).toString('hex')}: ${(e as Error).message}`);
      break;
    }
  }
  t.equal(oob, 0, 'no read outside any window');
  t.ok(accepted > 0, `some mutated frames still decapsulate (${accepted})`);
});
