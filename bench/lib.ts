// Bench harness shared by every bench file: medians of several timed runs, the GC count seen
// during the timed loop, and rows in the shape bench/results/latest.json keeps:
// {name, unit, value, baseline: {name, value}, ratio, gc}.
import { PerformanceObserver } from 'node:perf_hooks';

export interface Row {
  name: string;
  unit: string;
  value: number;
  baseline: { name: string; value: number } | null;
  /** value / baseline.value (higher is better for rates). */
  ratio: number | null;
  /** Garbage collections observed during the timed runs of `value` (target 0 on the fast path). */
  gc: number;
}

let gcCount = 0;
const obs = new PerformanceObserver((list) => {
  gcCount += list.getEntries().length;
});
obs.observe({ entryTypes: ['gc'] });

/** Lets pending GC performance entries be delivered. */
async function flushGc(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 5));
}

export interface Measured {
  /** Median operations per second over the runs. */
  opsPerSec: number;
  gc: number;
}

/**
 * Times `fn(iterations)` `runs` times (after one warm-up run) and returns the median rate.
 * `fn` must perform exactly `iterations` operations per call.
 */
export async function measure(fn: (iterations: number) => void, iterations: number, runs = 5): Promise<Measured> {
  fn(Math.max(1, Math.floor(iterations / 4))); // warm-up: let the JIT settle before timing
  (globalThis as { gc?: () => void }).gc?.();
  await flushGc();
  const rates: number[] = [];
  const before = gcCount;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn(iterations);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(iterations / dt);
  }
  await flushGc();
  rates.sort((a, b) => a - b);
  return { opsPerSec: rates[Math.floor(rates.length / 2)]!, gc: gcCount - before };
}

export function row(name: string, unit: string, m: Measured, baseline?: { name: string; value: number }): Row {
  return {
    name,
    unit,
    value: Math.round(m.opsPerSec),
    baseline: baseline ? { name: baseline.name, value: Math.round(baseline.value) } : null,
    ratio: baseline ? Number((m.opsPerSec / baseline.value).toFixed(3)) : null,
    gc: m.gc,
  };
}

/** A bench module: bench/<area>.bench.ts exports `bench` returning its rows. */
export type BenchFn = () => Promise<Row[]>;
