// Issue 7 "Prove it": a Linux kernel vxlan device and a LAB vxlan0 exchange pings across a TAP link.
// The TAP (created by this process, moved into a throwaway kernel namespace; IPv6 off there so the
// kernel sends nothing unprompted) is the underlay: kernel side 10.214.0.1, the lab namespace's eth0
// (linkAddExternal: the lab switches to the wall clock) 10.214.0.2. On top, VNI 42 dstport 4789:
// kernel vx0 10.42.9.1, lab vxlan0 10.42.9.2. The kernel decapsulates ours, we decapsulate the kernel's,
// and each side's FDB learns the other's VTEP. Traffic never leaves the namespace.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { needPeer, run, uniqueName } from '../helpers/peers.ts';
import { openTap, type TapPort } from '../../src/tap/tap-port.ts';
import { Lab } from '../../src/lab/lab.ts';
import { macToString } from '../../src/ethernet/mac.ts';

function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A child run to completion without blocking our event loop (the lab answers meanwhile). */
function exec(cmd: string, args: string[], ms = 15_000): Promise<{ code: number | null; out: string; err: string }> {
  const c = spawn(cmd, args);
  let out = '';
  let err = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => c.kill('SIGKILL'), ms);
    c.on('exit', (code) => {
      clearTimeout(timer);
      setImmediate(() => resolve({ code, out, err }));
    });
  });
}

function rig(t: Test): { ns: string; lab: Lab; port: TapPort } {
  const ns = uniqueName('wsvx');
  const tap = uniqueName('wsvt');
  must('ip', ['netns', 'add', ns]);
  let port: TapPort | undefined;
  let lab: Lab | undefined;
  t.teardown(() => {
    lab?.scheduler.stop();
    port?.close();
    run('ip', ['netns', 'del', ns]);
  });
  must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  port = openTap(tap);
  must('ip', ['link', 'set', tap, 'netns', ns]);
  must('ip', ['-n', ns, 'addr', 'add', '10.214.0.1/24', 'dev', tap]);
  must('ip', ['-n', ns, 'link', 'set', tap, 'up']);
  must('ip', ['-n', ns, 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'remote', '10.214.0.2', 'local', '10.214.0.1', 'dev', tap]);
  must('ip', ['-n', ns, 'addr', 'add', '10.42.9.1/24', 'dev', 'vx0']);
  must('ip', ['-n', ns, 'link', 'set', 'vx0', 'up']);
  lab = new Lab({ seed: 11 });
  const n = lab.root;
  n.linkSet('lo', { up: true });
  n.linkAddExternal('eth0', port);
  n.addrAdd('eth0', '10.214.0.2/24');
  n.linkSet('eth0', { up: true });
  n.linkAddVxlan('vxlan0', { id: 42, dstport: 4789, remote: '10.214.0.1', dev: 'eth0' });
  n.addrAdd('vxlan0', '10.42.9.2/24');
  n.linkSet('vxlan0', { up: true });
  return { ns, lab, port };
}

t.test('lab vxlan0 pings a kernel vxlan device over a TAP underlay', async (t) => {
  if (!needPeer(t, 'tun') || !needPeer(t, 'netns')) return;
  const { ns, lab } = rig(t);
  t.equal(lab.scheduler.mode, 'wall');
  const res = await lab.root.pingAsync('10.42.9.1', { count: 3, intervalMs: 100, timeoutS: 2 });
  t.match(res.lines.join('\n'), /3 packets transmitted, 3 received/, res.lines.join('\n'));
  const vx = lab.root.mustDev('vxlan0').vxlan!;
  t.same(vx.counters.rxBadHeader + vx.counters.rxLearnDrop + vx.counters.rxOwnMac, 0);
  // the kernel learned our vxlan0 MAC behind 10.214.0.2, we learned its vx0 MAC behind 10.214.0.1
  const ours = macToString(lab.root.mustDev('vxlan0').mac);
  t.match(must('bridge', ['-n', ns, 'fdb', 'show', 'dev', 'vx0']), new RegExp(`^${ours} dst 10\\.214\\.0\\.2 self`, 'm'));
  const kmac = must('ip', ['-n', ns, '-br', 'link', 'show', 'vx0']).split(/\s+/)[2]!;
  t.ok(lab.root.bridgeFdb().some((l) => l.startsWith(`${kmac} dev vxlan0 dst 10.214.0.1 self`)), `learned ${kmac}: ${lab.root.bridgeFdb().join(' / ')}`);
});

t.test('the kernel pings the lab through its vxlan device', async (t) => {
  if (!needPeer(t, 'tun') || !needPeer(t, 'netns')) return;
  const { ns, lab } = rig(t);
  const p = await exec('ip', ['netns', 'exec', ns, 'ping', '-c', '3', '-W', '1', '-i', '0.2', '10.42.9.2']);
  t.match(p.out, /3 packets transmitted, 3 received/, p.out + p.err);
  const st = must('ip', ['-n', ns, '-s', 'link', 'show', 'vx0']);
  t.match(st, /RX:.*\n\s+\d+\s+[1-9]\d*/, 'the kernel vx0 received (decapsulated) our replies');
  t.ok(lab.root.mustDev('vxlan0').stats.rxPackets >= 3, 'our vxlan0 decapsulated the kernel requests');
});
