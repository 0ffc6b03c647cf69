// NAT differential harness: one example script (examples/nat/*.sh) run under real bash in throwaway
// kernel namespaces and under wirestack, then the flows its `#@` directives describe driven on both
// sides, and what each side observed compared after normalising what legitimately differs.
//
// The setup lines are ordinary shell (the topology and the iptables rules); `wirestack run` runs a
// script as is and ignores the directives, which are comments. Directives, in order:
//   #@ server NS PORT [noreply|count]      UDP server for the whole run (answers 'answer' unless
//                                          noreply); observes the senders it saw (count: only
//                                          whether it saw any, for -m statistic)
//   #@ udp NS SPORT DST DPORT [wait=S] [size=N] [=> EXPECT]
//                                          connect(), send 'hello' (or N bytes), wait S s (default 1): observes
//                                          `reply from A:P`, `icmp T/C from A ttl=N quote=HEX`
//                                          (the quoted datagram, IP id and checksums zeroed:
//                                          the kernel's veth quotes a partial UDP checksum
//                                          (tx offload); the lab verifies its own instead) or
//                                          `timeout`; EXPECT is what the kernel must show
//   #@ sleep S                             real sleep / lab clock
//   #@ conntrack                           the gateway's conntrack table (kernel: /proc/net/nf_conntrack)
//   #@ sh COMMAND                          a shell command on both sides, stdout compared (bash-diff normalise)
//   #@ portrange LO-HI                     ports in the range read as RANGE (NAT picks one at random)
//   #@ expect-server NS PORT => LIST       the kernel's server saw exactly these senders (space separated)
// NS `host` is the gateway itself (the script's own namespace).
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, uniqueName } from '../helpers/peers.ts';
import { scriptNamespaces, normalise } from '../helpers/bash-diff.ts';
import { runScript } from '../../src/cli/commands/run.ts';
import { Runner } from '../../src/shell/runner.ts';
import { conntrack } from '../../src/nat/conntrack-cli.ts';
import { ipv4ToString } from '../../src/ip/address.ts';
import type { IcmpListener } from '../../src/lab/ip-stack.ts';

type Step =
  | { kind: 'udp'; ns: string; sport: number; dst: string; dport: number; wait: number; size: number; expect: string | null }
  | { kind: 'sleep'; s: number }
  | { kind: 'conntrack' }
  | { kind: 'sh'; cmd: string };

interface Server { ns: string; port: number; mode: 'reply' | 'noreply' | 'count' }

export interface Scenario {
  setup: string;
  servers: Server[];
  steps: Step[];
  ranges: [number, number][];
  expectServers: { key: string; list: string[] }[];
}

export interface Observed {
  /** `NS:PORT` → senders seen (normalised), in order; or ['hit'] / ['none'] for count servers */
  servers: Record<string, string[]>;
  /** one line per step that observes something */
  steps: string[];
}

export function parseScenario(text: string): Scenario {
  const sc: Scenario = { setup: text, servers: [], steps: [], ranges: [], expectServers: [] };
  for (const raw of text.split('\n')) {
    const m = /^#@\s+(\S+)\s*(.*)$/.exec(raw.trim());
    if (!m) continue;
    const [what, rest] = [m[1]!, m[2]!];
    const [body, expect] = rest.includes('=>') ? [rest.slice(0, rest.indexOf('=>')).trim(), rest.slice(rest.indexOf('=>') + 2).trim()] : [rest, null];
    const a = body.split(/\s+/).filter((x) => x);
    if (what === 'server') sc.servers.push({ ns: a[0]!, port: Number(a[1]), mode: (a[2] as Server['mode']) ?? 'reply' });
    else if (what === 'udp') {
      const w = a.find((x) => x.startsWith('wait='));
      const z = a.find((x) => x.startsWith('size='));
      sc.steps.push({ kind: 'udp', ns: a[0]!, sport: Number(a[1]), dst: a[2]!, dport: Number(a[3]), wait: w ? Number(w.slice(5)) : 1, size: z ? Number(z.slice(5)) : 0, expect });
    } else if (what === 'sleep') sc.steps.push({ kind: 'sleep', s: Number(a[0]) });
    else if (what === 'conntrack') sc.steps.push({ kind: 'conntrack' });
    else if (what === 'sh') sc.steps.push({ kind: 'sh', cmd: body });
    else if (what === 'portrange') {
      const [lo, hi] = a[0]!.split('-').map(Number);
      sc.ranges.push([lo!, hi!]);
    } else if (what === 'expect-server') sc.expectServers.push({ key: `${a[0]}:${a[1]}`, list: (expect ?? '').split(/\s+/).filter((x) => x) });
    else throw new Error(`unknown directive #@ ${what}`);
  }
  return sc;
}

