// Overlay fast path: VXLAN encap/decap frames/s and Weave sleeve batching (inner frames/s at 64 B and
// 1400 B), beside a bare-loop baseline measured in the same run over the same buffers: a plain outer
// Ethernet header rewrite (MACs + EtherType), i.e. what forwarding a frame minimally costs.
import { measure, row, type Row } from './lib.ts';
import { VxlanEncapsulator, VxlanDecapsulator, VXLAN_ENCAP_OVERHEAD } from '../src/encap/vxlan-encap.ts';
import { SleeveBatcher } from '../src/encap/weave-sleeve.ts';
import { sleeveMaxPayload } from '../src/encap/mtu.ts';
import { writeMac } from '../src/ethernet/mac.ts';
import { put16, put32 } from '../src/bytes.ts';
import { Lab } from '../src/lab/lab.ts';
import type { NetDevice } from '../src/lab/net-device.ts';
import { internetChecksum } from '../src/ip/checksum.ts';

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
  rows.push(...(await labDeviceRows()));
  return rows;
}

// ---------------- the lab vxlan device path vs the lab's plain forwarding path ----------------

let sunk = 0;
/** Counts in Smi range (a module counter past 2^31 would be a heap number: one allocation per frame). */
function sink(len: number): void {
  sunk = (sunk + len) & 0x3fffffff;
}

/** An Ethernet + IPv4 (ICMP, 64 B frame) written at buf[off]. */
function icmpFrame(buf: Uint8Array, off: number, dstMac: number, srcMac: number, src: number, dst: number): void {
  writeMac(buf, off, dstMac);
  writeMac(buf, off + 6, srcMac);
  put16(buf, off + 12, 0x0800);
  const ip = off + 14;
  buf[ip] = 0x45;
  put16(buf, ip + 2, 50);
  buf[ip + 8] = 64;
  buf[ip + 9] = 1;
  put32(buf, ip + 12, src);
  put32(buf, ip + 16, dst);
  put16(buf, ip + 10, internetChecksum(buf, ip, 20));
}

/**
 * Both rows take one 64 B frame through a full receive→transmit (or transmit→receive) of the lab, in
 * memory (no scheduler, no veth copy):
 * - plain forwarding: deviceReceive on r's in-device → IPv4 input → route → TTL/csum → neighbour → xmit (sink);
 * - vxlan: a's vxlan0.xmit → FDB → encap into headroom → a's IP output (route, neighbour) → a's eth0.xmit
 *   handed straight to b's eth0 receive → IPv4 input → UDP demux → encap_rcv → VNI → learn → b's vxlan0
 *   rx (sink). Target (issue 7): vxlan at most 2× the cost of plain forwarding.
 */
async function labDeviceRows(): Promise<Row[]> {
  const ITER = 1_000_000;
  // plain forwarding through a lab router
  const lab = new Lab({ seed: 21 });
  const r = lab.addNetns('r');
  r.linkAddVeth('r-a', 'a-r');
  r.linkAddVeth('r-b', 'b-r');
  for (const d of ['r-a', 'a-r', 'r-b', 'b-r']) r.linkSet(d, { up: true });
  r.addrAdd('r-a', '10.0.1.1/24');
  r.addrAdd('r-b', '10.0.2.1/24');
  r.sysctl('net.ipv4.ip_forward', '1');
  r.neighAdd('10.0.2.2', '02:00:00:00:02:02', 'r-b');
  const inDev = r.dev('r-a')!;
  const outDev = r.dev('r-b')! as NetDevice & { xmit: NetDevice['xmit'] };
  outDev.xmit = (_b, _o, l) => sink(l);
  const fbuf = new Uint8Array(HEAD + 64);
  icmpFrame(fbuf, HEAD, inDev.mac, 0x020000000a0a, 0x0a000102, 0x0a000202);
  const fwd = await measure((n) => {
    for (let i = 0; i < n; i++) {
      fbuf[HEAD + 22] = 64; // TTL and checksum back to what they were
      put16(fbuf, HEAD + 24, 0);
      put16(fbuf, HEAD + 24, internetChecksum(fbuf, HEAD + 14, 20));
      lab.deviceReceive(inDev, fbuf, HEAD, 64);
    }
  }, ITER);
  if (sunk === 0) throw new Error('forwarding bench: nothing forwarded');
  const base = { name: 'lab plain forwarding (64 B)', value: fwd.opsPerSec };
  const rows: Row[] = [row('encap: lab plain forwarding rx→tx baseline (64 B)', 'frames/s', fwd)];

  // two namespaces, underlay eth0 10.1.1.1/.2, vxlan0 VNI 42
  const vl = new Lab({ seed: 22 });
  const a = vl.addNetns('a');
  const b = vl.addNetns('b');
  a.linkAddVeth('eth0', 'peer0');
  a.linkSet('peer0', { netns: 'b' });
  a.addrAdd('eth0', '10.1.1.1/24');
  b.addrAdd('peer0', '10.1.1.2/24');
  a.linkSet('eth0', { up: true });
  b.linkSet('peer0', { up: true });
  const bEth = b.dev('peer0')!;
  a.neighAdd('10.1.1.2', '02:00:00:00:01:02', 'eth0');
  bEth.mac = 0x020000000102;
  const aEth = a.dev('eth0')! as NetDevice & { xmit: NetDevice['xmit'] };
  aEth.xmit = (buf, off, len) => vl.deviceReceive(bEth, buf, off, len);
  a.linkAddVxlan('vxlan0', { id: 42, remote: '10.1.1.2', dev: 'eth0' });
  b.linkAddVxlan('vxlan0', { id: 42, remote: '10.1.1.1', dev: 'peer0' });
  a.linkSet('vxlan0', { up: true });
  b.linkSet('vxlan0', { up: true });
  const aVx = a.dev('vxlan0')!;
  const bVx = b.dev('vxlan0')!;
  let got = 0;
  bVx.vxlan!.attach((_b, _o, l) => {
    got++;
    sink(l);
  });
  const vbuf = new Uint8Array(HEAD + 64);
  icmpFrame(vbuf, HEAD, bVx.mac, aVx.mac, 0x0a2a0001, 0x0a2a0002);
  const vx = await measure((n) => {
    for (let i = 0; i < n; i++) aVx.xmit(vbuf, HEAD, 64);
  }, ITER);
  if (got === 0) throw new Error(`vxlan bench: nothing decapsulated (${JSON.stringify(aVx.vxlan!.counters)} ${JSON.stringify(bEth.stats.dropsByReason())})`);
  rows.push(row('encap: lab vxlan device encap+decap, two namespaces (64 B inner)', 'frames/s', vx, base));
  return rows;
}
