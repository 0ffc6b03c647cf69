// `ping` as iputils prints it, driven on the lab clock: sends ICMP echo requests every
// `intervalMs`, matches replies by identifier, reports ICMP errors about its own requests
// ("From X icmp_seq=N Destination Host Unreachable"), and ends with the statistics block.
import { put16, u16, u32 } from '../../bytes.ts';
import { tryParseIpv4, ipv4ToString } from '../../ip/address.ts';
import { internetChecksum } from '../../ip/checksum.ts';
import { IcmpType, icmpCodeName } from '../../ip/icmp.ts';
import { IpProto } from '../../ip/ipv4.ts';
import { TX_IP, type IcmpListener } from '../ip-stack.ts';
import type { Netns } from '../netns.ts';

export interface PingOptions {
  count?: number;
  intervalMs?: number;
  /** -W: seconds to wait for a reply after the last request (default 10, iputils' linger). */
  timeoutS?: number;
  ttl?: number;
  /** -s: data bytes (default 56). */
  size?: number;
}

export interface PingResult {
  lines: string[];
  transmitted: number;
  received: number;
  errors: number;
  /** Exit status as iputils: 0 some reply, 1 no reply, 2 other error. */
  exit: number;
  rttsMs: number[];
  /** errno of the last send that failed silently (EPERM, ENETUNREACH…: iputils prints nothing), '' if none. */
  sendErrno?: string;
}

const ERR_TEXT: Record<string, string> = {
  '3/0': 'Destination Net Unreachable',
  '3/1': 'Destination Host Unreachable',
  '3/2': 'Destination Protocol Unreachable',
  '3/3': 'Destination Port Unreachable',
  '11/0': 'Time to live exceeded',
  '11/1': 'Frag reassembly time exceeded',
};

