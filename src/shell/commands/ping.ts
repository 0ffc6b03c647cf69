// `ping [-c N] [-W s] [-i s] [-t ttl] [-s size] [-w deadline] [-q] [-n] DEST` over the lab's
// iputils-style ping. Options parse as getopt does (`-c3`, `-c 3`). A name is looked up in the
// namespace's /etc/hosts. Without -c a script run stops after a bounded count and says so on
// stderr; the interactive shell pings until Ctrl-C. On a virtual clock the lab's ping steps the
// clock synchronously; when a real device is attached (`wirestack run --tap`, wall clock) it is
// awaited in real time so the kernel's replies can arrive.
import type { Ctx, ShellCommand } from '../command.ts';
import type { PingOptions, PingResult } from '../../lab/apps/ping.ts';
import type { Netns } from '../../lab/netns.ts';
import { tryParseIpv4 } from '../../ip/address.ts';
import { resolveHostAsync } from './dns-resolve.ts';
import { explainPing } from '../explain.ts';

const USAGE = `
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -c <count>         stop after <count> replies
  -i <interval>      seconds between sending each packet
  -n                 no dns name resolution
  -q                 quiet output
  -s <size>          use <size> as number of data bytes to be sent
  -t <ttl>           define time to live
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response
`;

interface Opts {
  count?: number;
  intervalS?: number;
  timeoutS?: number;
  ttl?: number;
  size?: number;
  deadline?: number;
  quiet: boolean;
}

function parse(argv: string[]): { o: Opts; dest: string } | { error: string; code: number } {
  const o: Opts = { quiet: false };
  let dest: string | undefined;
  const withArg = 'ciWtswIpQ';
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    if (w.startsWith('-') && w.length > 1) {
      for (let j = 1; j < w.length; j++) {
        const f = w[j]!;
        if (withArg.includes(f)) {
          const v = j + 1 < w.length ? w.slice(j + 1) : argv[++i];
          if (v === undefined) return { error: `ping: option requires an argument -- '${f}'${USAGE}`, code: 2 };
          const n = Number(v);
          const bad = (what: string) => ({ error: `ping: invalid argument: '${v}'${what}`, code: 1 });
          if (f === 'c') {
            if (!/^\d+$/.test(v) || n < 1) return bad(': out of range: 1 <= value <= 9223372036854775807');
            o.count = n;
          } else if (f === 'i') {
            if (!Number.isFinite(n) || n < 0) return { error: `ping: bad timing interval: ${v}`, code: 1 };
            o.intervalS = n;
          } else if (f === 'W') {
            if (!Number.isFinite(n) || n < 0) return { error: `ping: bad linger time: ${v}`, code: 1 };
            o.timeoutS = n;
          } else if (f === 't') {
            if (!/^\d+$/.test(v) || n > 255) return bad(': out of range: 0 <= value <= 255');
            if (n === 0) return { error: 'ping: cannot set unicast time-to-live: Invalid argument', code: 2 };
            o.ttl = n;
          } else if (f === 's') {
            if (!/^\d+$/.test(v) || n > 65507) return bad(': out of range: 0 <= value <= 2147483647');
            o.size = n;
          } else if (f === 'w') {
            if (!Number.isFinite(n) || n < 0) return bad('');
            o.deadline = n;
          }
          break;
        }
        if (f === 'q') o.quiet = true;
        else if (f === 'n' || f === '4' || f === 'D' || f === 'O' || f === 'v') continue;
        else if (f === 'h') return { error: USAGE.slice(1), code: 2 };
        else return { error: `ping: invalid option -- '${f}'${USAGE}`, code: 2 };
      }
    } else {
      if (dest !== undefined) return { error: USAGE.slice(1), code: 2 };
      dest = w;
    }
  }
  if (dest === undefined) return { error: `ping: usage error: Destination address required`, code: 1 };
  return { o, dest };
}

