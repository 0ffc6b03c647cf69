// Netfilter hooks end to end on packets built by scapy: MASQUERADE and its reply byte for byte
// (checksums included), two inside hosts on one source port, an ICMP error quoting a NATed flow,
// DNAT port forwarding, filter REJECT, truncated headers, timeouts on an explicit clock, and a
// 100k new-flow flood that must not disturb an assured flow.
import t from 'tap';
import { needPeer, python } from '../helpers/peers.ts';
import { Netfilter, NfVerdict } from '../../src/nat/netfilter.ts';
import { iptables } from '../../src/nat/iptables-cli.ts';
import { conntrack } from '../../src/nat/conntrack-cli.ts';
import { parseIpv4Address } from '../../src/ip/address.ts';

function scapy(exprs: Record<string, string>): Record<string, Uint8Array> {
  const body = Object.entries(exprs).map(([k, e]) => `print(${JSON.stringify(k)}, bytes(${e}).hex())`).join('\n');
  const out: Record<string, Uint8Array> = {};
  for (const line of python(`from scapy.all import *\n${body}`).trim().split('\n')) {
    const [k, h] = line.split(' ');
    out[k!] = Uint8Array.from(Buffer.from(h!, 'hex'));
  }
  return out;
}
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const WAN = parseIpv4Address('10.0.0.2');

function gateway() {
  const nf = new Netfilter({ seed: 7, max: 4096 });
  for (const l of ['-t nat -A POSTROUTING -s 192.168.12.0/24 -j MASQUERADE', '-t nat -A PREROUTING -i eth1 -p tcp --dport 8080 -j DNAT --to-destination 192.168.12.2:80'])
    if (iptables(nf.rules, l.split(" ")).status !== 0) throw new Error(l);
  const lan = nf.ifId('eth0'), wan = nf.ifId('eth1');
  /** forwarded packet lan→wan or wan→lan through prerouting, forward, postrouting */
  const fwd = (p: Uint8Array, inIf: number, outIf: number, now: number) => {
    let v = nf.prerouting(p, 0, p.length, inIf, now);
    if (v !== NfVerdict.ACCEPT) return v;
    v = nf.forward(p, 0, p.length, inIf, outIf, now);
    if (v !== NfVerdict.ACCEPT) return v;
    return nf.postrouting(p, 0, p.length, outIf, WAN, now);
  };
  return { nf, lan, wan, fwd };
}

