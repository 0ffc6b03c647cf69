// TapPort against the real kernel: the TAP device is created by this process, moved into a
// throwaway namespace (the fd keeps working after the move), and the kernel there ARPs for and
// pings an address "behind" the TAP that a tiny responder in this file answers. tcpdump on the
// TAP inside the namespace must capture exactly the frames we exchanged.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, must, needPeer, run, uniqueName } from '../helpers/peers.ts';
import { pcapFrames } from '../helpers/pcap-file.ts';
import { openTap, TapPort } from '../../src/tap/tap-port.ts';
import { put16, put32, put48, u16, u32, u48, u8 } from '../../src/bytes.ts';
import { internetChecksum } from '../../src/ip/checksum.ts';
import { parseIpv4Address } from '../../src/ip/address.ts';

const KERNEL_IP = '10.211.0.1';
const OUR_IP = '10.211.0.2';
const OUR_MAC = 0x020000000002;

/**
 * Test responder (answers as OUR_IP/OUR_MAC): ARP requests for OUR_IP → ARP reply (RFC 826);
 * ICMP echo requests to OUR_IP → echo reply (RFC 792). Writes the answer into `out`, returns its
 * length or 0.
 */
function respond(b: Uint8Array, o: number, len: number, out: Uint8Array): number {
  const ourIp = parseIpv4Address(OUR_IP) as number;
  if (len < 42) return 0;
  const type = u16(b, o + 12);
  if (type === 0x0806 && u16(b, o + 20) === 1 && u32(b, o + 38) === ourIp) {
    put48(out, 0, u48(b, o + 22)); // to the asker's hardware address
    put48(out, 6, OUR_MAC);
    put16(out, 12, 0x0806);
    put16(out, 14, 1); // htype Ethernet
    put16(out, 16, 0x0800); // ptype IPv4
    out[18] = 6;
    out[19] = 4;
    put16(out, 20, 2); // reply
    put48(out, 22, OUR_MAC);
    put32(out, 28, ourIp);
    put48(out, 32, u48(b, o + 22));
    put32(out, 38, u32(b, o + 28));
    return 42;
  }
  if (type === 0x0800 && u8(b, o + 23) === 1 && u32(b, o + 30) === ourIp) {
    const ihl = (u8(b, o + 14) & 0x0f) * 4;
    const total = u16(b, o + 16);
    const icmp = 14 + ihl;
    if (u8(b, o + icmp) !== 8 || 14 + total > len) return 0;
    out.set(b.subarray(o, o + 14 + total), 0);
    put48(out, 0, u48(b, o + 6));
    put48(out, 6, OUR_MAC);
    put32(out, 26, ourIp);
    put32(out, 30, u32(b, o + 26));
    out[22] = 64; // TTL
    put16(out, 24, 0);
    put16(out, 24, internetChecksum(out, 14, ihl));
    out[icmp] = 0; // echo reply, same id/seq/data
    put16(out, icmp + 2, 0);
    put16(out, icmp + 2, internetChecksum(out, icmp, total - ihl));
    return 14 + total;
  }
  return 0;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

t.test('a TAP device we create disappears on close; a persistent one stays', async (t) => {
  if (!needPeer(t, 'tun')) return;
  const name = uniqueName('wst');
  const kept = uniqueName('wsp');
  t.teardown(() => {
    run('ip', ['link', 'del', name]);
    run('ip', ['link', 'del', kept]);
  });
  const p = openTap(name);
  t.equal(p.name, name);
  t.equal(p.medium, 'ethernet');
  t.equal(p.existed, false);
  t.equal(p.mtu, 1500, 'MTU read with SIOCGIFMTU');
  const shown = must('ip', ['-o', 'link', 'show', name]);
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(shown)![1]!;
  t.equal(p.mac, parseInt(mac.replaceAll(':', ''), 16), 'MAC read with SIOCGIFHWADDR matches ip link');
  p.close();
  p.close(); // idempotent
  t.not(run('ip', ['link', 'show', name]).status, 0, 'non-persistent device is gone after close');

  const q = openTap(kept, { persist: true });
  q.close();
  t.equal(run('ip', ['link', 'show', kept]).status, 0, 'persistent device survives close');
  const again = openTap(kept);
  t.equal(again.existed, true, 'reopening attaches to the existing device');
  again.close();
  t.equal(run('ip', ['link', 'show', kept]).status, 0, 'attaching without persist leaves the persist flag alone');
});

for (const rxMode of ['batch', 'per-frame'] as const)
t.test(`the kernel in a namespace ARPs and pings through our TAP; tcpdump sees the same frames (${rxMode} rx)`, async (t) => {
  if (!needPeer(t, 'tun', 'netns', 'tcpdump')) return;
  const ns = uniqueName('wsn');
  const tap = uniqueName('wst');
  const dir = mkdtempSync(join(tmpdir(), 'wstap-'));
  let port: TapPort | null = null;
  let dump: ChildProcess | null = null;
  t.teardown(() => {
    dump?.kill('SIGKILL');
    port?.close();
    run('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  must('ip', ['netns', 'add', ns]);
  // No IPv6 in the namespace: no router solicitations or MLD reports muddying the exchange.
  must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  port = openTap(tap, { rxMode });
  const p = port;
  must('ip', ['link', 'set', tap, 'netns', ns]);
  must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  must('ip', ['-n', ns, 'addr', 'add', `${KERNEL_IP}/24`, 'dev', tap]);
  must('ip', ['-n', ns, 'link', 'set', tap, 'up']);

  const received: Uint8Array[] = [];
  const sent: Uint8Array[] = [];
  const out = new Uint8Array(2048);
  let recording = false;
  p.attach((b, o, len) => {
    if (!recording) return;
    received.push(b.slice(o, o + len)); // borrowed: copy what we keep
    const n = respond(b, o, len, out);
    if (n > 0) {
      sent.push(out.slice(0, n));
      p.transmit(out, 0, n);
    }
  });

  const pcap = join(dir, 'tap.pcap');
  dump = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', tap, '--immediate-mode', '-U', '-n', '-Z', 'root', '-w', pcap], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const dumpDone = finished(dump, 20_000);
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
    dump!.stderr!.on('data', (d) => {
      err += d;
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  recording = true;

  const ping = spawn('ip', ['netns', 'exec', ns, 'ping', '-c', '3', '-i', '0.2', '-W', '1', OUR_IP]);
  const res = await finished(ping, 15_000);
  t.match(res.out, /3 packets transmitted, 3 received/, 'the kernel\'s ping gets all 3 replies');
  t.equal(res.code, 0);
  recording = false;

  // (1) the kernel's first frame is its ARP request for our address: check every field.
  const arp = received[0]!;
  t.ok(arp, 'received a frame');
  const tapMac = p.mac;
  t.equal(arp.length, 42, 'ARP request frame: 14 + 28 bytes (tap frames are not padded)');
  t.equal(u48(arp, 0), 0xffffffffffff, 'broadcast destination');
  t.equal(u48(arp, 6), tapMac, 'source is the TAP interface MAC');
  t.equal(u16(arp, 12), 0x0806, 'EtherType ARP');
  t.equal(u16(arp, 14), 1, 'htype Ethernet');
  t.equal(u16(arp, 16), 0x0800, 'ptype IPv4');
  t.equal(u8(arp, 18), 6, 'hlen');
  t.equal(u8(arp, 19), 4, 'plen');
  t.equal(u16(arp, 20), 1, 'op request');
  t.equal(u48(arp, 22), tapMac, 'sender hardware address');
  t.equal(u32(arp, 28), parseIpv4Address(KERNEL_IP), 'sender protocol address');
  t.equal(u48(arp, 32), 0, 'target hardware address unknown (zero)');
  t.equal(u32(arp, 38), parseIpv4Address(OUR_IP), 'target protocol address');

  const echoes = received.filter((f) => u16(f, 12) === 0x0800 && f[23] === 1 && f[34] === 8);
  t.equal(echoes.length, 3, 'three ICMP echo requests reached us');
  t.equal(sent.length, 4, 'we answered one ARP request and three echo requests');
  t.equal(p.stats.txFrames, 4);
  t.equal(p.stats.txErrors + p.stats.txDropped, 0);
  if (rxMode === 'batch') t.ok(p.stats.rxBatches >= 1 && p.stats.rxBatches <= p.stats.rxFrames, 'frames came in batches');
  else t.equal(p.stats.rxBatches, 0, 'per-frame mode reads without batches');

  // (3) tcpdump on the TAP inside the namespace saw the same frames, byte for byte, both ways.
  await new Promise((r) => setTimeout(r, 200));
  dump.kill('SIGINT');
  const d = await dumpDone;
  dump = null;
  t.equal(d.code, 0, `tcpdump exited cleanly: ${d.err.trim()}`);
  const captured = pcapFrames(readFileSync(pcap));
  const capturedOurs = captured.filter((f) => u48(f, 6) === OUR_MAC).map(hex);
  const capturedKernel = captured.filter((f) => u48(f, 6) === tapMac).map(hex);
  t.same(capturedOurs, sent.map(hex), 'frames we transmitted = frames tcpdump captured coming in');
  t.same(capturedKernel, received.map(hex), 'frames we received = frames tcpdump captured going out');
});

t.test('error paths: bad names and missing permission say what is wrong', async (t) => {
  t.throws(() => openTap('bad/name'), { message: /^invalid TAP device name "bad\/name": contains/ });
  t.throws(() => openTap('x'.repeat(16)), { message: /^invalid TAP device name .*longer than 15 bytes/ });
  if (!needPeer(t, 'tun')) return;
  // A veth is not a TAP: TUNSETIFF refuses to attach to it.
  const veth = uniqueName('wsv');
  t.teardown(() => run('ip', ['link', 'del', veth]));
  must('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', uniqueName('wsw')]);
  t.throws(() => openTap(veth), { message: /^cannot open TAP device .*non-TAP interface/ });

  // Without CAP_NET_ADMIN (dropped from the bounding set, so even root lacks it after exec).
  const script = `import('./src/tap/tap-port.ts').then(m => { try { m.openTap('wsnocap0'); console.log('opened') } catch (e) { console.log(e.message) } })`;
  const r = run('setpriv', ['--bounding-set', '-net_admin', '--inh-caps', '-net_admin', process.execPath, '--import', 'tsx', '-e', script], {
    cwd: new URL('../..', import.meta.url).pathname,
  });
  t.match(r.stdout.trim(), /^TAP needs Linux and CAP_NET_ADMIN: this process lacks CAP_NET_ADMIN/, r.stderr);
  // And the kernel agrees: past the loader's check, TUNSETIFF itself fails with EPERM.
  const raw = `import('./src/tap/addon.ts').then(m => { try { m.loadAddonUncached({ caps: null }).tapOpen('wsnocap0', -1, true); console.log('opened') } catch (e) { console.log(e.code, e.message) } })`;
  const k = run('setpriv', ['--bounding-set', '-net_admin', '--inh-caps', '-net_admin', process.execPath, '--import', 'tsx', '-e', raw], {
    cwd: new URL('../..', import.meta.url).pathname,
  });
  t.equal(k.stdout.trim(), 'EPERM TUNSETIFF: Operation not permitted', k.stderr);
});
