// `wirestack run --tap`: a script's lab interface bound to a TAP device whose kernel side lives in
// a throwaway kernel namespace. In-process (runScript with an already-open port that this test
// moved into the namespace): the script pings the kernel, the kernel pings the lab during the
// script's `sleep` (which waits in real time on the wall clock), and dig/ping NAME get answers
// from a DNS responder the kernel runs. As a child process (`ip netns exec NS wirestack run`, so
// the TAP is opened inside the namespace): attaching to an existing device leaves it in place,
// a device it created is gone after exit and after SIGTERM. IPv6 is off in the namespaces so the
// kernel sends nothing unprompted.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, must, needPeer, run, runAsync, uniqueName, SYSTEM_PYTHON } from '../helpers/peers.ts';
import { openTap, type TapPort } from '../../src/tap/tap-port.ts';
import { runScript } from '../../src/cli/commands/run.ts';
import type { CommandRecord } from '../../src/shell/runner.ts';
import { macToString } from '../../src/ethernet/mac.ts';
import { main } from '../../src/cli/main.ts';
import { bufferIo } from '../../src/cli/command.ts';

const KERNEL = '10.217.0.1';
const LABIP = '10.217.0.2';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A throwaway kernel namespace with IPv6 off, deleted at teardown. */
function kernelNs(t: Test, prefix: string): string {
  const ns = uniqueName(prefix);
  must('ip', ['netns', 'add', ns]);
  t.teardown(() => void run('ip', ['netns', 'del', ns]));
  must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  return ns;
}

/** Opens a TAP here, moves it into `ns` (the fd keeps working) and gives the kernel side KERNEL/24. */
function tapInto(t: Test, ns: string): TapPort {
  const port = openTap(uniqueName('wsrt'));
  t.teardown(() => port.close());
  must('ip', ['link', 'set', port.name, 'netns', ns]);
  must('ip', ['-n', ns, 'addr', 'add', `${KERNEL}/24`, 'dev', port.name]);
  must('ip', ['-n', ns, 'link', 'set', port.name, 'up']);
  return port;
}

const rec = (records: CommandRecord[], prefix: string) => records.find((r) => r.command.startsWith(prefix));

t.test('a script pings the kernel across the TAP, and the kernel pings the lab during its sleep', async (t) => {
  if (!needPeer(t, 'tun', 'netns')) return;
  const ns = kernelNs(t, 'wsrk');
  const port = tapInto(t, ns);
  const script = [
    'ip netns add lab1',
    `ip -n lab1 addr add ${LABIP}/24 dev eth0`,
    'ip -n lab1 link set eth0 up',
    `ip netns exec lab1 ping -c 3 -i 0.2 -W 2 ${KERNEL}`,
    'sleep 3',
    'ip -n lab1 neigh show dev eth0',
  ].join('\n');
  let kernelPing: ReturnType<typeof runAsync> | null = null;
  const { records, session, exit } = await runScript(script, { taps: [{ ns: 'lab1', iface: 'eth0', port }] }, {
    out: () => {},
    err: () => {},
    record: (r) => {
      // the lab address is configured: the kernel pings it while the script sleeps
      if (r.command.startsWith('ip -n lab1 link set eth0 up')) kernelPing = runAsync('ip', ['netns', 'exec', ns, 'ping', '-c', '3', '-i', '0.2', '-W', '2', LABIP]);
    },
  });
  t.equal(session.lab.scheduler.mode, 'wall', 'binding a TAP put the lab on the wall clock');
  t.equal(exit, 0, JSON.stringify(records, null, 1));
  const dev = session.lab.netns('lab1').dev('eth0');
  t.equal(dev?.kind, 'external', 'eth0 in lab1 is the TAP-bound device');
  const p = rec(records, 'ip netns exec lab1 ping')!;
  t.match(p.stdout, /^PING 10\.217\.0\.1 \(10\.217\.0\.1\) 56\(84\) bytes of data\.\n64 bytes from 10\.217\.0\.1: icmp_seq=1 ttl=64 time=/, 'iputils layout, replies from the kernel');
  t.match(p.stdout, /3 packets transmitted, 3 received, 0% packet loss/);
  t.match(rec(records, 'ip -n lab1 neigh')!.stdout, new RegExp(`^${KERNEL.replace(/\./g, '\\.')} lladdr ${macToString(port.mac)} REACHABLE`), "the kernel side's MAC, learnt by ARP over the TAP");
  t.ok(kernelPing, 'the kernel ping was started');
  const k = await kernelPing!;
  t.match(k.out, /3 packets transmitted, 3 received/, 'the kernel pinged the lab during the script: ' + k.out + k.err);
  t.match(must('ip', ['-n', ns, 'neigh', 'show', LABIP]), new RegExp(`lladdr ${macToString(dev!.mac)}`), 'the kernel ARPed for the lab address');
});