const SERVER_PY = `import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('0.0.0.0',int(sys.argv[1])))
while True:
  d,a=s.recvfrom(2048);print('%s:%d'%a,flush=True)
  if sys.argv[2]!='noreply': s.sendto(b'answer',a)`;

// A connected UDP socket (replies from elsewhere are not its flow) and a raw ICMP socket that sees
// the ICMP error the kernel would only report as an errno: type/code, source, TTL and the quote.
const CLIENT_PY = `import socket,sys,select,time,struct
sport,dst,dport,wait,size=int(sys.argv[1]),sys.argv[2],int(sys.argv[3]),float(sys.argv[4]),int(sys.argv[5])
r=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_ICMP)
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('0.0.0.0',sport));s.connect((dst,dport))
try: s.send(b'h'*size if size else b'hello')
except OSError as e: print('send error %s'%e.strerror);sys.exit(0)
end=time.time()+wait;out='timeout'
while time.time()<end:
  rd,_,_=select.select([s,r],[],[],max(0,end-time.time()))
  if s in rd:
    try:
      d,a=s.recvfrom(2048);out='reply from %s:%d'%a;break
    except OSError: pass
  if r in rd:
    p=r.recv(2048);h=(p[0]&15)*4;t,c=p[h],p[h+1];q=bytearray(p[h+8:])
    if t in (3,4,5,11,12) and len(q)>=28 and q[9]==17 and struct.unpack('!H',bytes(q[(q[0]&15)*4:(q[0]&15)*4+2]))[0]==sport:
      qh=(q[0]&15)*4;q[4:6]=b'\\0\\0';q[10:12]=b'\\0\\0';q[qh+6:qh+8]=b'\\0\\0'
      out='icmp %d/%d from %s ttl=%d quote=%s'%(t,c,socket.inet_ntoa(p[12:16]),p[8],q.hex());break
print(out)`;

function renamer(names: string[], map: Map<string, string>): (s: string) => string {
  return (s) => {
    let x = s;
    for (const n of names) x = x.replace(new RegExp(`(?<![\\w.-])${n}(?![\\w.-])`, 'g'), map.get(n)!);
    return x;
  };
}

const STRERROR: Record<string, string> = { EPERM: 'Operation not permitted', ENETUNREACH: 'Network is unreachable', EMSGSIZE: 'Message too long' };

