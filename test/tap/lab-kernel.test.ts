// The lab next to the real kernel: a lab namespace whose eth0 is a TAP device that this process
// creates and moves into a throwaway kernel namespace (the fd keeps working after the move). The
// kernel there ARPs for and pings the lab, the lab pings the kernel, dig queries the lab's DNS
// server, tcpdump on the TAP sees exactly the frames our capture records, and `wirestack tap` as
// a child process answers ping and removes its device on SIGTERM. IPv6 is off in the namespace
// so the kernel sends nothing unprompted (router solicitations, MLD) into the comparison.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, must, needPeer, run, runAsync, uniqueName } from '../helpers/peers.ts';
import { openTap, type TapPort } from '../../src/tap/tap-port.ts';
import { Lab } from '../../src/lab/lab.ts';
import { MemorySink } from '../../src/pcap/chunk-sink.ts';
import { readCapture } from '../../src/pcap/capture.ts';
import { loadServer } from '../../src/dns/udp-server.ts';
import { serveDns } from '../../src/dns/lab-server.ts';
import { macToString } from '../../src/ethernet/mac.ts';

const KERNEL = '10.213.0.1';
const LABIP = '10.213.0.2';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Rig {
  ns: string;
  tap: string;
  port: TapPort;
  lab: Lab;
}

/** A kernel namespace with the TAP at KERNEL/24, the lab's eth0 at LABIP/24 on the other end. */
function rig(t: Test): Rig {
  const ns = uniqueName('wslk');
  const tap = uniqueName('wslt');
  must('ip', ['netns', 'add', ns]);
  let port: TapPort | undefined;
  let lab: Lab | undefined;
  t.teardown(() => {
    lab?.closeCaptures();
    lab?.scheduler.stop();
    port?.close();
    run('ip', ['netns', 'del', ns]);
  });
  must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  port = openTap(tap);
  must('ip', ['link', 'set', tap, 'netns', ns]);
  must('ip', ['-n', ns, 'addr', 'add', `${KERNEL}/24`, 'dev', tap]);
  must('ip', ['-n', ns, 'link', 'set', tap, 'up']);
  lab = new Lab({ seed: 7 });
  t.equal(lab.scheduler.mode, 'virtual', 'a new lab runs on the virtual clock');
  lab.root.linkSet('lo', { up: true });
  const dev = lab.root.linkAddExternal('eth0', port);
  t.equal(lab.scheduler.mode, 'wall', 'attaching a real device switches the lab to the wall clock');
  t.equal(dev.kind, 'external');
  lab.root.addrAdd('eth0', `${LABIP}/24`);
  lab.root.linkSet('eth0', { up: true });
  return { ns, tap, port, lab };
}

t.test('the kernel ARPs for and pings a lab address behind the TAP', async (t) => {
  if (!needPeer(t, 'tun', 'netns')) return;
  const r = rig(t);
  const p = await runAsync('ip', ['netns', 'exec', r.ns, 'ping', '-c', '3', '-W', '1', '-i', '0.2', LABIP]);
  t.match(p.out, /3 packets transmitted, 3 received/, p.out + p.err);
  const neigh = must('ip', ['-n', r.ns, 'neigh', 'show', LABIP]);
  t.match(neigh, macToString(r.lab.root.mustDev('eth0').mac), 'the kernel learned the lab MAC by ARP');
  t.match(r.lab.root.arpN().join('\n'), KERNEL, 'and the lab learned the kernel from its request');
  t.equal(r.port.stats.txErrors, 0);
});

t.test('the lab pings the kernel (pingAsync on the wall clock)', async (t) => {
  if (!needPeer(t, 'tun', 'netns')) return;
  const r = rig(t);
  const res = await r.lab.root.pingAsync(KERNEL, { count: 3, intervalMs: 100, timeoutS: 2 });
  t.equal(res.received, 3, res.lines.join('\n'));
  t.equal(res.exit, 0);
  t.match(res.lines.at(-2)!, /^3 packets transmitted, 3 received, 0% packet loss, time \d+ms$/);
  for (const ms of res.rttsMs) t.ok(ms > 0 && ms < 1000, `real round trip ${ms} ms`);
  const unanswered = await r.lab.root.pingAsync('10.213.0.77', { count: 1, timeoutS: 5 });
  t.equal(unanswered.received, 0, 'nobody at .77: no reply');
  t.match(unanswered.lines.join('\n'), /Destination Host Unreachable/, 'ARP fails after 3 probes in real time');
});