// A minimal authoritative responder in the kernel namespace: every A query gets KERNEL (TTL 60).
const DNS_RESPONDER = `
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("${KERNEL}", 53))
print("ready", flush=True)
for _ in range(20):
    q, peer = s.recvfrom(2048)
    i = 12
    while q[i] != 0:
        i += 1 + q[i]
    question = q[12:i + 5]
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    an = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("${KERNEL}") if qtype == 1 else b""
    s.sendto(q[:2] + struct.pack("!HHHHH", 0x8580, 1, 1 if an else 0, 0, 0) + question + an, peer)
    print("query from %s" % peer[0], flush=True)
`;

t.test('on the wall clock dig and ping NAME wait for answers that come from the kernel', async (t) => {
  if (!needPeer(t, 'tun', 'netns')) return;
  const ns = kernelNs(t, 'wsrd');
  const port = tapInto(t, ns);
  const dns = spawn('ip', ['netns', 'exec', ns, SYSTEM_PYTHON, '-c', DNS_RESPONDER]);
  const dnsDone = finished(dns, 60_000);
  t.teardown(() => void dns.kill('SIGKILL'));
  let ready = '';
  dns.stdout.on('data', (d) => (ready += d));
  for (let i = 0; i < 100 && !ready.includes('ready'); i++) await sleep(50);
  t.match(ready, /ready/, 'the kernel-side DNS responder listens');
  // the TAP is bound in the lab's own namespace (IFACE=TAPNAME form): the shell's redirections
  // write that namespace's /etc/resolv.conf
  const script = [
    `ip addr add ${LABIP}/24 dev eth0`,
    'ip link set eth0 up',
    `echo nameserver ${KERNEL} > /etc/resolv.conf`,
    `dig +short @${KERNEL} web.example.test`,
    'nslookup web.example.test',
    'ping -c 2 -i 0.2 web.example.test',
  ].join('\n');
  const { records, exit } = await runScript(script, { taps: [{ ns: 'root', iface: 'eth0', port }] });
  t.equal(exit, 0, JSON.stringify(records, null, 1));
  t.equal(rec(records, 'dig')!.stdout, `${KERNEL}\n`, "dig's answer came over the TAP from the kernel's responder");
  t.match(rec(records, 'nslookup')!.stdout, new RegExp(`Name:\\tweb\\.example\\.test\\nAddress: ${KERNEL.replace(/\./g, '\\.')}`));
  const p = rec(records, 'ping')!;
  t.match(p.stdout, new RegExp(`^PING web\\.example\\.test \\(${KERNEL.replace(/\./g, '\\.')}\\)`), 'ping resolved the name through the kernel DNS');
  t.match(p.stdout, /2 packets transmitted, 2 received/);
  dns.kill('SIGTERM');
  const d = await dnsDone;
  t.ok((d.out.match(/query from 10\.217\.0\.2/g) ?? []).length >= 3, 'the responder saw the lab queries: ' + d.out);
});