/** Kernel side: the whole scenario as one bash script in a throwaway "host" namespace. */
export function kernelRun(sc: Scenario): { obs: Observed; raw: { ct: string[][]; sh: string[] }; setupErrors: string } {
  const names = scriptNamespaces(sc.setup);
  const map = new Map(names.map((n) => [n, uniqueName('wn')]));
  const ren = renamer(names, map);
  const host = uniqueName('wg');
  const dir = mkdtempSync(join(tmpdir(), 'wsnatd-'));
  writeFileSync(join(dir, 'server.py'), SERVER_PY);
  writeFileSync(join(dir, 'client.py'), CLIENT_PY);
  const py = '/usr/bin/python3';
  const exec = (ns: string) => (ns === 'host' ? '' : `ip netns exec ${map.get(ns)} `);
  const lines = ['set +e', 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1', 'ip link set lo up'];
  for (const l of sc.setup.split('\n')) {
    const s = l.trim();
    if (s === '' || s.startsWith('#')) continue;
    lines.push(`${ren(s)} >/dev/null 2>>${dir}/setup.err || echo ${JSON.stringify('failed: ' + s)} >> ${dir}/setup.err`);
    if (/^ip netns add /.test(s)) lines.push(`ip netns exec ${map.get(s.split(/\s+/)[3]!)} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1`);
  }
  sc.servers.forEach((v, i) => lines.push(`${exec(v.ns)}${py} ${dir}/server.py ${v.port} ${v.mode} > ${dir}/srv${i}.txt 2>&1 &`));
  lines.push('sleep 0.5');
  sc.steps.forEach((st, i) => {
    if (st.kind === 'udp') lines.push(`${exec(st.ns)}${py} ${dir}/client.py ${st.sport} ${st.dst} ${st.dport} ${st.wait} ${st.size} > ${dir}/step${i}.txt 2>&1`);
    else if (st.kind === 'sleep') lines.push(`sleep ${st.s}`);
    else if (st.kind === 'conntrack') lines.push(`cat /proc/net/nf_conntrack > ${dir}/step${i}.txt`);
    else lines.push(`{ ${ren(st.cmd)}\n} > ${dir}/step${i}.txt 2>/dev/null`);
  });
  lines.push('kill $(jobs -p) 2>/dev/null', 'wait');
  writeFileSync(join(dir, 'k.sh'), lines.join('\n') + '\n');
  try {
    const add = run('ip', ['netns', 'add', host]);
    if (add.status !== 0) throw new Error(`ip netns add ${host}: ${add.stderr}`);
    run('ip', ['netns', 'exec', host, 'bash', join(dir, 'k.sh')], { timeout: 90_000 });
    const rd = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
    const unren = (s: string) => { let x = s; for (const [n, r] of map) x = x.split(r).join(n); return x; };
    const servers: Record<string, string[]> = {};
    sc.servers.forEach((v, i) => { servers[`${v.ns}:${v.port}`] = rd(`srv${i}.txt`).split('\n').filter((l) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(l)); });
    const stepsOut = sc.steps.map((st, i) => (st.kind === 'sleep' ? '' : unren(rd(`step${i}.txt`))));
    return { obs: { servers, steps: stepsOut }, raw: { ct: [], sh: [] }, setupErrors: rd('setup.err') };
  } finally {
    for (const n of [...map.values(), host]) run('ip', ['netns', 'del', n]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lab side: the script under wirestack, then the directives over lab sockets and the same shell. */
export async function labRun(sc: Scenario): Promise<{ obs: Observed; setupErrors: string }> {
  const { session, records } = await runScript(sc.setup);
  const setupErrors = records.filter((r) => r.exit !== 0).map((r) => `failed: ${r.command}\n${r.stderr}`).join('');
  const lab = session.lab;
  const nsOf = (n: string) => (n === 'host' ? lab.root : lab.netns(n));
  const servers: Record<string, string[]> = {};
  for (const v of sc.servers) {
    const seen: string[] = (servers[`${v.ns}:${v.port}`] = []);
    const s = nsOf(v.ns).udpBind(v.port);
    s.onMessage((m) => {
      seen.push(`${m.address}:${m.port}`);
      if (v.mode !== 'noreply') s.sendTo('answer', m.address, m.port);
    });
  }
  lab.runFor(500);
  const steps: string[] = [];
  for (const st of sc.steps) {
    if (st.kind === 'sleep') { lab.runFor(st.s * 1000); steps.push(''); continue; }
    if (st.kind === 'conntrack') {
      const nf = lab.root.netfilter;
      steps.push(nf ? conntrack(nf.nf.ct, ['-L'], lab.now / 1e9).stdout : '');
      continue;
    }
    if (st.kind === 'sh') {
      const r = new Runner(session);
      await r.runText(st.cmd);
      steps.push(r.records.map((x) => x.stdout).join(''));
      continue;
    }
    const ns = nsOf(st.ns);
    const c = ns.udpBind(st.sport);
    let out = '';
    const li: IcmpListener = {
      onIcmp(type, code, buf, o, l, src, ttl) {
        if (out || ![3, 4, 5, 11, 12].includes(type) || l < 36 || buf[o + 17] !== 17) return;
        const q = buf.slice(o + 8, o + l);
        const qh = (q[0]! & 15) * 4;
        if (((q[qh]! << 8) | q[qh + 1]!) !== st.sport) return;
        // the quoted UDP checksum must verify here (translated back with the ports and addresses)
        const ul = (q[qh + 4]! << 8) | q[qh + 5]!;
        const bad = qh + ul <= q.length && ((q[qh + 6]! | q[qh + 7]!) !== 0) && udpSum(q, qh, ul) !== 0xffff ? ' (quoted UDP checksum wrong)' : '';
        q[4] = q[5] = q[10] = q[11] = q[qh + 6] = q[qh + 7] = 0;
        out = `icmp ${type}/${code} from ${ipv4ToString(src)} ttl=${ttl} quote=${Buffer.from(q).toString('hex')}${bad}`;
      },
    };
    ns.stack.icmpListeners.add(li);
    const e = c.sendTo(st.size ? new Uint8Array(st.size).fill(0x68) : 'hello', st.dst, st.dport);
    if (e !== '') out = `send error ${STRERROR[e] ?? e}`;
    lab.runFor(st.wait * 1000);
    ns.stack.icmpListeners.delete(li);
    // a connected socket only takes datagrams from the address and port it sent to
    const reply = c.inbox.find((m) => m.address === st.dst && m.port === st.dport);
    if (!out) out = reply ? `reply from ${reply.address}:${reply.port}` : 'timeout';
    ns.stack.udpUnbind(c);
    steps.push(out + '\n');
  }
  return { obs: { servers, steps }, setupErrors };
}

/** One's-complement sum of a UDP datagram at q[o..o+len) with its pseudo-header (0xffff = valid). */
function udpSum(q: Uint8Array, o: number, len: number): number {
  let x = 17 + len;
  for (let i = 12; i < 20; i += 2) x += (q[i]! << 8) | q[i + 1]!;
  for (let i = 0; i < len; i += 2) x += (q[o + i]! << 8) | (i + 1 < len ? q[o + i + 1]! : 0);
  while (x > 0xffff) x = (x & 0xffff) + (x >>> 16);
  return x;
}

/** Ports not named by the scenario are either side's random choice. */
export function normalisePorts(sc: Scenario, s: string): string {
  const known = new Set<number>();
  for (const v of sc.servers) known.add(v.port);
  for (const st of sc.steps) if (st.kind === 'udp') { known.add(st.sport); known.add(st.dport); }
  const port = (p: number) => (known.has(p) ? String(p) : sc.ranges.some(([lo, hi]) => p >= lo && p <= hi) ? 'RANGE' : 'OTHER');
  return s
    .replace(/(\d+\.\d+\.\d+\.\d+):(\d+)/g, (_, a, p) => `${a}:${port(Number(p))}`)
    .replace(/(sport|dport)=(\d+)/g, (_, k, p) => `${k}=${port(Number(p))}`);
}

/** Conntrack lines without timeouts, ids, zone/use, the kernel's own IGMP entries; sorted. */
export function normaliseCt(sc: Scenario, text: string): string {
  return text.split('\n')
    .map((l) => l.replace(/^ipv4 +2 +/, ''))
    .filter((l) => /^(udp|icmp|tcp) /.test(l))
    .map((l) => normalisePorts(sc, l).replace(/^(\w+ +\d+) \d+ /, '$1 T ').replace(/ (zone|use)=\d+/g, '').replace(/id=\d+/g, 'id=N').replace(/ +/g, ' '))
    .sort().join('\n');
}

/** Both sides' observations in comparable form. */
export function comparable(sc: Scenario, o: Observed): { servers: Record<string, string>; steps: string[] } {
  const servers: Record<string, string> = {};
  for (const v of sc.servers) {
    const seen = o.servers[`${v.ns}:${v.port}`] ?? [];
    servers[`${v.ns}:${v.port}`] = v.mode === 'count' ? (seen.length > 0 ? 'hit' : 'none') : seen.map((x) => normalisePorts(sc, x)).join(' ');
  }
  const steps = sc.steps.map((st, i) => {
    const s = o.steps[i] ?? '';
    if (st.kind === 'conntrack') return normaliseCt(sc, s);
    if (st.kind === 'sh') return normalise(st.cmd, s).trim();
    return normalisePorts(sc, s.trim());
  });
  return { servers, steps };
}

export function labelOf(st: Step): string {
  if (st.kind === 'udp') return `udp ${st.ns}:${st.sport} → ${st.dst}:${st.dport}`;
  if (st.kind === 'sh') return st.cmd;
  return st.kind;
}
