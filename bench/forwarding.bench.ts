// Forwarding through the lab's data plane, in memory (no scheduler, no syscalls): frames/s through
// a learning bridge (destination already learned) and through a router (LPM over 10,000 routes,
// TTL − 1 with an RFC 1624 checksum update, neighbour lookup, MAC rewrite), each with a warm flow
// set (1 flow) and a cold one (10,000 random flows), beside a bare loop doing the minimal rewrite
// over the same buffers in the same run. The output device's xmit is replaced by a counting sink so
// the veth's scheduling is not measured. Every iteration first restores the frame's TTL/checksum
// (both loops do it, so the ratio is fair) because forwarding consumes TTL.
import { measure, row, type Row } from './lib.ts';
import { Lab } from '../src/lab/lab.ts';
import type { NetDevice } from '../src/lab/net-device.ts';
import { Bridge, type BridgePortDevice } from '../src/ethernet/bridge.ts';
import { forwardRewrite } from '../src/ip/forward.ts';
import { internetChecksum } from '../src/ip/checksum.ts';
import { put16, put32, u32 } from '../src/bytes.ts';
import { Random } from '../src/lab/random.ts';

const FLOWS = 10_000;
const ITER = 1_000_000;
const HR = 64;
const FRAME = 98; // Ethernet + IPv4 + ICMP echo with 56 bytes
// Bytes handed to the sinks, kept in Smi range: a module-level counter that grows past 2^30/2^31 is a
// heap number, and every `+=` would then allocate a new one (GCs charged to the sink, not the path).
let sunk = 0;
const sinkBytes = (l: number): void => {
  sunk = (sunk + l) & 0x3fffffff;
};

/** Frames in one buffer, each at HR + i * stride (headroom in front of every frame). */
function frames(n: number, fill: (b: Uint8Array, off: number, i: number) => void): { buf: Uint8Array; offs: Int32Array } {
  const stride = HR + 128;
  const buf = new Uint8Array(n * stride);
  const offs = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    offs[i] = i * stride + HR;
    fill(buf, offs[i]!, i);
  }
  return { buf, offs };
}

function writeMac48(b: Uint8Array, o: number, m: number): void {
  put16(b, o, Math.floor(m / 0x100000000));
  put32(b, o + 2, m >>> 0);
}

// ---------------- bridge ----------------

function bridgeRows(): Promise<Row[]> {
  const rng = new Random(11);
  let now = 0;
  const bridge = new Bridge({ now: () => now, deliverLocal: () => {}, note: () => {}, dropped: () => {}, bridgeUp: () => true });
  const port = (name: string, mac: number): BridgePortDevice => ({
    name, mac, bridgePortId: -1, adminUp: true, carrier: true,
    xmit: (_b: Uint8Array, _o: number, l: number) => sinkBytes(l),
  });
  const ports = [port('p0', 0x020000000001), port('p1', 0x020000000002), port('p2', 0x020000000003)];
  for (const p of ports) bridge.addPort(p);
  // stations: sources behind p0, destinations learned behind p1/p2
  const macs = (n: number) => Array.from({ length: n }, () => 0x020000000000 + rng.int(0x10000) * 0x10000 + rng.int(0x10000));
  const srcs = macs(FLOWS);
  const dsts = macs(FLOWS);
  const learn = frames(1, () => {});
  for (let i = 0; i < FLOWS; i++) {
    writeMac48(learn.buf, learn.offs[0]!, 0xffffffffffff);
    writeMac48(learn.buf, learn.offs[0]! + 6, dsts[i]!);
    bridge.input(ports[1 + (i & 1)]!, learn.buf, learn.offs[0]!, 60);
  }
  const mk = (n: number) =>
    frames(n, (b, o, i) => {
      writeMac48(b, o, dsts[i]!);
      writeMac48(b, o + 6, srcs[i]!);
      put16(b, o + 12, 0x0800);
    });
  const sets = { warm: mk(1), cold: mk(FLOWS) };
  const rows: Promise<Row>[] = [];
  const run = async () => {
    const out: Row[] = [];
    for (const [label, f] of Object.entries(sets)) {
      const n = f.offs.length;
      const real = await measure((it) => {
        for (let k = 0, i = 0; k < it; k++) {
          bridge.input(ports[0]!, f.buf, f.offs[i]!, FRAME);
          if (++i === n) i = 0;
        }
      }, ITER);
      // bare loop: read both MACs as numbers (what any bridge must) and hand the frame to a port
      const sink = ports[1]!;
      const bare = await measure((it) => {
        let acc = 0;
        for (let k = 0, i = 0; k < it; k++) {
          const o = f.offs[i]!;
          const b = f.buf;
          acc ^= ((b[o]! << 8) | b[o + 1]!) + u32(b, o + 2) + ((b[o + 6]! << 8) | b[o + 7]!) + u32(b, o + 8);
          sink.xmit(b, o, FRAME);
          if (++i === n) i = 0;
        }
        sinkBytes(acc & 1);
      }, ITER);
      out.push(row(`bridge, learned dst, ${label} (${n} flow${n > 1 ? 's' : ''})`, 'frames/s', real, { name: 'bare MAC read + xmit', value: bare.opsPerSec }));
      out.push(row(`bridge bare loop, ${label}`, 'frames/s', bare));
    }
    return out;
  };
  void rows;
  return run();
}

