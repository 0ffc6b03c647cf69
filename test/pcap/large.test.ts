// A large capture (200k records) written and read back streaming: chunked writes (flushes far below the
// record count), bounded reader memory, every record intact.
import t from 'tap';
import { statSync } from 'node:fs';
import { openCaptureReader, openCaptureWriter } from '../../src/pcap/index.ts';
import { tempDir, UDP } from './frames.ts';

const N = 200_000;

for (const ext of ['pcap', 'pcapng'] as const) {
  t.test(`${N} records to ${ext} and back`, (t) => {
    const path = tempDir(t)(`big.${ext}`);
    const frame = UDP.slice();
    const w = openCaptureWriter(path, { nanos: true });
    const id = w.addInterface('eth0');
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      frame[frame.length - 4] = i >>> 24; // stamp the index into the payload
      frame[frame.length - 3] = i >>> 16;
      frame[frame.length - 2] = i >>> 8;
      frame[frame.length - 1] = i;
      w.write(id, 1_000_000_000 + i * 1000, frame, 0, frame.length, ext === 'pcapng' ? { direction: i & 1 ? 'in' : 'out' } : undefined);
    }
    w.close();
    const writeMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const size = statSync(path).size;
    t.equal(w.stats.records, N);
    t.equal(w.stats.bytes, size, 'bytes accounted');
    t.ok(w.stats.flushes <= Math.ceil(size / (512 * 1024)) + 1, `one write per 512 KiB chunk: ${w.stats.flushes} flushes for ${N} records, ${size} bytes`);

    const before = process.memoryUsage();
    t0 = process.hrtime.bigint();
    const r = openCaptureReader(path);
    let n = 0;
    let bad = 0;
    let peak = 0;
    for (let rec = r.next(); rec !== null; rec = r.next()) {
      if (typeof rec === 'number') throw new Error(`read error ${JSON.stringify(r.error)}`);
      const d = rec.data;
      const k = ((d[d.length - 4]! << 24) | (d[d.length - 3]! << 16) | (d[d.length - 2]! << 8) | d[d.length - 1]!) >>> 0;
      if (k !== n || rec.tsNs !== 1_000_000_000 + n * 1000 || d.length !== UDP.length) bad++;
      if (ext === 'pcapng' && rec.direction !== (n & 1 ? 'in' : 'out')) bad++;
      n++;
      if ((n & 0xffff) === 0) {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.arrayBuffers - before.arrayBuffers);
      }
    }
    r.close();
    const readMs = Number(process.hrtime.bigint() - t0) / 1e6;
    t.equal(n, N, 'all records read');
    t.equal(bad, 0, 'every record has its index, timestamp and direction');
    t.ok(peak < 4 * 1024 * 1024, `reader buffers stay bounded (${(peak / 1024).toFixed(0)} KiB extra for a ${(size / 1048576).toFixed(1)} MiB file)`);
    t.comment(`${ext}: write ${(N / writeMs / 1000).toFixed(2)} M records/s, read ${(N / readMs / 1000).toFixed(2)} M records/s, ${w.stats.flushes} write calls`);
    t.end();
  });
}

t.test('writing allocates nothing per record: no garbage collection during 300k writes', async (t) => {
  const { PerformanceObserver } = await import('node:perf_hooks');
  const { PcapWriter, PcapngWriter } = await import('../../src/pcap/index.ts');
  const frame = UDP.slice();
  const discard = (_c: Uint8Array) => {};
  const OUT = { direction: 'out' as const };
  for (const make of [() => new PcapWriter(discard, { nanos: true }), () => new PcapngWriter(discard)]) {
    const w = make();
    w.addInterface('eth0');
    for (let i = 0; i < 20_000; i++) w.write(0, i, frame, 0, frame.length, OUT); // warm up the JIT
    let gcs = 0;
    const obs = new PerformanceObserver((list) => { gcs += list.getEntries().length; });
    obs.observe({ entryTypes: ['gc'] });
    await new Promise((r) => setImmediate(r));
    gcs = 0;
    // Small-integer timestamps: a double argument (ns beyond 2^30) may be boxed by the *caller* when the call
    // is not inlined — that is the caller's allocation, not the writer's.
    for (let i = 0; i < 300_000; i++) w.write(0, i * 1024, frame, 0, frame.length, OUT);
    await new Promise((r) => setTimeout(r, 20)); // GC entries are delivered asynchronously
    obs.disconnect();
    t.equal(gcs, 0, `${w.format}: no GC while writing 300k records (${w.stats.flushes} chunks)`);
    w.close();
  }
});
