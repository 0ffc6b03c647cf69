// NAT bench: established-flow MASQUERADE (prerouting + forward + postrouting on one packet) for
// one warm flow and for 10,000 flows in rotation, new connections/s, beside a bare loop doing the
// minimal work (source address rewrite + RFC 1624 updates of the IP and UDP checksums) over the
// same buffers in the same run.
import { measure, row, type Measured, type Row } from './lib.ts';
import { Netfilter } from '../src/nat/netfilter.ts';
import { iptables } from '../src/nat/iptables-cli.ts';
import { csumUpdate32, internetChecksum } from '../src/ip/checksum.ts';
import { Lab } from '../src/lab/lab.ts';
import type { NetDevice } from '../src/lab/net-device.ts';
import { LabNetfilter } from '../src/lab/netfilter-hooks.ts';
import { iptables as iptablesRules } from '../src/nat/iptables-cli.ts';

const WAN = 0x0a000002;

function udp(src: number, dst: number, sport: number, dport: number): Uint8Array {
  const b = new Uint8Array(64);
  const v = new DataView(b.buffer);
  b.set([0x45, 0, 0, 64, 0, 1, 0, 0, 64, 17, 0, 0]);
  v.setUint32(12, src); v.setUint32(16, dst); v.setUint16(20, sport); v.setUint16(22, dport); v.setUint16(24, 44); v.setUint16(26, 0x1234);
  return b;
}

function setup(max: number) {
  const nf = new Netfilter({ seed: 1, max });
  iptables(nf.rules, ['-t', 'nat', '-A', 'POSTROUTING', '-s', '192.168.0.0/16', '-j', 'MASQUERADE']);
  return { nf, lan: nf.ifId('eth0'), wan: nf.ifId('eth1') };
}

let sunk = 0;

/** One lab router (r-a 192.168.0.1/16 → r-b 10.0.0.1/24, default via 10.0.0.2) whose r-b
 *  transmit is a counting sink, fed `flows` UDP flows by `pass(n)`. */
function labRouter(flows: number) {
  const lab = new Lab({ seed: 3 });
  const r = lab.addNetns('r');
  r.linkAddVeth('r-a', 'a-r');
  r.linkAddVeth('r-b', 'b-r');
  for (const d of ['r-a', 'a-r', 'r-b', 'b-r']) r.linkSet(d, { up: true });
  r.addrAdd('r-a', '192.168.0.1/16');
  r.addrAdd('r-b', '10.0.0.1/24');
  r.routeAdd({ dst: 'default', via: '10.0.0.2' });
  r.neighAdd('10.0.0.2', '02:00:00:00:00:02', 'r-b');
  r.sysctl('net.ipv4.ip_forward', '1');
  const inDev = r.dev('r-a')!;
  const out = r.dev('r-b')! as NetDevice & { xmit: NetDevice['xmit'] };
  out.xmit = (_b, _o, l) => { sunk = (sunk + l) & 0x3fffffff; };
  const STRIDE = 160, HR = 64, LEN = 14 + 64;
  const buf = new Uint8Array(flows * STRIDE);
  const pristine = new Uint8Array(flows * STRIDE);
  const m = inDev.mac;
  for (let i = 0; i < flows; i++) {
    const o = i * STRIDE + HR;
    const p = udp(0xc0a80000 + 2 + (i % 250), 0x08080808, 1024 + i, 53);
    buf[o] = Math.floor(m / 2 ** 40) & 255; buf[o + 1] = Math.floor(m / 2 ** 32) & 255;
    buf[o + 2] = (m >>> 24) & 255; buf[o + 3] = (m >>> 16) & 255; buf[o + 4] = (m >>> 8) & 255; buf[o + 5] = m & 255;
    buf.set([2, 0, 0, 0, 0, 9, 8, 0], o + 6);
    p[10] = 0; p[11] = 0;
    const c = internetChecksum(p, 0, 20);
    p[10] = c >> 8; p[11] = c & 255;
    p[26] = 0; p[27] = 0; // no UDP checksum: both paths leave it alone
    buf.set(p, o + 14);
  }
  pristine.set(buf);
  const pass = (n: number) => {
    for (let k = 0, i = 0; k < n; k++) {
      const o = i * STRIDE + HR;
      for (let j = o + 14; j < o + 42; j++) buf[j] = pristine[j]!; // forwarding consumed TTL, NAT the source
      r.stack.input(inDev, buf, o, LEN, true);
      if (++i === flows) i = 0;
    }
  };
  return { r, pass };
}

/**
 * The lab's whole receive → route → forward → transmit path (Ethernet in, checks, LPM, TTL,
 * neighbour, MAC rewrite; xmit replaced by a counting sink) for the same UDP frames, in a plain
 * router and in a second one with `-t nat -A POSTROUTING -o r-b -j MASQUERADE` loaded and every
 * flow established: the ratio the issue asks for (NAT ≤ 2× the plain router's cost). The two are
 * timed in alternating runs so that both see the same machine load (a shared CI box otherwise
 * skews whichever happens to run second), and each row is the median of its runs.
 */