// ---------------- router ----------------

async function routerRows(): Promise<Row[]> {
  const rng = new Random(12);
  const lab = new Lab({ seed: 12 });
  const r = lab.addNetns('r');
  r.linkAddVeth('r-a', 'a-r');
  r.linkAddVeth('r-b', 'b-r');
  for (const d of ['r-a', 'a-r', 'r-b', 'b-r']) r.linkSet(d, { up: true });
  r.addrAdd('r-a', '10.0.1.1/24');
  r.addrAdd('r-b', '10.0.2.1/24');
  r.sysctl('net.ipv4.ip_forward', '1');
  const inDev = r.dev('r-a')!;
  const out = r.dev('r-b')! as NetDevice & { xmit: NetDevice['xmit'] };
  out.xmit = (_b, _o, l) => sinkBytes(l);
  const gws = [0x0a000202, 0x0a000203];
  r.neighAdd('10.0.2.2', '02:00:00:00:02:02', 'r-b');
  r.neighAdd('10.0.2.3', '02:00:00:00:02:03', 'r-b');
  // 10,000 random prefixes /8../28 via the two gateways (added to the table directly: setup only)
  const prefixes: { dst: number; len: number }[] = [];
  while (prefixes.length < FLOWS) {
    const len = 8 + rng.int(21);
    const dst = (rng.u32() & (len === 0 ? 0 : (0xffffffff << (32 - len)))) >>> 0;
    if (dst >>> 24 === 10 || dst >>> 24 === 0) continue;
    try {
      r.fib.add({ dst, len, gateway: gws[prefixes.length & 1]!, ifindex: out.ifindex, dev: out.name, metric: 0, scope: 'global', proto: 'boot', prefsrc: 0, type: 'unicast' });
      prefixes.push({ dst, len });
    } catch {
      /* duplicate prefix: draw again */
    }
  }
  const mk = (n: number) =>
    frames(n, (b, o, i) => {
      writeMac48(b, o, inDev.mac);
      writeMac48(b, o + 6, 0x020000000a0a);
      put16(b, o + 12, 0x0800);
      const ip = o + 14;
      const p = prefixes[(i * 7919) % FLOWS]!;
      const host = p.len === 32 ? 0 : rng.int(2 ** (32 - p.len));
      b[ip] = 0x45;
      put16(b, ip + 2, FRAME - 14);
      b[ip + 8] = 64;
      b[ip + 9] = 1;
      put32(b, ip + 12, 0x0a000102);
      put32(b, ip + 16, (p.dst + host) >>> 0);
      put16(b, ip + 10, internetChecksum(b, ip, 20));
    });
  const sets = { warm: mk(1), cold: mk(FLOWS) };
  const rows: Row[] = [];
  const SRC_MAC = out.mac;
  const DST_MAC = 0x020000000202;
  for (const [label, f] of Object.entries(sets)) {
    const n = f.offs.length;
    const csum = new Uint16Array(n);
    for (let i = 0; i < n; i++) csum[i] = (f.buf[f.offs[i]! + 24]! << 8) | f.buf[f.offs[i]! + 25]!;
    const restore = (o: number, i: number) => {
      f.buf[o + 22] = 64;
      f.buf[o + 24] = csum[i]! >>> 8;
      f.buf[o + 25] = csum[i]!;
    };
    const before = sunk;
    const real = await measure((it) => {
      for (let k = 0, i = 0; k < it; k++) {
        const o = f.offs[i]!;
        restore(o, i);
        r.stack.forward(inDev, f.buf, o + 14, FRAME - 14);
        if (++i === n) i = 0;
      }
    }, ITER);
    if (sunk === before) throw new Error('router bench: nothing was forwarded');
    // bare loop: read dst, TTL − 1 with the incremental checksum, write both MACs, hand to the sink
    const bare = await measure((it) => {
      let acc = 0;
      for (let k = 0, i = 0; k < it; k++) {
        const o = f.offs[i]!;
        restore(o, i);
        acc ^= u32(f.buf, o + 30);
        forwardRewrite(f.buf, o + 14, DST_MAC, SRC_MAC, 0);
        out.xmit(f.buf, o, FRAME);
        if (++i === n) i = 0;
      }
      sinkBytes(acc & 1);
    }, ITER);
    rows.push(row(`router, LPM over ${FLOWS} routes + TTL + csum + MAC, ${label} (${n} flow${n > 1 ? 's' : ''})`, 'frames/s', real, { name: 'bare TTL/csum/MAC rewrite', value: bare.opsPerSec }));
    rows.push(row(`router bare loop, ${label}`, 'frames/s', bare));
  }
  return rows;
}

export async function bench(): Promise<Row[]> {
  return [...(await bridgeRows()), ...(await routerRows())];
}