t.test('MASQUERADE, replies, port clash, ICMP error: byte-exact against scapy', (t) => {
  if (!needPeer(t, 'scapy')) return t.end();
  const P = scapy({
    out1: 'IP(src="192.168.12.2",dst="10.0.0.1",id=1,ttl=63)/UDP(sport=40000,dport=53)/b"query"',
    out1n: 'IP(src="10.0.0.2",dst="10.0.0.1",id=1,ttl=63)/UDP(sport=40000,dport=53)/b"query"',
    rep1: 'IP(src="10.0.0.1",dst="10.0.0.2",id=9,ttl=64)/UDP(sport=53,dport=40000)/b"answer"',
    rep1n: 'IP(src="10.0.0.1",dst="192.168.12.2",id=9,ttl=64)/UDP(sport=53,dport=40000)/b"answer"',
    out2: 'IP(src="192.168.12.3",dst="10.0.0.1",id=2,ttl=63)/UDP(sport=40000,dport=53)/b"query2"',
    err: 'IP(src="10.0.0.1",dst="10.0.0.2",id=5)/ICMP(type=3,code=3)/IP(src="10.0.0.2",dst="10.0.0.1",id=1,ttl=63)/UDP(sport=40000,dport=53)/b"query"',
    errn: 'IP(src="10.0.0.1",dst="192.168.12.2",id=5)/ICMP(type=3,code=3)/IP(src="192.168.12.2",dst="10.0.0.1",id=1,ttl=63)/UDP(sport=40000,dport=53)/b"query"',
    ping: 'IP(src="192.168.12.2",dst="10.0.0.1",id=3)/ICMP(type=8,id=77,seq=1)/b"ping"',
    pingn: 'IP(src="10.0.0.2",dst="10.0.0.1",id=3)/ICMP(type=8,id=77,seq=1)/b"ping"',
    pong: 'IP(src="10.0.0.1",dst="10.0.0.2",id=4)/ICMP(type=0,id=77,seq=1)/b"ping"',
    pongn: 'IP(src="10.0.0.1",dst="192.168.12.2",id=4)/ICMP(type=0,id=77,seq=1)/b"ping"',
    syn: 'IP(src="203.0.113.9",dst="10.0.0.2",id=6)/TCP(sport=5555,dport=8080,flags="S",seq=1)',
    synn: 'IP(src="203.0.113.9",dst="192.168.12.2",id=6)/TCP(sport=5555,dport=80,flags="S",seq=1)',
    synack: 'IP(src="192.168.12.2",dst="203.0.113.9",id=7)/TCP(sport=80,dport=5555,flags="SA",seq=9,ack=2)',
    synackn: 'IP(src="10.0.0.2",dst="203.0.113.9",id=7)/TCP(sport=8080,dport=5555,flags="SA",seq=9,ack=2)',
  });
  const { nf, lan, wan, fwd } = gateway();
  const p = P.out1!.slice();
  t.equal(fwd(p, lan, wan, 0), NfVerdict.ACCEPT);
  t.equal(hex(p), hex(P.out1n!), 'SNAT to the outgoing address, port kept, checksums as scapy computes them');
  t.match(nf.comment(), /^MASQUERADE by nat\/POSTROUTING rule 1 → 10\.0\.0\.2:40000$/);
  const r = P.rep1!.slice();
  t.equal(fwd(r, wan, lan, 0.5), NfVerdict.ACCEPT);
  t.equal(hex(r), hex(P.rep1n!), 'reply translated back');
  t.equal(nf.comment(), 'un-SNAT by conntrack entry udp #0 → 192.168.12.2:40000');
  // a second inside host on the same source port gets another port (the reply tuple was taken)
  const q = P.out2!.slice();
  t.equal(fwd(q, lan, wan, 1), NfVerdict.ACCEPT);
  const newPort = (q[20]! << 8) | q[21]!;
  t.not(newPort, 40000, 'second host gets a new source port');
  t.ok(newPort >= 1024, 'from the unprivileged range');
  // ICMP port unreachable about the NATed packet: outer and quoted header translated back
  const e = P.err!.slice();
  t.equal(fwd(e, wan, lan, 2), NfVerdict.ACCEPT);
  t.equal(hex(e), hex(P.errn!), 'ICMP error RELATED: quote restored, ICMP checksum recomputed');
  // ICMP echo
  const ping = P.ping!.slice(), pong = P.pong!.slice();
  t.equal(fwd(ping, lan, wan, 3), NfVerdict.ACCEPT);
  t.equal(hex(ping), hex(P.pingn!));
  t.equal(fwd(pong, wan, lan, 3), NfVerdict.ACCEPT);
  t.equal(hex(pong), hex(P.pongn!));
  // DNAT port forward and its reply
  const syn = P.syn!.slice(), sa = P.synack!.slice();
  t.equal(fwd(syn, wan, lan, 4), NfVerdict.ACCEPT);
  t.equal(hex(syn), hex(P.synn!), 'DNAT 10.0.0.2:8080 → 192.168.12.2:80');
  t.equal(fwd(sa, lan, wan, 4), NfVerdict.ACCEPT);
  t.equal(hex(sa), hex(P.synackn!), 'reply un-DNATed');
  const l = conntrack(nf.ct, ['-L'], 4);
  t.match(l.stdout, /^udp      17 \d+ src=192\.168\.12\.2 dst=10\.0\.0\.1 sport=40000 dport=53 src=10\.0\.0\.1 dst=10\.0\.0\.2 sport=53 dport=40000 mark=0 use=1$/m);
  t.match(l.stdout, /^udp      17 26 src=192\.168\.12\.3 dst=10\.0\.0\.1 sport=40000 dport=53 \[UNREPLIED\] src=10\.0\.0\.1 dst=10\.0\.0\.2 sport=53 dport=\d+ mark=0 use=1$/m);
  t.match(l.stdout, /^tcp      6 59 SYN_RECV src=203\.0\.113\.9 dst=10\.0\.0\.2 sport=5555 dport=8080 src=192\.168\.12\.2 dst=203\.0\.113\.9 sport=80 dport=5555 mark=0 use=1$/m);
  t.match(l.stdout, /^icmp     1 28 src=192\.168\.12\.2 dst=10\.0\.0\.1 type=8 code=0 id=77 src=10\.0\.0\.1 dst=10\.0\.0\.2 type=0 code=0 id=77 mark=0 use=1$/m);
  t.equal(l.stderr, 'conntrack v1.4.7 (conntrack-tools): 4 flow entries have been shown.\n');
  t.end();
});

function udp(src: number, dst: number, sport: number, dport: number): Uint8Array {
  const b = new Uint8Array(28);
  b.set([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0]);
  new DataView(b.buffer).setUint32(12, src);
  new DataView(b.buffer).setUint32(16, dst);
  new DataView(b.buffer).setUint16(20, sport);
  new DataView(b.buffer).setUint16(22, dport);
  new DataView(b.buffer).setUint16(24, 8);
  return b;
}

