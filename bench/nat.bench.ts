// NAT bench: established-flow MASQUERADE (prerouting + forward + postrouting on one packet) for
// one warm flow and for 10,000 flows in rotation, new connections/s, beside a bare loop doing the
// minimal work (source address rewrite + RFC 1624 updates of the IP and UDP checksums) over the
// same buffers in the same run.
import { measure, row, type Row } from './lib.ts';
import { Netfilter } from '../src/nat/netfilter.ts';
import { iptables } from '../src/nat/iptables-cli.ts';
import { csumUpdate32 } from '../src/ip/checksum.ts';

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
  return [
    row('nat bare loop 1 buffer', 'pkts/s', base1),
    row('nat bare loop 10k buffers', 'pkts/s', baseN),
    row('nat bare loop + header copy', 'pkts/s', copyBase),
    row('nat masquerade established, 1 flow', 'pkts/s', warm, b1),
    row('nat masquerade established, 10k flows', 'pkts/s', cold, bN),
    row('nat new connections (masquerade)', 'conns/s', newConn, bN),
  ];
}