t.test('dig @lab-address from the kernel namespace gets answers from the lab DNS server', async (t) => {
  if (!needPeer(t, 'tun', 'netns', 'dig')) return;
  const r = rig(t);
  const dir = mkdtempSync(join(tmpdir(), 'wslk-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const zone = join(dir, 'lab.test.zone');
  writeFileSync(zone, `$ORIGIN lab.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ IN NS ns1\nns1 IN A ${LABIP}\nwww IN A 192.0.2.80\nmail IN MX 10 ns1\n`);
  const srv = serveDns(r.lab.root, '0.0.0.0', 53, loadServer([zone]));
  t.teardown(() => srv.close());
  const a = await runAsync('ip', ['netns', 'exec', r.ns, 'dig', `@${LABIP}`, 'www.lab.test', 'A', '+tries=1', '+time=2']);
  t.match(a.out, /status: NOERROR/, a.out);
  t.match(a.out, /flags: qr aa/, 'authoritative answer');
  t.match(a.out, /^www\.lab\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.80$/m);
  const nx = await runAsync('ip', ['netns', 'exec', r.ns, 'dig', `@${LABIP}`, 'nope.lab.test', 'A', '+tries=1', '+time=2']);
  t.match(nx.out, /status: NXDOMAIN/, 'a missing name is NXDOMAIN');
  t.equal(srv.server.stats.queries, 2);
});

t.test('tcpdump on the TAP and our capture of the same traffic contain the same frames', async (t) => {
  if (!needPeer(t, 'tun', 'netns', 'tcpdump')) return;
  const r = rig(t);
  const dir = mkdtempSync(join(tmpdir(), 'wslk-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'kernel.pcap');
  const td = spawn('ip', ['netns', 'exec', r.ns, 'tcpdump', '-i', r.tap, '-U', '-n', '-w', file]);
  let tdErr = '';
  td.stderr.on('data', (d) => (tdErr += d));
  const tdDone = finished(td, 20_000);
  for (let i = 0; i < 100 && !tdErr.includes('listening on'); i++) await sleep(50);
  t.match(tdErr, /listening on/);
  await sleep(300);
  const mem = new MemorySink();
  r.lab.capture(mem, { format: 'pcap', ifaces: ['root/eth0'] });
  const p = await runAsync('ip', ['netns', 'exec', r.ns, 'ping', '-c', '2', '-W', '1', '-i', '0.2', LABIP]);
  t.match(p.out, /2 received/);
  const q = await r.lab.root.pingAsync(KERNEL, { count: 2, intervalMs: 100, timeoutS: 2 });
  t.equal(q.received, 2);
  await sleep(200);
  r.lab.closeCaptures();
  await sleep(300);
  td.kill('SIGINT');
  await tdDone;
  const theirs = [...readCapture(new Uint8Array(readFileSync(file)))].map((x) => Buffer.from(x.data).toString('hex'));
  const ours = [...readCapture(mem.bytes())].map((x) => Buffer.from(x.data).toString('hex'));
  t.ok(ours.length >= 10, `${ours.length} frames: 2 ARP each way at most, 4 echo exchanges`);
  t.same(ours, theirs, 'same frames, same order, byte for byte');
});

t.test('wirestack tap as a child process answers ping and removes its device on SIGTERM', async (t) => {
  if (!needPeer(t, 'tun', 'netns')) return;
  const ns = uniqueName('wslc');
  const tap = uniqueName('wslct');
  must('ip', ['netns', 'add', ns]);
  t.teardown(() => {
    run('ip', ['link', 'del', tap]);
    run('ip', ['netns', 'del', ns]);
  });
  must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  const child = spawn(process.execPath, ['bin/wirestack.js', 'tap', tap, '--ip', '10.214.0.2/24', '--netns', ns, '--host-ip', '10.214.0.1/24']);
  const done = finished(child, 30_000);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 200 && !out.includes('ready'); i++) await sleep(50);
  t.match(out, /created TAP device/);
  t.match(out, new RegExp(`moved into network namespace ${ns}`));
  t.match(out, /ready/);
  const p = await runAsync('ip', ['netns', 'exec', ns, 'ping', '-c', '3', '-W', '1', '-i', '0.2', '10.214.0.2']);
  t.match(p.out, /3 packets transmitted, 3 received/, p.out + p.err);
  child.kill('SIGTERM');
  const r = await done;
  t.equal(r.code, 0, r.err);
  t.match(r.out, /SIGTERM: stopping/);
  t.match(r.out, /removed \(we created it\)/);
  t.not(run('ip', ['-n', ns, 'link', 'show', tap]).status, 0, 'no device left in the namespace');
  t.not(run('ip', ['link', 'show', tap]).status, 0, 'nor in ours');
});

t.test('wirestack tap refuses a bad address before creating anything', async (t) => {
  if (!needPeer(t, 'tun')) return;
  const tap = uniqueName('wslb');
  const r = await runAsync(process.execPath, ['bin/wirestack.js', 'tap', tap, '--ip', '10.0.0.300/24']);
  t.equal(r.code, 2);
  t.match(r.err, /--ip: "10.0.0.300\/24" is not an IPv4 address/);
  t.not(run('ip', ['link', 'show', tap]).status, 0, 'no device created');
});
