// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints a table
// and writes bench/results/latest.json. A full run rewrites the file; a subset (`npm run bench --
// forwarding`) merges its rows into it by row name (replaced in place, new ones appended), so the
// other areas' rows stay.
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
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
const latest = join(here, 'results', 'latest.json');
let out = rows;
if (only.length > 0 && existsSync(latest)) {
  const old = JSON.parse(readFileSync(latest, 'utf8')) as Row[];
  if (!Array.isArray(old)) throw new Error(`${latest}: not an array of rows; not merging into it`);
  out = mergeRows(old, rows);
}
writeFileSync(latest, JSON.stringify(out, null, 2) + '\n');
console.log(`\nwrote bench/results/latest.json (${out.length} rows, ${rows.length} from this run)`);

/** `old` with every row named like one in `fresh` replaced in place, then fresh rows not in `old`. */
function mergeRows(old: Row[], fresh: Row[]): Row[] {
  const byName = new Map(fresh.map((r) => [r.name, r]));
  const merged = old.map((r) => byName.get(r.name) ?? r);
  const seen = new Set(old.map((r) => r.name));
  for (const r of fresh) if (!seen.has(r.name)) merged.push(r);
  return merged;
}
