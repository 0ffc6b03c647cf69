// Text filters for pipelines in walkthroughs (`bridge fdb show | grep -v permanent`,
// `ip a | grep inet`): grep [-v] [-i] [-c] [-E|-F] [-w] PATTERN [FILE…], head/tail [-n N].
import type { Ctx, ShellCommand } from '../command.ts';

function input(ctx: Ctx, files: string[], tool: string): { text: string; rc: number } {
  if (files.length === 0) return { text: ctx.stdin ?? '', rc: 0 };
  let text = '';
  let rc = 0;
  for (const f of files) {
    const d = ctx.session.readFile(ctx.ns, f);
    if (d === null) {
      ctx.err(`${tool}: ${f}: No such file or directory\n`);
      rc = 2;
    } else text += d;
  }
  return { text, rc };
}

function lines(text: string): string[] {
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

function grep(ctx: Ctx, argv: string[]): number {
  let invert = false, icase = false, count = false, fixed = false, word = false, quiet = false;
  let pattern: string | undefined;
  const files: string[] = [];
  for (const a of argv.slice(1)) {
    if (pattern === undefined && /^-[vicEFwqe]+$/.test(a)) {
      invert ||= a.includes('v');
      icase ||= a.includes('i');
      count ||= a.includes('c');
      fixed ||= a.includes('F');
      word ||= a.includes('w');
      quiet ||= a.includes('q');
    } else if (pattern === undefined) pattern = a;
    else files.push(a);
  }
  if (pattern === undefined) {
    ctx.err("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n");
    return 2;
  }
  let re: RegExp;
  try {
    // POSIX basic/extended regexps and JS ones agree on the everyday subset
    const src = fixed ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern.replace(/\\([|+?(){}])/g, '$1');
    re = new RegExp(word ? `\\b(?:${src})\\b` : src, icase ? 'i' : '');
  } catch {
    ctx.err('grep: Unmatched ( or \\(\n');
    return 2;
  }
  const { text, rc } = input(ctx, files, 'grep');
  const hit = lines(text).filter((l) => re.test(l) !== invert);
  if (quiet) return hit.length ? 0 : 1;
  if (count) ctx.out(`${hit.length}\n`);
  else if (hit.length) ctx.out(hit.join('\n') + '\n');
  return rc || (hit.length ? 0 : 1);
}

function headTail(which: 'head' | 'tail') {
  return (ctx: Ctx, argv: string[]): number => {
    let n = 10;
    const files: string[] = [];
    const a = argv.slice(1);
    for (let i = 0; i < a.length; i++) {
      const w = a[i]!;
      if (w === '-n') n = Number(a[++i]);
      else if (/^-n?\d+$/.test(w)) n = Number(w.replace(/^-n?/, ''));
      else files.push(w);
    }
    const { text, rc } = input(ctx, files, which);
    const l = lines(text);
    const pick = which === 'head' ? l.slice(0, n) : l.slice(Math.max(0, l.length - n));
    if (pick.length) ctx.out(pick.join('\n') + '\n');
    return rc ? 1 : 0;
  };
}

export const grepCommand: ShellCommand = { name: 'grep', summary: 'print lines that match a pattern (for pipelines)', run: grep };
export const headCommand: ShellCommand = { name: 'head', summary: 'first N lines', run: headTail('head') };
export const tailCommand: ShellCommand = { name: 'tail', summary: 'last N lines', run: headTail('tail') };
