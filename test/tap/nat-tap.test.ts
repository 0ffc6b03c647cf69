// Kernel traffic routed through a lab NAT gateway comes back translated (issue 8). Two throwaway
// kernel namespaces, each with a TAP this test opens and moves there; a `wirestack run` script
// (in-process, runScript with the open ports) makes lab namespace "router" a gateway between them:
//
//   kernel K1 10.218.1.1 ─TAP1─ eth1 10.218.1.254 [router: ip_forward=1, MASQUERADE -o eth2]
//                                eth2 10.218.2.254 ─TAP2─ 10.218.2.1 kernel K2
//
// K2 has no route back to 10.218.1.0/24, so K1's pings and UDP only get answers if the router
// rewrote their source to its outside address 10.218.2.254 and the replies back to K1. tcpdump in
// K2 and a Python UDP echo server there show what arrived; K1's ping and a Python client show the
// replies came back. IPv6 is off in both namespaces so the kernels send nothing unprompted.
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { needPeer, run, uniqueName, SYSTEM_PYTHON } from '../helpers/peers.ts';
import { openTap, type TapPort } from '../../src/tap/tap-port.ts';
import { runScript } from '../../src/cli/commands/run.ts';
import type { CommandRecord } from '../../src/shell/runner.ts';

function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function finished(c: ChildProcess, ms: number): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  c.stdout?.on('data', (d) => (out += d));
  c.stderr?.on('data', (d) => (err += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => c.kill('SIGKILL'), ms);
    c.on('exit', (code) => {
      clearTimeout(timer);
      setImmediate(() => resolve({ code, out, err }));
    });
  });
}
const exec = (cmd: string, args: string[], ms = 15_000) => finished(spawn(cmd, args), ms);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Kernel namespace with IPv6 off and a TAP (opened here, moved in) at `addr`/24, default via `gw`. */
function kernelSide(t: Test, addr: string, gw: string | null): { ns: string; port: TapPort } {
  const ns = uniqueName('wsnk');
  must('ip', ['netns', 'add', ns]);
  // teardown before anything that can throw (openTap fails while the addon is being rebuilt)
  let port: TapPort | undefined;
  t.teardown(() => {
    port?.close();
    run('ip', ['netns', 'del', ns]);
  });
  port = openTap(uniqueName('wsnt'));
  must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  must('ip', ['link', 'set', port.name, 'netns', ns]);
  must('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', port.name]);
  must('ip', ['-n', ns, 'link', 'set', port.name, 'up']);
  if (gw) must('ip', ['-n', ns, 'route', 'add', 'default', 'via', gw]);
  return { ns, port };
}

// K2's UDP service: echoes each datagram with the sender's address prepended, and logs it.
const UDP_ECHO = `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.218.2.1", 7777))
print("ready", flush=True)
data, peer = s.recvfrom(2048)
print("from %s:%d %s" % (peer[0], peer[1], data.decode()), flush=True)
s.sendto(b"seen " + peer[0].encode() + b" " + data, peer)
`;

// K1's client: one datagram to K2 from a fixed port, waits for the answer.
const UDP_CLIENT = `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.218.1.1", 40000))
s.settimeout(5)
s.sendto(b"hello-through-nat", ("10.218.2.1", 7777))
data, peer = s.recvfrom(2048)
print("reply from %s:%d %s" % (peer[0], peer[1], data.decode()), flush=True)
`;

