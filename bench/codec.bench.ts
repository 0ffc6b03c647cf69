// Wire codec throughput: decoding and emitting a 64-byte Ethernet/IPv4/UDP frame, and crafting + writing
// N frames to a pcap, each beside scapy doing the same work in the same run (timed inside python, so
// interpreter start-up is not counted). Decoding is views + both checksums and must not allocate: the
// GC count of its timed loop is the proof.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { measure, row, type Row } from './lib.ts';
import { EthernetView, emitEthernet, EtherType } from '../src/ethernet/frame.ts';
import { Ipv4View, emitIpv4, type Ipv4Repr } from '../src/ip/ipv4.ts';
import { UdpView, emitUdp } from '../src/ip/udp.ts';
import { buildStack, craftFrames } from '../src/packet/build.ts';
import { openCaptureWriter } from '../src/pcap/index.ts';

const SYSTEM_PYTHON = '/usr/bin/python3';
const PAYLOAD = 'wirestack-bench-64byte'; // 22 bytes: 14 + 20 + 8 + 22 = 64
const layers = [
  { ether: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
  { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', id: 1 } },
  { udp: { sport: 1234, dport: 5678 } },
  { raw: { text: PAYLOAD } },
];
const SCAPY_PKT = `Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02')/IP(src='10.0.0.1',dst='10.0.0.2',id=1)/UDP(sport=1234,dport=5678)/Raw(b'${PAYLOAD}')`;

/** scapy's rates (frames/s, median of `runs`) for decode, build and build+wrpcap of `n` frames. */
function scapyRates(n: number, runs: number, file: string): { decode: number; build: number; pcap: number } | null {
  const script = `
import time, json, statistics
from scapy.all import *
p = ${SCAPY_PKT}
raw_bytes = bytes(p)
assert len(raw_bytes) == 64
def rate(fn, iters):
    fn(max(1, iters // 10))
    rs = []
    for _ in range(${runs}):
        t0 = time.perf_counter(); fn(iters); rs.append(iters / (time.perf_counter() - t0))
    return statistics.median(rs)
def decode(k):
    for _ in range(k): Ether(raw_bytes)
def build(k):
    for _ in range(k): bytes(${SCAPY_PKT})
def pcap(k):
    pkts = [Ether(src='02:00:00:00:00:01',dst='02:00:00:00:00:02')/IP(src='10.0.0.1',dst='10.0.0.2',id=1)/UDP(sport=1234+i%1000,dport=5678)/Raw(b'${PAYLOAD}') for i in range(k)]
    wrpcap('${file}', pkts)
print(json.dumps({'decode': rate(decode, 3000), 'build': rate(build, 3000), 'pcap': rate(pcap, ${n})}))
`;
  const r = spawnSync(SYSTEM_PYTHON, ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`codec bench: scapy baseline unavailable: ${r.stderr.split('\n').slice(-2).join(' ')}\n`);
    return null;
  }
  return JSON.parse(r.stdout) as { decode: number; build: number; pcap: number };
}

// decode: views over the frame, structure checks and both checksums. Module-level views and a plain
// function (not a closure over the async bench's context), so the loop is the only thing measured.
const eth = new EthernetView(), ip = new Ipv4View(), udp = new UdpView();
function decodeLoop(frame: Uint8Array, iters: number): number {
  let sink = 0;
  for (let i = 0; i < iters; i++) {
    eth.wrap(frame, 0, 64);
    if (eth.check() !== 0 || eth.etherType !== EtherType.IPV4) return -1;
    ip.wrap(frame, eth.payloadOffset, eth.payloadLength);
    if (ip.check() !== 0 || !ip.verifyChecksum()) return -2;
    const hl = ip.headerLength;
    udp.wrap(frame, ip.off + hl, ip.totalLength - hl);
    if (udp.check() !== 0 || !udp.verifyChecksum(ip.src, ip.dst)) return -3;
    sink = (sink + udp.dstPort) | 0;
  }
  return sink;
}

export async function bench(): Promise<Row[]> {
  const frame = buildStack(layers, 'bench');
  if (frame.length !== 64) throw new Error(`bench frame is ${frame.length} bytes, not 64`);

  let sink = 0;
  const decode = (iters: number) => { sink = decodeLoop(frame, iters); };

  // emit: the same frame from reprs into one reused buffer, checksums computed each time
  const out = new Uint8Array(64);
  const ethRepr = { dst: 0x020000000002, src: 0x020000000001, tags: [], type: EtherType.IPV4 };
  const ipRepr: Ipv4Repr = { tos: 0, id: 1, df: false, mf: false, reservedFlag: false, fragOffset: 0, ttl: 64, protocol: 17, src: 0x0a000001, dst: 0x0a000002, options: new Uint8Array(0) };
  const udpRepr = { srcPort: 1234, dstPort: 5678 };
  const payload = frame.subarray(42);
  out.set(payload, 42);
  const emit = (iters: number) => {
    for (let i = 0; i < iters; i++) {
      emitEthernet(ethRepr, out, 0);
      emitIpv4(ipRepr, 30, out, 14);
      emitUdp(udpRepr, ipRepr.src, ipRepr.dst, 22, out, 34);
    }
  };
  emit(1);
  for (let i = 0; i < 64; i++) if (out[i] !== frame[i]) throw new Error(`emitted frame differs at byte ${i}`);

  // craft + write N frames to a pcap file (spec parse, layer builds, checksums, chunked file writes)
  const N = 20000;
  const dir = mkdtempSync(join(tmpdir(), 'ws-bench-'));
  const spec = [{ count: N, layers: [layers[0], layers[1], { udp: { sport: { start: 1234, step: 1 }, dport: 5678 } }, layers[3]] }];
  const craftPcap = (iters: number) => {
    for (let done = 0; done < iters; ) {
      const w = openCaptureWriter(join(dir, 'bench.pcap'));
      const id = w.addInterface('bench0');
      const n = Math.min(N, iters - done);
      let k = 0;
      for (const f of craftFrames([{ ...spec[0], count: n }])) { w.write(id, f.tsNs, f.bytes, 0, f.bytes.length); k++; }
      w.close();
      done += k;
    }
  };

  const RUNS = 7;
  await measure(decode, 200_000, 1); // let start-up garbage (module compilation) be collected before the counted runs
  const dec = await measure(decode, 2_000_000, RUNS);
  const em = await measure(emit, 2_000_000, RUNS);
  const cw = await measure(craftPcap, N, RUNS);
  const py = scapyRates(2000, 5, join(dir, 'scapy.pcap'));
  rmSync(dir, { recursive: true, force: true });
  if (sink === 0) throw new Error('decode loop optimised away');
  return [
    row('codec: decode 64B eth/ipv4/udp (views + checksums)', 'frames/s', dec, py ? { name: 'scapy Ether(bytes)', value: py.decode } : undefined),
    row('codec: emit 64B eth/ipv4/udp (reused buffer)', 'frames/s', em, py ? { name: 'scapy bytes(Ether()/IP()/UDP())', value: py.build } : undefined),
    row(`codec: craft + write ${N} frames to pcap`, 'frames/s', cw, py ? { name: 'scapy build + wrpcap', value: py.pcap } : undefined),
  ];
}