/** iputils' rtt format: 3 decimals under 1 ms, 2 under 10, 1 under 100, integer above. */
function fmtRtt(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** One ping run: the sends, the reply matching and the summary, driven by ping() or pingAsync(). */
interface Session {
  count: number;
  intervalNs: number;
  lingerNs: number;
  res: PingResult;
  /** Requests whose fate is known (reply, error or local send error). */
  settled(): number;
  sendOne(): void;
  finish(): PingResult;
}

function begin(ns: Netns, dstStr: string, o: PingOptions): PingResult | Session {
  const count = o.count ?? 4;
  const intervalNs = (o.intervalMs ?? 1000) * 1e6;
  const size = o.size ?? 56;
  const ttl = o.ttl ?? ns.stack.defaultTtl;
  const lingerNs = (o.timeoutS ?? 10) * 1e9;
  const lines: string[] = [];
  const res: PingResult = { lines, transmitted: 0, received: 0, errors: 0, exit: 1, rttsMs: [] };
  const dst = tryParseIpv4(dstStr);
  if (dst < 0) {
    lines.push(`ping: ${dstStr}: Name or service not known`);
    res.exit = 2;
    return res;
  }
  const src = ns.stack.selectSource(dst);
  if (src < 0) {
    lines.push('ping: connect: Network is unreachable');
    res.exit = 2;
    return res;
  }
  const sched = ns.lab.scheduler;
  const id = ns.lab.rng.int(0x10000);
  lines.push(`PING ${dstStr} (${dstStr}) ${size}(${size + 28}) bytes of data.`);
  // keyed by the request's number (1, 2, … unbounded); the wire carries it mod 2^16 and
  // fullSeq() maps a wire seq back to the newest request with that value, as iputils' receive
  // table (cleared at each send) does, so a 100000-packet run counts replies after the wrap
  const sentAt: number[] = [];
  const done = new Set<number>();
  const fullSeq = (wire: number): number => seq - ((seq - wire) & 0xffff);
  // iputils' acknowledge(): the largest number of requests outstanding when a reply or error came
  const ack = (n: number): void => {
    pipe = Math.max(pipe, seq - n + 1);
  };
  const start = sched.now;
  let lastEvent = start;

  const listener: IcmpListener = {
    onIcmp(type, code, buf, o2, l, from, rttl) {
      if (type === IcmpType.ECHO_REPLY) {
        if (from !== dst || u16(buf, o2 + 4) !== id) return;
        const wire = u16(buf, o2 + 6);
        const n = fullSeq(wire);
        if (n < 1 || done.has(n) || sentAt[n] === undefined) return;
        done.add(n);
        ack(n);
        const ms = (sched.now - sentAt[n]!) / 1e6;
        res.received++;
        res.rttsMs.push(ms);
        lastEvent = sched.now;
        lastReply = sched.now;
        lines.push(`${l} bytes from ${ipv4ToString(from)}: icmp_seq=${wire} ttl=${rttl} time=${fmtRtt(ms)} ms`);
        return;
      }
      // an error quoting one of our echo requests: IP header + ICMP header of the request
      if (l < 8 + 20 + 8) return;
      const q = o2 + 8;
      const qhl = (buf[q]! & 0x0f) << 2;
      if (buf[q + 9] !== IpProto.ICMP || u32(buf, q + 16) !== dst || l < 8 + qhl + 8) return;
      if (buf[q + qhl] !== IcmpType.ECHO_REQUEST || u16(buf, q + qhl + 4) !== id) return;
      const wire = u16(buf, q + qhl + 6);
      const n = fullSeq(wire);
      if (n < 1 || done.has(n)) return;
      done.add(n);
      ack(n);
      res.errors++;
      lastEvent = sched.now;
      const text = ERR_TEXT[`${type}/${code}`] ?? (type === 3 && code === 4 ? `Frag needed and DF set (mtu = ${u16(buf, o2 + 6)})` : icmpCodeName(type, code) ?? `Bad ICMP type: ${type}`);
      lines.push(`From ${ipv4ToString(from)} icmp_seq=${wire} ${text}`);
    },
  };
  ns.stack.icmpListeners.add(listener);

  let seq = 0;
  let pipe = 1;
  let lastReply = start;
  const sendOne = () => {
    seq++;
    const b = ns.stack.tx;
    const io = TX_IP + 20;
    b[io] = IcmpType.ECHO_REQUEST;
    b[io + 1] = 0;
    put16(b, io + 2, 0);
    put16(b, io + 4, id);
    put16(b, io + 6, seq & 0xffff);
    // payload as iputils fills it: a timestamp (here: lab time) then bytes 0x08, 0x09, …
    for (let i = 0; i < size; i++) b[io + 8 + i] = (i + 8) & 0xff;
    if (size >= 16) {
      const t = sched.now;
      const sec = Math.floor(t / 1e9);
      const usec = Math.floor((t % 1e9) / 1e3);
      for (let i = 0; i < 8; i++) b[io + 8 + i] = 0;
      b[io + 8] = sec & 0xff; b[io + 9] = (sec >>> 8) & 0xff; b[io + 10] = (sec >>> 16) & 0xff; b[io + 11] = sec >>> 24;
      b[io + 16] = usec & 0xff; b[io + 17] = (usec >>> 8) & 0xff; b[io + 18] = (usec >>> 16) & 0xff; b[io + 19] = usec >>> 24;
      for (let i = 16; i < size; i++) b[io + 8 + i] = i & 0xff;
    }
    put16(b, io + 2, internetChecksum(b, io, 8 + size));
    const s = ns.stack.selectSource(dst);
    ns.stack.writeHeader(b, TX_IP, IpProto.ICMP, s < 0 ? src : s, dst, 8 + size, ttl, 28 + size <= ns.stack.mtuTo(dst));
    sentAt[seq] = sched.now;
    res.transmitted++;
    const err = ns.stack.output(b, TX_IP, 28 + size);
    if (err === 'EMSGSIZE') {
      // ip_local_error queues EMSGSIZE on the socket's error queue: iputils prints it and counts an error
      lines.push(`ping: local error: message too long, mtu=${ns.stack.mtuTo(dst)}`);
      done.add(seq);
      res.errors++;
    } else if (err) {
      // Any other sendto() failure (EPERM from an OUTPUT DROP, ENETUNREACH once the route is gone):
      // iputils 20221126 finds nothing on the error queue, counts it as a local error and prints
      // nothing — "1 packets transmitted, 0 received", no "+1 errors" (checked with strace:
      // sendto = -1 EPERM, recvmsg(MSG_ERRQUEUE) = -1 EAGAIN, silence).
      done.add(seq);
      res.sendErrno = err;
    }
  };

  const finish = (): PingResult => {
  ns.stack.icmpListeners.delete(listener);

  // iputils reports the time up to the last request or reply, not the linger that followed
  const elapsedMs = Math.round((Math.max(lastReply, sentAt[res.transmitted] ?? start) - start) / 1e6);
  void lastEvent;
  const loss = res.transmitted === 0 ? 0 : Math.floor(((res.transmitted - res.received) * 100) / res.transmitted);
  lines.push('');
  lines.push(`--- ${dstStr} ping statistics ---`);
  const errs = res.errors > 0 ? `, +${res.errors} errors` : '';
  lines.push(`${res.transmitted} packets transmitted, ${res.received} received${errs}, ${loss}% packet loss, time ${elapsedMs}ms`);
  if (res.received > 0) {
    const r = res.rttsMs;
    const min = Math.min(...r);
    const max = Math.max(...r);
    const avg = r.reduce((a, b) => a + b, 0) / r.length;
    const mdev = Math.sqrt(r.reduce((a, b) => a + b * b, 0) / r.length - avg * avg);
    // iputils' finish(): "rtt …" then ", pipe N" on the same line
    lines.push(`rtt min/avg/max/mdev = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)}/${(Number.isFinite(mdev) ? mdev : 0).toFixed(3)} ms${pipe > 1 ? `, pipe ${pipe}` : ''}`);
    res.exit = 0;
  } else {
    res.exit = 1;
    // no rtt line: "pipe N" alone, or the bare newline iputils ends its summary with
    lines.push(pipe > 1 ? `pipe ${pipe}` : '');
  }
  return res;
  };
  return { count, intervalNs, lingerNs, res, settled: () => done.size, sendOne, finish };
}

/** ping on the virtual clock: runs the lab until every reply or the -W linger is in. */
export function ping(ns: Netns, dstStr: string, o: PingOptions = {}): PingResult {
  const s = begin(ns, dstStr, o);
  if (!('sendOne' in s)) return s;
  const sched = ns.lab.scheduler;
  for (let i = 0; i < s.count; i++) {
    if (i > 0) sched.runFor(s.intervalNs);
    s.sendOne();
  }
  // linger for the outstanding replies (iputils waits up to -W / 10 s after the last request)
  const end = sched.now + s.lingerNs;
  while (s.settled() < s.res.transmitted && sched.now < end) {
    if (sched.runUntil(Math.min(end, sched.now + 1e6), 100000) === 0 && sched.pending === 0) {
      sched.runUntil(end);
      break;
    }
  }
  return s.finish();
}

/**
 * ping on the wall clock (a lab attached to real devices): requests leave every `intervalMs` of
 * real time from the lab scheduler and replies arrive as the real devices deliver them; resolves
 * when every request is answered, or -W seconds after the last one. On a virtual clock it is
 * ping() (same lines, deterministic).
 */
export function pingAsync(ns: Netns, dstStr: string, o: PingOptions = {}): Promise<PingResult> {
  const sched = ns.lab.scheduler;
  if (sched.mode !== 'wall') return Promise.resolve(ping(ns, dstStr, o));
  const s = begin(ns, dstStr, o);
  if (!('sendOne' in s)) return Promise.resolve(s);
  return new Promise((resolve) => {
    let sent = 0;
    let finished = false;
    let lingerUntil = Infinity;
    // the scheduler's driver is unref'd: this keeps the process alive until the result is in
    const keepAlive = setInterval(() => {}, 1000);
    const next = (): void => {
      s.sendOne();
      sent++;
      if (sent < s.count) sched.after(s.intervalNs, next);
      else lingerUntil = sched.now + s.lingerNs;
    };
    // every millisecond of lab time: all answered, or the linger over?
    const check = (): void => {
      if (finished) return;
      if (sent === s.count && (s.settled() >= s.res.transmitted || sched.now >= lingerUntil)) {
        finished = true;
        clearInterval(keepAlive);
        resolve(s.finish());
        return;
      }
      sched.after(1e6, check);
    };
    next();
    check();
  });
}
