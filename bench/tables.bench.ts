// Lookup rates of the functions-layer tables: route LPM with 10,000 routes and the bridge FDB with
// 10,000 MACs, warm (one key) and cold (16,384 random keys, cycled), each beside a bare loop that
// reads the same key array and does no lookup (the floor of what a lookup loop can cost), measured
// in the same run. A linear-scan LPM over the same routes is shown too, on fewer lookups.
import { measure, row, type Row } from './lib.ts';
import { RouteTable, type Route } from '../src/ip/route-table.ts';
import { prefixMask } from '../src/ip/address.ts';
import { Fdb } from '../src/ethernet/fdb.ts';

let seed = 0x1234567;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);

export async function bench(): Promise<Row[]> {
  const rows: Row[] = [];
  const N = 16384;
  const MASK = N - 1;

  // ---- routes ----
  const rt = new RouteTable();
  const routes: Route[] = [];
  while (rt.size < 10000) {
    const len = 8 + (rnd() % 25);
    const dst = (rnd() & prefixMask(len)) >>> 0;
    try {
      routes.push(
        rt.add({ dst, len, gateway: 0, ifindex: 2, dev: 'eth0', metric: rnd() % 3, scope: 'link', proto: 'static', prefsrc: 0, type: 'unicast' }),
      );
    } catch {
      /* duplicate */
    }
  }
  rt.add({ dst: 0, len: 0, gateway: 1, ifindex: 2, dev: 'eth0', metric: 0, scope: 'global', proto: 'boot', prefsrc: 0, type: 'unicast' });
  const dsts = new Uint32Array(N);
  for (let i = 0; i < N; i++) dsts[i] = i % 2 ? rnd() : (routes[rnd() % routes.length]!.dst | (rnd() & 0xff)) >>> 0;
  let sink = 0;

  const bare = await measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s = (s + dsts[i & MASK]!) | 0;
    sink ^= s;
  }, 2e7);
  const warmDst = dsts[0]!;
  const warm = await measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s = (s + rt.lookup(warmDst)!.len) | 0;
    sink ^= s;
  }, 5e6);
  const cold = await measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s = (s + rt.lookup(dsts[i & MASK]!)!.len) | 0;
    sink ^= s;
  }, 5e6);
  const linear = await measure((n) => {
    let s = 0;
    const all = rt.list();
    for (let i = 0; i < n; i++) {
      const d = dsts[i & MASK]!;
      let best = -1;
      for (let j = 0; j < all.length; j++) {
        const r = all[j]!;
        if (r.len > best && ((d & prefixMask(r.len)) >>> 0) === r.dst) best = r.len;
      }
      s = (s + best) | 0;
    }
    sink ^= s;
  }, 2000, 3);
  const base = { name: 'bare loop over dsts', value: bare.opsPerSec };
  rows.push(row('route LPM 10k routes, warm (1 dst)', 'lookups/s', warm, base));
  rows.push(row('route LPM 10k routes, cold (16k dsts)', 'lookups/s', cold, base));
  rows.push(row('route linear scan 10k routes (reference)', 'lookups/s', linear, { name: 'route LPM cold', value: cold.opsPerSec }));

  // ---- fdb ----
  const fdb = new Fdb();
  const macs = new Float64Array(N);
  for (let i = 0; i < 10000; i++) {
    const m = 0x020000000000 + (rnd() % 0xffffff) * 0x1000 + (i & 0xfff);
    fdb.learn(m, 1, i & 15, 0);
    macs[i] = m;
  }
  for (let i = 10000; i < N; i++) macs[i] = macs[rnd() % 10000]!;
  const bareF = await measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s = (s + (macs[i & MASK]! & 0xff)) | 0;
    sink ^= s;
  }, 2e7);
  const warmMac = macs[0]!;
  const warmF = await measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s = (s + fdb.lookup(warmMac, 1, 1)) | 0;
    sink ^= s;
  }, 5e6);
  const coldF = await measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s = (s + fdb.lookup(macs[i & MASK]!, 1, 1)) | 0;
    sink ^= s;
  }, 5e6);
  const baseF = { name: 'bare loop over macs', value: bareF.opsPerSec };
  rows.push(row('fdb lookup 10k MACs, warm (1 MAC)', 'lookups/s', warmF, baseF));
  rows.push(row('fdb lookup 10k MACs, cold (16k MACs)', 'lookups/s', coldF, baseF));
  if (sink === 0.5) console.log(sink); // keep results observable
  return rows;
}