async function run(ctx: Ctx, argv: string[]): Promise<number> {
  const p = parse(argv);
  if ('error' in p) {
    ctx.err(p.error.endsWith('\n') ? p.error : p.error + '\n');
    return p.code;
  }
  const { o, dest } = p;
  let ip = dest;
  if (tryParseIpv4(dest) < 0) {
    // Names resolve as getaddrinfo does: the namespace's nsswitch order over /etc/hosts and DNS.
    const r = await resolveHostAsync(ctx, dest);
    if ('error' in r) {
      ctx.err(`ping: ${dest}: ${r.error}\n`);
      ctx.explain(`"${dest}" is not an address, and neither ${ctx.ns === ctx.session.lab.root ? 'the host' : ctx.ns.name}'s /etc/hosts nor its DNS servers (/etc/resolv.conf) resolve it`);
      return 2;
    }
    ip = r.ip;
  }
  let count = o.count;
  if (o.deadline !== undefined && count === undefined) count = Math.max(1, Math.floor(o.deadline / (o.intervalS ?? 1)));
  const opts = { intervalMs: (o.intervalS ?? 1) * 1000, timeoutS: o.timeoutS ?? (o.deadline ?? 10), ttl: o.ttl, size: o.size };
  let res: PingResult;
  const startedAt = ctx.session.lab.scheduler.now;
  if (count === undefined && ctx.session.interactive) res = await pingUntilAborted(ctx, ip, dest, opts);
  else {
    if (count === undefined) {
      count = ctx.session.pingDefaultCount;
      ctx.err(`wirestack: ping without -c stopped after ${count} packets (non-interactive run; Ctrl-C stops it in "wirestack shell")\n`);
    }
    res = await labPing(ctx.ns, ip, { ...opts, count });
    print(ctx, res.lines, dest, ip, o.quiet);
  }
  if (res.received === 0) {
    const why = explainPing(ctx.session, ctx.ns, tryParseIpv4(ip), res, startedAt);
    if (why) ctx.explain(why);
  }
  if (res.exit !== 0 && res.lines[0]?.startsWith('ping: ')) {
    // lab wrote the error into lines: iputils prints it on stderr
  }
  return res.exit;
}

/** The lab's ping on its clock: stepped (virtual) or awaited in real time (wall: a TAP is attached). */
function labPing(ns: Netns, ip: string, o: PingOptions): PingResult | Promise<PingResult> {
  return ns.lab.scheduler.mode === 'wall' ? ns.pingAsync(ip, o) : ns.ping(ip, o);
}

function print(ctx: Ctx, lines: string[], dest: string, ip: string, quiet: boolean): void {
  for (const l of lines) {
    if (l.startsWith('ping: ')) {
      ctx.err(l + '\n');
      continue;
    }
    let s = l;
    if (s.startsWith('PING ') && dest !== ip) s = s.replace(`PING ${ip} (${ip})`, `PING ${dest} (${ip})`);
    if (s.startsWith('--- ') && dest !== ip) s = s.replace(`--- ${ip} `, `--- ${dest} `);
    if (quiet && /^(\d+ bytes from|From )/.test(s)) continue;
    ctx.out(s + '\n');
  }
}

/** Interactive ping without -c: one echo per interval until Ctrl-C, then iputils' summary. */
async function pingUntilAborted(ctx: Ctx, ip: string, dest: string, opts: { intervalMs: number; timeoutS: number; ttl?: number; size?: number }): Promise<PingResult> {
  // the lab's ping is a batch; run it one echo at a time and renumber so the transcript reads as one run
  const total: PingResult = { lines: [], transmitted: 0, received: 0, errors: 0, exit: 1, rttsMs: [] };
  let seq = 0;
  const started = Date.now();
  while (!ctx.signal?.aborted) {
    seq++;
    const r = await labPing(ctx.ns, ip, { ...opts, count: 1, timeoutS: Math.min(opts.timeoutS, opts.intervalMs / 1000) });
    if (r.lines[0]?.startsWith('ping: ')) {
      print(ctx, r.lines, dest, ip, false);
      return r;
    }
    if (seq === 1) print(ctx, [r.lines[0]!], dest, ip, false);
    const body = r.lines.slice(1, r.lines.indexOf(''));
    print(ctx, body.map((l) => l.replace(/icmp_seq=1\b/, `icmp_seq=${seq}`)), dest, ip, false);
    total.transmitted += r.transmitted;
    total.received += r.received;
    total.errors += r.errors;
    total.rttsMs.push(...r.rttsMs);
    await new Promise<void>((res) => {
      const stop = () => {
        clearTimeout(t);
        res();
      };
      const t = setTimeout(() => {
        ctx.signal?.removeEventListener('abort', stop);
        res();
      }, opts.intervalMs);
      ctx.signal?.addEventListener('abort', stop, { once: true });
    });
  }
  const loss = total.transmitted ? Math.floor(((total.transmitted - total.received) * 100) / total.transmitted) : 0;
  const lines = ['^C', '', `--- ${dest} ping statistics ---`, `${total.transmitted} packets transmitted, ${total.received} received${total.errors ? `, +${total.errors} errors` : ''}, ${loss}% packet loss, time ${Date.now() - started}ms`];
  if (total.received) {
    const r = total.rttsMs;
    const avg = r.reduce((a, b) => a + b, 0) / r.length;
    const mdev = Math.sqrt(Math.max(0, r.reduce((a, b) => a + b * b, 0) / r.length - avg * avg));
    lines.push(`rtt min/avg/max/mdev = ${Math.min(...r).toFixed(3)}/${avg.toFixed(3)}/${Math.max(...r).toFixed(3)}/${mdev.toFixed(3)} ms`);
  }
  ctx.out(lines.join('\n') + '\n');
  total.exit = total.received ? 0 : 1;
  return total;
}

export const pingCommand: ShellCommand = { name: 'ping', summary: 'send ICMP ECHO_REQUEST to network hosts', run };
