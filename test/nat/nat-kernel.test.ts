// NAT and filter against the Linux kernel: the same topology (examples/primer/06: red and blue on
// the bridge v-net-0 behind the gateway 192.168.12.5, an "outside" namespace at 203.0.113.2 with
// no route back) is built in throwaway kernel namespaces and in the lab, the same iptables rules
// are added, the same UDP/ICMP traffic is sent, and what each side observes is compared: the
// source address/port the outside (or inside) namespace sees, replies arriving, ping outcomes,
// and the conntrack listing (kernel: /proc/net/nf_conntrack, lab: `conntrack -L`).
import t from 'tap';
import type * as Tap from 'tap';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeer, run, uniqueName } from '../helpers/peers.ts';
import { runScript } from '../../src/cli/commands/run.ts';
import { conntrack } from '../../src/nat/conntrack-cli.ts';
import { LabNetfilter } from '../../src/lab/netfilter-hooks.ts';
import { runUnderBash, runUnderWirestack, normalise, scriptNamespaces } from '../helpers/bash-diff.ts';

const TOPO = `ip netns add red
ip netns add blue
ip netns add outside
ip link add v-net-0 type bridge
ip link set dev v-net-0 up
ip link add veth-red type veth peer name veth-red-br
ip link add veth-blue type veth peer name veth-blue-br
ip link set veth-red netns red
ip link set veth-red-br master v-net-0
ip link set veth-blue netns blue
ip link set veth-blue-br master v-net-0
ip link set veth-red-br up
ip link set veth-blue-br up
ip -n red addr add 192.168.12.1/24 dev veth-red
ip -n blue addr add 192.168.12.2/24 dev veth-blue
ip -n red link set veth-red up
ip -n blue link set veth-blue up
ip addr add 192.168.12.5/24 dev v-net-0
ip link add veth-out type veth peer name veth-in
ip link set veth-in netns outside
ip addr add 203.0.113.1/24 dev veth-out
ip link set veth-out up
ip -n outside addr add 203.0.113.2/24 dev veth-in
ip -n outside link set veth-in up
ip -n red route add default via 192.168.12.5
ip -n blue route add default via 192.168.12.5
sysctl -qw net.ipv4.ip_forward=1`;

const MASQ = 'iptables -t nat -A POSTROUTING -s 192.168.12.0/24 -j MASQUERADE';
const DNAT = 'iptables -t nat -A PREROUTING -p udp --dport 5353 -j DNAT --to-destination 192.168.12.2:53';

/** One UDP exchange: `from` sends from `sport` to dst:dport; `to` answers every datagram. */
interface Flow { from: string; sport: number; dst: string; dport: number }
/** What a flow looked like: where the server saw it come from, where the client's answer came from. */
interface Seen { server: string; client: string }

const SERVER_PY = `import socket,sys,select,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('0.0.0.0',int(sys.argv[1])))
end=time.time()+float(sys.argv[2])
while time.time()<end:
  r,_,_=select.select([s],[],[],max(0,end-time.time()))
  if not r: break
  d,a=s.recvfrom(2048);print('%s:%d'%a,flush=True);s.sendto(b'answer',a)`;
const CLIENT_PY = `import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('0.0.0.0',int(sys.argv[1])));s.settimeout(1.5)
s.sendto(b'hello',(sys.argv[2],int(sys.argv[3])))
try:
  d,a=s.recvfrom(2048);print('%s:%d'%a)
except Exception as e: print('timeout')`;

/**
 * Kernel side: TOPO + rules in throwaway namespaces (the "host" too), a UDP server in `server`
 * on `port`, the flows sent one after the other, then the gateway's conntrack table.
 */
