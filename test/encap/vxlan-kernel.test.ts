// A real Linux vxlan device talks to our VTEP across a TAP link, inside a throwaway namespace:
//
//   netns A:  vxlan0 (id 42, dstport 4789, 10.42.0.1/24) ── underlay TAP 192.0.2.1/24
//                                                              │ (frames through /dev/net/tun)
//   this process:  our VTEP 192.0.2.2 (answers underlay ARP) + inner host 10.42.0.2 behind it
//
// The kernel's `ping -c 3 10.42.0.2` over vxlan0 succeeds only if we decapsulate its VXLAN frames
// (inner ARP, ICMP echo) and it decapsulates ours (inner ARP reply, echo replies).
import t from 'tap';
import { spawn } from 'node:child_process';
import { u16, put16, u32, put32 } from '../../src/bytes.ts';
import { openTap, type TapPort } from '../../src/tap/tap-port.ts';
import { VxlanEncapsulator, VxlanDecapsulator, VXLAN_ENCAP_OVERHEAD } from '../../src/encap/vxlan-encap.ts';
import { VxlanFdb } from '../../src/encap/vxlan-fdb.ts';
import { readMac, writeMac, parseMac, macToString } from '../../src/ethernet/mac.ts';
import { parseIpv4Address } from '../../src/ip/address.ts';
import { internetChecksum } from '../../src/ip/checksum.ts';
import { must, needPeer, run, uniqueName } from '../helpers/peers.ts';

const UNDER_KERNEL = parseIpv4Address('192.0.2.1');
const UNDER_OURS = parseIpv4Address('192.0.2.2');
const OUR_UNDER_MAC = parseMac('02:00:00:00:00:02');
const INNER_OURS = parseIpv4Address('10.42.0.2');
const OUR_INNER_MAC = parseMac('02:aa:00:00:00:02');

/** Writes an ARP reply (Ethernet + ARP) answering the request in req[off..] for `mac`; returns 42. */
function arpReply(req: Uint8Array, off: number, mac: number, out: Uint8Array, o: number): number {
  const askerMac = readMac(req, off + 22);
  const askerIp = u32(req, off + 28);
  const target = u32(req, off + 38);
  writeMac(out, o, askerMac);
  writeMac(out, o + 6, mac);
  put16(out, o + 12, 0x0806);
  put16(out, o + 14, 1); put16(out, o + 16, 0x0800); out[o + 18] = 6; out[o + 19] = 4; put16(out, o + 20, 2);
  writeMac(out, o + 22, mac); put32(out, o + 28, target);
  writeMac(out, o + 32, askerMac); put32(out, o + 38, askerIp);
  return 42;
}
function isArpRequestFor(b: Uint8Array, off: number, len: number, ip: number): boolean {
  return len >= 42 && u16(b, off + 12) === 0x0806 && u16(b, off + 20) === 1 && u32(b, off + 38) === ip;
}