t.test('kernel traffic routed through a lab NAT gateway comes back translated', async (t) => {
  if (!needPeer(t, 'tun', 'netns', 'tcpdump')) return;
  const k1 = kernelSide(t, '10.218.1.1', '10.218.1.254');
  const k2 = kernelSide(t, '10.218.2.1', null); // no route to 10.218.1.0/24: only NAT makes replies possible

  // what reaches K2, as K2's own tcpdump sees it
  const dump = spawn('ip', ['netns', 'exec', k2.ns, 'tcpdump', '-i', k2.port.name, '-n', '-l', '-Q', 'in', 'icmp or udp port 7777']);
  const dumpDone = finished(dump, 60_000);
  t.teardown(() => void dump.kill('SIGKILL'));
  let dumpErr = '';
  dump.stderr.on('data', (d) => (dumpErr += d));
  for (let i = 0; i < 100 && !/listening on/.test(dumpErr); i++) await sleep(50);
  const echo = spawn('ip', ['netns', 'exec', k2.ns, SYSTEM_PYTHON, '-c', UDP_ECHO]);
  const echoDone = finished(echo, 60_000);
  t.teardown(() => void echo.kill('SIGKILL'));
  let echoOut = '';
  echo.stdout.on('data', (d) => (echoOut += d));
  for (let i = 0; i < 100 && !echoOut.includes('ready'); i++) await sleep(50);
  t.match(echoOut, /ready/, 'the UDP echo server listens in K2');

  const script = [
    'ip netns add router',
    'ip -n router addr add 10.218.1.254/24 dev eth1',
    'ip -n router addr add 10.218.2.254/24 dev eth2',
    'ip -n router link set eth1 up',
    'ip -n router link set eth2 up',
    'ip netns exec router sysctl -w net.ipv4.ip_forward=1',
    'ip netns exec router iptables -t nat -A POSTROUTING -o eth2 -j MASQUERADE',
    // the kernels' traffic crosses the router while the script sleeps (wall clock: real seconds)
    'sleep 4',
    'ip netns exec router conntrack -L',
    'ip netns exec router iptables -t nat -L POSTROUTING -n -v',
  ].join('\n');
  let traffic: Promise<[Awaited<ReturnType<typeof exec>>, Awaited<ReturnType<typeof exec>>]> | null = null;
  const { records, exit } = await runScript(
    script,
    { taps: [{ ns: 'router', iface: 'eth1', port: k1.port }, { ns: 'router', iface: 'eth2', port: k2.port }] },
    {
      out: () => {},
      err: () => {},
      record: (r: CommandRecord) => {
        if (!r.command.includes('MASQUERADE')) return;
        traffic = (async () => {
          const ping = await exec('ip', ['netns', 'exec', k1.ns, 'ping', '-c', '3', '-i', '0.2', '-W', '2', '10.218.2.1']);
          const udp = await exec('ip', ['netns', 'exec', k1.ns, SYSTEM_PYTHON, '-c', UDP_CLIENT]);
          return [ping, udp];
        })();
      },
    },
  );
  t.equal(exit, 0, JSON.stringify(records, null, 1));
  t.ok(traffic, 'the kernel traffic was started once the gateway was configured');
  const [ping, udp] = await traffic!;
  t.match(ping.out, /3 packets transmitted, 3 received, 0% packet loss/, 'K1 gets its echo replies back: ' + ping.out + ping.err);
  t.match(ping.out, /64 bytes from 10\.218\.2\.1: icmp_seq=1 ttl=63 /, "replies come from K2's address (un-NATed) with TTL 64 less the router's hop");
  t.match(udp.out, /^reply from 10\.218\.2\.1:7777 seen 10\.218\.2\.254 hello-through-nat$/m, 'K1 gets the UDP answer, and K2 saw the router address as the sender: ' + udp.out + udp.err);
  const e = await echoDone;
  t.match(e.out, /^from 10\.218\.2\.254:\d+ hello-through-nat$/m, 'K2 saw the datagram from the router outside address');

  await sleep(200);
  dump.kill('SIGTERM');
  const d = await dumpDone;
  const lines = d.out.split('\n').filter((l) => /IP /.test(l));
  const requests = lines.filter((l) => /ICMP echo request/.test(l));
  t.equal(requests.length, 3, 'tcpdump in K2 saw three echo requests: ' + d.out);
  for (const l of requests) t.match(l, /IP 10\.218\.2\.254 > 10\.218\.2\.1: ICMP echo request/, 'source rewritten to the router outside address');
  t.notOk(lines.some((l) => /10\.218\.1\.1/.test(l)), 'K1 address never reached K2');
  t.ok(lines.some((l) => /IP 10\.218\.2\.254\.\d+ > 10\.218\.2\.1\.7777: UDP/.test(l)), 'the datagram arrived from the router address');

  const ct = records.find((r) => r.command.includes('conntrack -L'))!;
  t.match(ct.stdout, /icmp\s+1 \d+ src=10\.218\.1\.1 dst=10\.218\.2\.1 type=8 code=0 id=\d+ src=10\.218\.2\.1 dst=10\.218\.2\.254 type=0 code=0 id=\d+/, 'conntrack shows the ICMP flow with its translated reply tuple');
  t.match(ct.stdout, /udp\s+17 \d+ src=10\.218\.1\.1 dst=10\.218\.2\.1 sport=40000 dport=7777 .*src=10\.218\.2\.1 dst=10\.218\.2\.254 sport=7777 dport=\d+/, 'and the UDP flow');
  const counters = records.find((r) => r.command.includes('iptables -t nat -L'))!;
  t.match(counters.stdout, /^\s*2\s+\d+ MASQUERADE/m, 'MASQUERADE matched the first packet of each of the two flows');
});