function kernelRun(rules: string[], server: { ns: string; port: number }, flows: Flow[]): { seen: Seen[]; ct: string[] } {
  const names = scriptNamespaces(TOPO);
  const map = new Map(names.map((n) => [n, uniqueName('wn')]));
  const host = uniqueName('wg');
  const dir = mkdtempSync(join(tmpdir(), 'wsnat-'));
  writeFileSync(join(dir, 'server.py'), SERVER_PY);
  writeFileSync(join(dir, 'client.py'), CLIENT_PY);
  const ren = (s: string) => s.replace(/\b(red|blue|outside)\b(?!-)/g, (n) => map.get(n)!);
  const py = '/usr/bin/python3';
  const lines = ['set +e', 'ip link set lo up', ren(TOPO), ...rules,
    `ip netns exec ${map.get(server.ns)} ${py} ${dir}/server.py ${server.port} ${1 + flows.length * 1.5} > ${dir}/server.txt &`,
    'sleep 0.5',
    ...flows.map((f, i) => `ip netns exec ${map.get(f.from)} ${py} ${dir}/client.py ${f.sport} ${f.dst} ${f.dport} > ${dir}/client${i}.txt`),
    'wait',
    `cat /proc/net/nf_conntrack > ${dir}/ct.txt`];
  writeFileSync(join(dir, 'k.sh'), lines.join('\n') + '\n');
  try {
    const add = run('ip', ['netns', 'add', host]);
    if (add.status !== 0) throw new Error(`ip netns add ${host}: ${add.stderr}`);
    run('ip', ['netns', 'exec', host, 'bash', join(dir, 'k.sh')], { timeout: 30_000 });
    const rd = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
    const srv = rd('server.txt').trim().split('\n').filter((l) => l);
    return {
      seen: flows.map((_, i) => ({ server: srv[i] ?? 'nothing', client: rd(`client${i}.txt`).trim() })),
      ct: rd('ct.txt').trim().split('\n').filter((l) => l).map((l) => l.replace(/^ipv4 +2 +/, '')),
    };
  } finally {
    for (const n of [...map.values(), host]) run('ip', ['netns', 'del', n]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lab side: the same script under wirestack, the flows over lab UDP sockets. */
async function labRun(rules: string[], server: { ns: string; port: number }, flows: Flow[]): Promise<{ seen: Seen[]; ct: string[] }> {
  const { session, records } = await runScript(`${TOPO}\n${rules.join('\n')}`);
  const bad = records.find((r) => r.exit !== 0);
  if (bad) throw new Error(`lab: ${bad.command}: ${bad.stderr}`);
  const lab = session.lab;
  const srv = lab.netns(server.ns).udpBind(server.port);
  const srvSeen: string[] = [];
  srv.onMessage((m) => {
    srvSeen.push(`${m.address}:${m.port}`);
    srv.sendTo('answer', m.address, m.port);
  });
  const seen: Seen[] = [];
  for (const f of flows) {
    const c = lab.netns(f.from).udpBind(f.sport);
    const n = srvSeen.length;
    c.sendTo('hello', f.dst, f.dport);
    lab.runFor(100);
    const a = c.inbox[0];
    seen.push({ server: srvSeen[n] ?? 'nothing', client: a ? `${a.address}:${a.port}` : 'timeout' });
    lab.netns(f.from).stack.udpUnbind(c);
  }
  const ct = conntrack(LabNetfilter.of(lab.root).nf.ct, ['-L'], lab.now / 1e9).stdout.trim().split('\n').filter((l) => l);
  return { seen, ct };
}

/** Conntrack lines without what legitimately differs: timeouts, ids, ephemeral ports, zone/use. */
function normCt(lines: string[]): string[] {
  const known = new Set(['40000', '41000', '9999', '53', '5353']);
  return lines
    // the kernel's own IGMP membership reports (224.0.0.22) are tracked too; the lab sends no IGMP
    .filter((l) => /^(udp|icmp|tcp) /.test(l.replace(/^ipv4 +2 +/, '')))
    .map((l) => l.replace(/port=(\d+)/g, (m, p) => (known.has(p) ? m : 'port=OTHER')))
    .map((l) => l.replace(/^(\w+ +\d+) \d+ /, '$1 T ').replace(/ (zone|use)=\d+/g, '').replace(/id=\d+/g, 'id=N').replace(/ +/g, ' '))
    .sort();
}

/** Ports other than the ones a flow asked for are the kernel's (or the lab's) random choice. */
function normSeen(seen: Seen[], flows: Flow[]): string[] {
  const keep = new Set(flows.flatMap((f) => [f.sport, f.dport]).concat([53, 5353, 9999]));
  return seen.map((s) => `${s.server.replace(/:(\d+)$/, (m, p) => (keep.has(Number(p)) ? m : ':OTHER'))} / ${s.client}`);
}

async function compare(t: Tap.Test, name: string, rules: string[], server: { ns: string; port: number }, flows: Flow[], expect: string[]): Promise<void> {
  const k = kernelRun(rules, server, flows);
  const l = await labRun(rules, server, flows);
  t.same(normSeen(k.seen, flows), expect, `${name}: the kernel as expected`);
  t.same(normSeen(l.seen, flows), normSeen(k.seen, flows), `${name}: the lab sees what the kernel sees`);
  t.same(normCt(l.ct), normCt(k.ct), `${name}: conntrack listings agree`);
}

t.test('MASQUERADE of UDP from the bridge network: outside sees the gateway, replies come back', async (t) => {
  if (!needPeer(t, 'netns', 'iptables')) return;
  await compare(t, 'masq-udp', [MASQ], { ns: 'outside', port: 9999 }, [{ from: 'blue', sport: 40000, dst: '203.0.113.2', dport: 9999 }],
    ['203.0.113.1:40000 / 203.0.113.2:9999']);
});

t.test('MASQUERADE port clash: two inside hosts with the same source port', async (t) => {
  if (!needPeer(t, 'netns', 'iptables')) return;
  await compare(t, 'masq-clash', [MASQ], { ns: 'outside', port: 9999 }, [
    { from: 'blue', sport: 40000, dst: '203.0.113.2', dport: 9999 },
    { from: 'red', sport: 40000, dst: '203.0.113.2', dport: 9999 },
  ], ['203.0.113.1:40000 / 203.0.113.2:9999', '203.0.113.1:OTHER / 203.0.113.2:9999']);
});

t.test('no NAT: outside has no route back, the query arrives but the answer never does', async (t) => {
  if (!needPeer(t, 'netns', 'iptables')) return;
  await compare(t, 'no-nat', [], { ns: 'outside', port: 9999 }, [{ from: 'blue', sport: 40000, dst: '203.0.113.2', dport: 9999 }],
    ['192.168.12.2:40000 / timeout']);
});

t.test('DNAT port forward: outside → gateway:5353 reaches blue:53, the answer comes from the gateway', async (t) => {
  if (!needPeer(t, 'netns', 'iptables')) return;
  await compare(t, 'dnat-udp', [MASQ, DNAT], { ns: 'blue', port: 53 }, [{ from: 'outside', sport: 41000, dst: '203.0.113.1', dport: 5353 }],
    ['203.0.113.2:41000 / 203.0.113.1:5353']);
});

t.test('MASQUERADE of ICMP and filter DROP/REJECT: ping outcomes and conntrack agree', async (t) => {
  if (!needPeer(t, 'netns', 'iptables')) return;
  const script = `${TOPO}
${MASQ}
ip netns exec blue ping -c 2 -i 0.2 -W 1 203.0.113.2
iptables -A FORWARD -s 192.168.12.1 -p icmp -j DROP
iptables -I FORWARD -s 192.168.12.2 -d 203.0.113.9 -j REJECT
ip netns exec red ping -c 1 -W 1 203.0.113.2
ip netns exec blue ping -c 1 -W 1 203.0.113.9
iptables -S
iptables -t nat -S
iptables-save -t nat
grep -c . /proc/net/nf_conntrack`;
  const ns = scriptNamespaces(script);
  const real = runUnderBash(script.replace(/\ngrep -c .*$/, '\ngrep -o "icmp .*" /proc/net/nf_conntrack'));
  const ours = await runUnderWirestack(script.replace(/\ngrep -c .*$/, '\nconntrack -L'));
  t.equal(ours.length, real.length);
  const normSave = (s: string) => s.replace(/^# (Generated by|Completed on) .*$/gm, '#');
  for (let i = 0; i < real.length - 1; i++) {
    const x = real[i]!, y = ours[i]!;
    t.equal(y.exit, x.exit, `exit: ${x.command}`);
    t.equal(normSave(normalise(y.command, y.stdout, ns)), normSave(normalise(x.command, x.stdout, ns)), `stdout: ${x.command}`);
    t.equal(y.stderr.trim(), x.stderr.trim(), `stderr: ${x.command}`);
  }
  t.match(real.find((r) => /blue ping -c 2/.test(r.command))!.stdout, /2 received/);
  t.match(real.find((r) => /203\.0\.113\.9/.test(r.command) && /ping/.test(r.command))!.stdout, /Destination Port Unreachable/);
  // conntrack: the MASQUERADEd echo flow, reply addressed to the gateway
  const k = normCt(real.at(-1)!.stdout.trim().split('\n')).filter((l) => /src=192\.168\.12\.2 dst=203\.0\.113\.2/.test(l));
  const l = normCt(ours.at(-1)!.stdout.trim().split('\n')).filter((l) => /src=192\.168\.12\.2 dst=203\.0\.113\.2/.test(l));
  t.equal(k.length, 1);
  t.same(l, k);
});