t.test('wirestack run --tap as a child in the kernel namespace: attaches to an existing TAP and leaves it in place', async (t) => {
  if (!needPeer(t, 'tun', 'netns')) return;
  const ns = kernelNs(t, 'wsrc');
  const tap = uniqueName('wsrp');
  // a persistent TAP made by iproute2 inside the namespace, configured before wirestack attaches
  must('ip', ['-n', ns, 'tuntap', 'add', 'mode', 'tap', 'name', tap]);
  must('ip', ['-n', ns, 'addr', 'add', `${KERNEL}/24`, 'dev', tap]);
  must('ip', ['-n', ns, 'link', 'set', tap, 'up']);
  const dir = mkdtempSync(join(tmpdir(), 'wsrun-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'lab.sh');
  writeFileSync(file, `ip netns add lab1\nip -n lab1 addr add ${LABIP}/24 dev eth0\nip -n lab1 link set eth0 up\nip netns exec lab1 ping -c 2 -i 0.2 -W 2 ${KERNEL}\n`);
  const r = await runAsync('ip', ['netns', 'exec', ns, process.execPath, 'bin/wirestack.js', 'run', file, '--tap', `lab1/eth0=${tap}`], 30_000);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /2 packets transmitted, 2 received/);
  t.match(r.err, new RegExp(`${tap}: received \\d+ frames, sent \\d+; left in place \\(it existed before\\)`));
  t.equal(run('ip', ['-n', ns, 'link', 'show', tap]).status, 0, 'the pre-existing device is still there');
});

t.test('wirestack run --tap removes a TAP it created, at exit and on SIGTERM', async (t) => {
  if (!needPeer(t, 'tun', 'netns')) return;
  const ns = kernelNs(t, 'wsrs');
  const dir = mkdtempSync(join(tmpdir(), 'wsrun-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const quick = join(dir, 'quick.sh');
  writeFileSync(quick, 'ip link set eth0 up\nip link show eth0\n');
  const tap1 = uniqueName('wsrq');
  const r1 = await runAsync('ip', ['netns', 'exec', ns, process.execPath, 'bin/wirestack.js', 'run', quick, '--tap', `eth0=${tap1}`], 30_000);
  t.equal(r1.code, 0, r1.err);
  t.match(r1.out, /^\d+: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500/m, 'the bound interface lists like a link');
  t.match(r1.err, new RegExp(`${tap1}: received \\d+ frames, sent \\d+; removed \\(we created it\\)`));
  t.not(run('ip', ['-n', ns, 'link', 'show', tap1]).status, 0, 'no device left after a normal exit');

  const slow = join(dir, 'slow.sh');
  writeFileSync(slow, 'ip link set eth0 up\nsleep 30\n');
  const tap2 = uniqueName('wsrq');
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, 'bin/wirestack.js', 'run', slow, '--tap', `eth0=${tap2}`]);
  const done = finished(child, 30_000);
  let present = false;
  for (let i = 0; i < 200 && !present; i++) {
    await sleep(50);
    present = run('ip', ['-n', ns, 'link', 'show', tap2]).status === 0;
  }
  t.ok(present, 'the TAP exists while the script runs');
  await sleep(300);
  child.kill('SIGTERM'); // ip netns exec execs node: the signal reaches wirestack itself
  const r2 = await done;
  t.equal(r2.code, 143, r2.err);
  t.match(r2.err, /SIGTERM: stopping/);
  t.match(r2.err, new RegExp(`${tap2}: received \\d+ frames, sent \\d+; removed \\(we created it\\)`));
  t.not(run('ip', ['-n', ns, 'link', 'show', tap2]).status, 0, 'no device left after SIGTERM');
});

t.test('--tap usage errors create nothing', async (t) => {
  if (!needPeer(t, 'tun')) return;
  const tap = uniqueName('wsru');
  for (const [args, msg] of [
    [['--tap', 'red/eth0'], /--tap: "red\/eth0" is not NS\/IFACE=TAPNAME/],
    [['--tap', `red/eth0=${tap}`, '--tap', `red/eth0=${tap}x`], /--tap: red\/eth0 given twice/],
    [['--tap', `red/this-name-is-too-long=${tap}`], /interface name "this-name-is-too-long" is longer than 15 bytes/],
  ] as [string[], RegExp][]) {
    const io = bufferIo();
    t.equal(await main(['run', '-', ...args], io), 2, args.join(' '));
    t.match(io.stderr, msg);
  }
  // a namespace the script never creates: the run fails and the device is gone
  const c = spawn(process.execPath, ['bin/wirestack.js', 'run', '-', '--tap', `red/eth0=${tap}`]);
  const done = finished(c, 15_000);
  c.stdin!.end('echo hi\n');
  const r = await done;
  t.equal(r.code, 1);
  t.match(r.err, new RegExp(`--tap red/eth0=${tap}: the script never created namespace red; ${tap} was not bound`));
  t.not(run('ip', ['link', 'show', tap]).status, 0, 'no device left');
});