t.test('kernel vxlan0 pings through our VTEP (both directions encap/decap)', async (t) => {
  if (!needPeer(t, 'tun', 'netns')) return;
  const ns = uniqueName('wsvx');
  const tap = uniqueName('wsvt');
  let port: TapPort | undefined;
  t.teardown(() => {
    port?.close();
    run('ip', ['netns', 'del', ns]);
  });
  must('ip', ['netns', 'add', ns]);
  const nsx = (...a: string[]) => must('ip', ['netns', 'exec', ns, ...a]);
  nsx('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1');
  nsx('sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1');
  port = openTap(tap);
  must('ip', ['link', 'set', tap, 'netns', ns]);
  nsx('ip', 'addr', 'add', '192.0.2.1/24', 'dev', tap);
  nsx('ip', 'link', 'set', tap, 'up');
  nsx('ip', 'link', 'add', 'vxlan0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'remote', '192.0.2.2', 'local', '192.0.2.1', 'dev', tap);
  nsx('ip', 'addr', 'add', '10.42.0.1/24', 'dev', 'vxlan0');
  nsx('ip', 'link', 'set', 'vxlan0', 'up');
  const kernelVxlanMac = parseMac(JSON.parse(nsx('ip', '-j', 'link', 'show', 'vxlan0'))[0].address);
  const kernelTapMac = parseMac(JSON.parse(nsx('ip', '-j', 'link', 'show', tap))[0].address);

  const fdb = new VxlanFdb();
  const dec = new VxlanDecapsulator(4789);
  const enc = new VxlanEncapsulator({ outerSrcMac: OUR_UNDER_MAC, outerDstMac: kernelTapMac, srcIp: UNDER_OURS, dstIp: UNDER_KERNEL, vni: 42 }, 1);
  const out = new Uint8Array(2048);
  const H = 64; // headroom in front of the inner frame we build
  const seen = { underlayArp: 0, innerArp: 0, echoRequests: 0, sent: 0, badVni: 0, kernelSports: [] as number[], kernelCsumNonzero: 0 };

  const send = (innerLen: number, dstMac: number) => {
    const remotes = fdb.lookup(dstMac, Date.now());
    for (const r of remotes) {
      enc.setDestination(r.ip, kernelTapMac);
      const o = enc.encapsulate(out, H, innerLen);
      if (o < 0) throw new Error(`encapsulate: ${-o}`);
      port!.transmit(out, o, innerLen + VXLAN_ENCAP_OVERHEAD);
      seen.sent++;
    }
  };

  port.attach((b, off, len) => {
    if (isArpRequestFor(b, off, len, UNDER_OURS)) {
      seen.underlayArp++;
      const n = arpReply(b, off, OUR_UNDER_MAC, out, 0);
      port!.transmit(out, 0, n);
      return;
    }
    if (dec.decapsulate(b, off, len) !== 0) return;
    if (dec.vni !== 42) { seen.badVni++; return; }
    seen.kernelSports.push(dec.outerSrcPort);
    if (u16(b, dec.innerOff - 8 - 2) !== 0) seen.kernelCsumNonzero++; // outer UDP checksum field
    const io = dec.innerOff;
    const il = dec.innerLen;
    fdb.learn(readMac(b, io + 6), dec.outerSrcIp, Date.now());
    if (isArpRequestFor(b, io, il, INNER_OURS)) {
      seen.innerArp++;
      const n = arpReply(b, io, OUR_INNER_MAC, out, H);
      send(n, readMac(out, H));
      return;
    }
    // ICMP echo request to us → echo reply
    if (il >= 42 && u16(b, io + 12) === 0x0800 && b[io + 23] === 1 && u32(b, io + 30) === INNER_OURS && b[io + 34] === 8) {
      seen.echoRequests++;
      const ipLen = u16(b, io + 16);
      const n = 14 + ipLen;
      out.set(b.subarray(io, io + n), H);
      writeMac(out, H, readMac(b, io + 6));
      writeMac(out, H + 6, OUR_INNER_MAC);
      const ip = H + 14;
      put32(out, ip + 12, INNER_OURS);
      put32(out, ip + 16, u32(b, io + 26));
      out[ip + 8] = 64;
      put16(out, ip + 10, 0);
      put16(out, ip + 10, internetChecksum(out, ip, 20));
      const icmp = ip + ((out[ip]! & 15) << 2);
      out[icmp] = 0;
      put16(out, icmp + 2, 0);
      put16(out, icmp + 2, internetChecksum(out, icmp, ipLen - (icmp - ip)));
      send(n, readMac(out, H));
    }
  });

  const ping = spawn('ip', ['netns', 'exec', ns, 'ping', '-c', '3', '-i', '0.2', '-W', '2', '10.42.0.2']);
  let stdout = '';
  ping.stdout.on('data', (d) => (stdout += d));
  const code = await new Promise<number>((resolve) => {
    const timer = setTimeout(() => ping.kill('SIGKILL'), 20_000);
    ping.on('close', (c) => { clearTimeout(timer); resolve(c ?? -1); });
  });
  t.equal(code, 0, `kernel ping over vxlan0 succeeds:\n${stdout}`);
  t.match(stdout, /3 packets transmitted, 3 received/);
  t.ok(seen.underlayArp >= 1, 'kernel resolved our underlay address');
  t.ok(seen.innerArp >= 1, 'we decapsulated the kernel\'s inner ARP request');
  t.ok(seen.echoRequests >= 3, `we decapsulated ${seen.echoRequests} inner echo requests`);
  t.equal(seen.badVni, 0);
  t.ok(seen.sent >= 4, 'we encapsulated the ARP reply and echo replies');
  // Linux's vxlan source ports come from udp_flow_src_port over ip_local_port_range (srcport 0 0).
  const [lo, hi] = nsx('sysctl', '-n', 'net.ipv4.ip_local_port_range').trim().split(/\s+/).map(Number);
  t.ok(seen.kernelSports.every((p) => p >= lo! && p <= hi!), `kernel sports ${[...new Set(seen.kernelSports)].join(',')} within ${lo}-${hi}`);
  t.comment(`kernel outer UDP checksums nonzero on ${seen.kernelCsumNonzero}/${seen.kernelSports.length} frames (accepted either way)`);
  // our FDB learned the kernel's vxlan0 MAC behind its underlay address
  t.same(fdb.show('vxlan0'), [`${macToString(kernelVxlanMac)} dst 192.0.2.1 self `]);
  // and the kernel learned our inner MAC behind our VTEP: same line format as ours
  const kfdb = nsx('bridge', 'fdb', 'show', 'dev', 'vxlan0').split('\n').filter(Boolean);
  t.ok(kfdb.includes(`${macToString(OUR_INNER_MAC)} dst 192.0.2.2 self `), `kernel fdb:\n${kfdb.join('\n')}`);
  t.ok(kfdb.includes(`00:00:00:00:00:00 dst 192.0.2.2 via ${tap} self permanent`));
});
