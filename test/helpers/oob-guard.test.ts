// The fuzz tests' "never touched a byte outside the window" is only as good as the detector: prove
// once that it catches each kind of out-of-window access and lets in-window ones through.
import t from 'tap';
import { oobGuard, type OobFault } from './oob-guard.ts';

t.test('default sink: an out-of-window read or write throws at the access', async (t) => {
  const backing = new Uint8Array(40).fill(0xcc); // canary bytes: a plain array would return 0xcc
  const g = oobGuard(backing, 8, 20);
  t.equal(g[8], 0xcc, 'first byte of the window');
  t.equal(g[19], 0xcc, 'last byte of the window');
  g[10] = 1;
  t.equal(backing[10], 1, 'in-window writes reach the backing array');
  t.throws(() => g[20], /OOB read at 20 \(window 8\.\.20\)/, 'one past the end');
  t.throws(() => g[7], /OOB read at 7/, 'one before the start');
  t.throws(() => g[-1], /OOB read at -1/, 'negative index');
  t.throws(() => { g[20] = 1; }, /OOB write at 20/);
  t.equal(backing[20], 0xcc, 'the throwing write did not happen');
});

t.test('recording sink: faults are reported and the access still goes through', async (t) => {
  const faults: OobFault[] = [];
  const g = oobGuard(Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]), 2, 6, (f) => faults.push(f));
  t.equal(g[6], 6, 'value from the backing array');
  t.equal(g.subarray(2, 6).length, 4);
  t.equal(g.slice(3).length, 5);
  g.set([9, 9], 5);
  void g.length; void g.byteOffset;
  void g.indexOf(7);
  t.same(faults.map((f) => [f.kind, f.index]), [['read', 6], ['range', 3], ['range', 5], ['unmonitored', -1]]);
  t.match(faults[1]!.message, /slice\(3, 8\)/);
  t.match(faults[3]!.message, /\.indexOf/);
  t.equal(faults.length, 4, 'in-window subarray and harmless properties are not faults');
});