t.test('truncated and malformed packets are counted drops, never throws', (t) => {
  const { nf, lan } = gateway();
  const p = udp(0xc0a80c02, 0x0a000001, 1, 2);
  t.equal(nf.prerouting(p, 0, 24, lan, 0), NfVerdict.DROP, 'IP total length beyond the buffer');
  const q = p.slice(); q[3] = 24;
  t.equal(nf.prerouting(q, 0, 24, lan, 0), NfVerdict.DROP, 'UDP header cut short');
  const tcp = new Uint8Array(30); tcp.set([0x45, 0, 0, 30, 0, 0, 0, 0, 64, 6]);
  t.equal(nf.prerouting(tcp, 0, 30, lan, 0), NfVerdict.DROP, 'TCP header shorter than 20 bytes');
  t.equal(nf.prerouting(new Uint8Array(5), 0, 5, lan, 0), NfVerdict.DROP);
  t.same(nf.counters, { bad_header: 2, truncated: 2, invalid: 0, nat_failed: 0, untracked: 0 });
  t.equal(nf.ct.count, 0, 'nothing tracked');
  t.end();
});

t.test('timeouts on an explicit clock and filter REJECT', (t) => {
  const { nf, lan, wan, fwd } = gateway();
  const p = udp(0xc0a80c02, 0x0a000001, 1000, 53);
  fwd(p.slice(), lan, wan, 0);
  t.equal(nf.ct.count, 1);
  t.equal(conntrack(nf.ct, ['-L'], 29.5).stderr.includes(' 1 flow'), true, 'alive before 30 s');
  t.equal(conntrack(nf.ct, ['-L'], 30).stdout, '', 'unreplied UDP gone after 30 s');
  fwd(p.slice(), lan, wan, 31);
  fwd(udp(0x0a000001, WAN, 53, 1000), wan, lan, 31.1);
  fwd(p.slice(), lan, wan, 34); // still talking 2 s later: stream, assured, 120 s
  t.match(conntrack(nf.ct, ['-L'], 34).stdout, / \[ASSURED\] mark=0 use=1\n$/);
  t.match(conntrack(nf.ct, ['-L'], 34).stdout, /^udp      17 119 /);
  t.equal(iptables(nf.rules, ['-A', 'FORWARD', '-p', 'udp', '--dport', '54', '-j', 'REJECT']).status, 0);
  const st = nf.prerouting(udp(0xc0a80c02, 0x0a000001, 1, 54), 0, 28, lan, 40);
  t.equal(st, NfVerdict.ACCEPT);
  t.equal(nf.forward(udp(0xc0a80c02, 0x0a000001, 1, 54), 0, 28, lan, wan, 40), NfVerdict.REJECT);
  t.equal(nf.comment(), 'REJECT by filter/FORWARD rule 1');
  t.equal(nf.ct.count, 1, 'the rejected first packet left no entry');
  t.equal(conntrack(nf.ct, ['-D', '-p', 'udp'], 40).stderr, 'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been deleted.\n');
  t.end();
});

t.test('a flood of 100k new flows: bounded table, assured flow still translated', (t) => {
  const { nf, lan, wan, fwd } = gateway();
  const mem = nf.ct.memoryBytes;
  const inside = 0xc0a80c02, server = 0x0a000001;
  fwd(udp(inside, server, 5000, 53), lan, wan, 0);
  fwd(udp(server, WAN, 53, 5000), wan, lan, 0.1);
  fwd(udp(inside, server, 5000, 53), lan, wan, 3); // assured stream
  let dropped = 0;
  for (let i = 0; i < 100_000; i++) {
    const p = udp(0xc0a80c00 + 10 + (i % 200), 0x08080808 + (i >>> 8), 1024 + (i % 60000), 53);
    if (fwd(p, lan, wan, 5) !== NfVerdict.ACCEPT) dropped++;
  }
  t.equal(nf.ct.count, nf.ct.max, 'table full, never beyond nf_conntrack_max');
  t.ok(nf.ct.stats.early_drop > 90_000, `early drops: ${nf.ct.stats.early_drop}`);
  t.equal(dropped, 0, 'every new flow found an unassured entry to evict');
  t.equal(nf.ct.memoryBytes, mem, 'memory unchanged');
  const r = udp(server, WAN, 53, 5000);
  t.equal(fwd(r, wan, lan, 6), NfVerdict.ACCEPT);
  t.equal(new DataView(r.buffer).getUint32(16), inside, 'reply of the assured flow still reaches the inside host');
  const o = udp(inside, server, 5000, 53);
  fwd(o, lan, wan, 6);
  t.equal(new DataView(o.buffer).getUint32(12), WAN, 'and its packets are still masqueraded');
  t.end();
});
