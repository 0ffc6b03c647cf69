// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints a table
// and writes bench/results/latest.json.
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Row, BenchFn } from './lib.ts';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const rows: Row[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { bench: BenchFn };
  process.stderr.write(`running ${f}…\n`);
  rows.push(...(await mod.bench()));
}

const fmt = (n: number) => n.toLocaleString('en-US');
const w = Math.max(4, ...rows.map((r) => r.name.length));
console.log(`${'name'.padEnd(w)}  ${'value'.padStart(14)} unit        ${'baseline'.padEnd(28)} ${'ratio'.padStart(7)}  gc`);
for (const r of rows) {
  const base = r.baseline ? `${r.baseline.name} ${fmt(r.baseline.value)}` : '-';
  console.log(`${r.name.padEnd(w)}  ${fmt(r.value).padStart(14)} ${r.unit.padEnd(11)} ${base.padEnd(28)} ${(r.ratio ?? '-').toString().padStart(7)}  ${r.gc}`);
}
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), JSON.stringify(rows, null, 2) + '\n');
console.log(`\nwrote bench/results/latest.json (${rows.length} rows)`);