async function routerRows(flows: number): Promise<Row[]> {
  const plainR = labRouter(flows);
  const natR = labRouter(flows);
  const nf = LabNetfilter.of(natR.r).nf;
  iptablesRules(nf.rules, ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'r-b', '-j', 'MASQUERADE']);
  natR.pass(flows); // every flow established
  const before = sunk;
  const RUNS = 7, N = 1_000_000;
  const plainRuns: Measured[] = [], natRuns: Measured[] = [];
  for (let k = 0; k < RUNS; k++) {
    plainRuns.push(await measure(plainR.pass, N, 1));
    natRuns.push(await measure(natR.pass, N, 1));
  }
  if (sunk === before) throw new Error('nat bench: the routers forwarded nothing');
  if (nf.ct.count !== flows) throw new Error(`nat bench: ${nf.ct.count} entries for ${flows} flows`);
  const plain = median(plainRuns), nat = median(natRuns);
  const label = flows === 1 ? '1 flow' : `${flows / 1000}k flows`;
  return [
    row(`lab plain router path (no netfilter), ${label}`, 'pkts/s', plain),
    row(`lab router + MASQUERADE established, ${label}`, 'pkts/s', nat, { name: 'lab plain router path', value: plain.opsPerSec }),
  ];
}

/** Median rate of single-run measurements, with the GCs of all of them. */
function median(ms: Measured[]): Measured {
  const r = ms.map((m) => m.opsPerSec).sort((a, b) => a - b);
  return { opsPerSec: r[r.length >> 1]!, gc: ms.reduce((n, m) => n + m.gc, 0) };
}

export async function bench(): Promise<Row[]> {
  const FLOWS = 10_000;
  const pkts: Uint8Array[] = [];
  for (let i = 0; i < FLOWS; i++) pkts.push(udp(0xc0a80000 + 2 + (i % 250), 0x08080808, 1024 + i, 53));
  const orig: Uint8Array[] = pkts.map((p) => p.slice());
  const copyHdr = (i: number) => { const d = pkts[i]!, o = orig[i]!; for (let j = 0; j < 28; j++) d[j] = o[j]!; };

  // bare loop: what any NAT must do per packet — rewrite the source, update two checksums
  let bareSrc = 0;
  const bare = (n: number, flows: number) => {
    for (let k = 0; k < n; k++) {
      const p = pkts[k % flows]!;
      const old = ((p[12]! << 24) | (p[13]! << 16) | (p[14]! << 8) | p[15]!) >>> 0;
      const nw = (old ^ 1) >>> 0; // alternate so each packet really changes
      const ic = csumUpdate32((p[10]! << 8) | p[11]!, old, nw);
      p[10] = ic >> 8; p[11] = ic & 255;
      const uc = csumUpdate32((p[26]! << 8) | p[27]!, old, nw);
      p[26] = uc >> 8; p[27] = uc & 255;
      p[12] = nw >>> 24; p[13] = (nw >>> 16) & 255; p[14] = (nw >>> 8) & 255; p[15] = nw & 255;
      bareSrc ^= nw;
    }
  };
  const base1 = await measure((n) => bare(n, 1), 2_000_000);
  const baseN = await measure((n) => bare(n, FLOWS), 2_000_000);

  // established flows: the packet is masqueraded, then the buffer's source restored by the same
  // translation run backwards is not possible without a reply, so copy the pristine header back
  const est = (flows: number) => {
    const { nf, lan, wan } = setup(65536);
    for (let i = 0; i < flows; i++) {
      const p = orig[i]!.slice();
      nf.prerouting(p, 0, 64, lan, 0); nf.forward(p, 0, 64, lan, wan, 0); nf.postrouting(p, 0, 64, wan, WAN, 0);
    }
    return (n: number) => {
      for (let k = 0; k < n; k++) {
        const i = k % flows;
        const p = pkts[i]!;
        copyHdr(i);
        nf.prerouting(p, 0, 64, lan, 1);
        nf.forward(p, 0, 64, lan, wan, 1);
        nf.postrouting(p, 0, 64, wan, WAN, 1);
      }
    };
  };
  const copyBase = await measure((n) => { for (let k = 0; k < n; k++) { const i = k % FLOWS; copyHdr(i); bare(1, 1); } }, 1_000_000);
  const warm = await measure(est(1), 1_000_000);
  const cold = await measure(est(FLOWS), 1_000_000);

  // new connections: a fresh table each run sized so nothing is evicted
  const big = setup(1 << 21);
  let serial = 0;
  const newConn = await measure((n) => {
    const { nf, lan, wan } = big;
    for (let q = 0; q < n; q++) {
      const k = serial++;
      const p = pkts[k % FLOWS]!;
      copyHdr(k % FLOWS);
      p[20] = (k >>> 8) & 255; p[21] = k & 255; p[18] = (k >>> 16) & 255; // unique tuple per k (port, server address)
      nf.prerouting(p, 0, 64, lan, 0); nf.forward(p, 0, 64, lan, wan, 0); nf.postrouting(p, 0, 64, wan, WAN, 0);
    }
  }, 200_000);
  if (bareSrc === 42) console.log('');

  const b1 = { name: 'bare rewrite+csum, 1 buffer', value: base1.opsPerSec };
  const bN = { name: 'bare rewrite+csum, 10k buffers', value: baseN.opsPerSec };
  const router1 = await routerRows(1);
  const routerN = await routerRows(FLOWS);
  return [
    ...router1,
    ...routerN,
    row('nat bare loop 1 buffer', 'pkts/s', base1),
    row('nat bare loop 10k buffers', 'pkts/s', baseN),
    row('nat bare loop + header copy', 'pkts/s', copyBase),
    row('nat masquerade established, 1 flow', 'pkts/s', warm, b1),
    row('nat masquerade established, 10k flows', 'pkts/s', cold, bN),
    row('nat new connections (masquerade)', 'conns/s', newConn, bN),
  ];
}
