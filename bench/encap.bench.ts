// Overlay fast path: VXLAN encap/decap frames/s and Weave sleeve batching (inner frames/s at 64 B and
// 1400 B), beside a bare-loop baseline measured in the same run over the same buffers: a plain outer
// Ethernet header rewrite (MACs + EtherType), i.e. what forwarding a frame minimally costs.
import { measure, row, type Row } from './lib.ts';
import { VxlanEncapsulator, VxlanDecapsulator, VXLAN_ENCAP_OVERHEAD } from '../src/encap/vxlan-encap.ts';
import { SleeveBatcher } from '../src/encap/weave-sleeve.ts';
import { sleeveMaxPayload } from '../src/encap/mtu.ts';
import { writeMac } from '../src/ethernet/mac.ts';
import { put16 } from '../src/bytes.ts';

const FRAMES = 256;
const HEAD = 64;

function innerFrames(size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < FRAMES; i++) {
    const b = new Uint8Array(HEAD + size);
    const f = [0x02, 0xaa, 0, 0, 0, 2, 0x02, 0xaa, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, (size - 14) >> 8, (size - 14) & 0xff];
    b.set(f, HEAD);
    b[HEAD + 23] = 17;
    b[HEAD + 26] = 10; b[HEAD + 29] = i; b[HEAD + 30] = 10; b[HEAD + 33] = 2; // inner addresses vary per flow
    b[HEAD + 34] = i; b[HEAD + 36] = 0; b[HEAD + 37] = 53;
    out.push(b);
  }
  return out;
}

export async function bench(): Promise<Row[]> {
  const rows: Row[] = [];
  const size = 64;
  const frames = innerFrames(size);
  const enc = new VxlanEncapsulator({ outerSrcMac: 0x020000000001, outerDstMac: 0x020000000002, srcIp: 0xc0000201, dstIp: 0xc0000202, vni: 42 });
  const dec = new VxlanDecapsulator();

  const baseline = await measure((n) => {
    for (let i = 0; i < n; i++) {
      const b = frames[i & (FRAMES - 1)]!;
      const o = HEAD - VXLAN_ENCAP_OVERHEAD;
      writeMac(b, o, 0x020000000002);
      writeMac(b, o + 6, 0x020000000001);
      put16(b, o + 12, 0x0800);
    }
  }, 2_000_000);
  const base = { name: 'bare header rewrite (64 B)', value: baseline.opsPerSec };
  rows.push(row('encap: bare header rewrite baseline (64 B)', 'frames/s', baseline));

  rows.push(row('encap: vxlan encapsulate (64 B inner)', 'frames/s', await measure((n) => {
    for (let i = 0; i < n; i++) enc.encapsulate(frames[i & (FRAMES - 1)]!, HEAD, size);
  }, 1_000_000), base));

  // frames now hold valid outer headers at HEAD - 50
  let bad = 0;
  rows.push(row('encap: vxlan decapsulate (64 B inner)', 'frames/s', await measure((n) => {
    for (let i = 0; i < n; i++) if (dec.decapsulate(frames[i & (FRAMES - 1)]!, HEAD - VXLAN_ENCAP_OVERHEAD, size + VXLAN_ENCAP_OVERHEAD) !== 0) bad++;
  }, 1_000_000), base));
  if (bad) throw new Error(`decap failed ${bad} times`);

  rows.push(row('encap: vxlan encap+decap (64 B inner)', 'frames/s', await measure((n) => {
    for (let i = 0; i < n; i++) {
      const b = frames[i & (FRAMES - 1)]!;
      const o = enc.encapsulate(b, HEAD, size);
      dec.decapsulate(b, o, size + VXLAN_ENCAP_OVERHEAD);
    }
  }, 1_000_000), base));

  for (const s of [64, 1400]) {
    const fs = innerFrames(s);
    const out = new Uint8Array(65536);
    const bt = new SleeveBatcher(out, 0, sleeveMaxPayload(1500));
    bt.begin(0xce31e006451a);
    let datagrams = 0;
    rows.push(row(`encap: sleeve batch (${s} B inner)`, 'inner frames/s', await measure((n) => {
      for (let i = 0; i < n; i++) {
        const f = fs[i & (FRAMES - 1)]!;
        if (!bt.append(0xce31e006451a, 0x5ea3437ccd0b, f, HEAD, s)) {
          bt.flush();
          datagrams++;
          bt.append(0xce31e006451a, 0x5ea3437ccd0b, f, HEAD, s);
        }
      }
    }, s === 64 ? 1_000_000 : 300_000), base));
    void datagrams;
  }
  return rows;
}
