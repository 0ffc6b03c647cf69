// scapy builds the same packets as our craft specs, and the bytes are identical. scapy does not pad to
// the Ethernet minimum, so its bytes are zero-padded to 60 as a NIC (and our builder) does.
import t from 'tap';
import { needPeer, python } from '../helpers/peers.ts';
import { buildStack } from '../../src/packet/build.ts';
import { toHex } from '../../src/bytes.ts';

const A = '02:00:00:00:00:01', B = '02:00:00:00:00:02';
const cases: [string, unknown[], string][] = [
  ['ARP request', [{ ether: { src: A, dst: 'ff:ff:ff:ff:ff:ff' } }, { arp: { op: 'request', hwsrc: A, psrc: '10.0.0.1', pdst: '10.0.0.2' } }],
    `Ether(src='${A}',dst='ff:ff:ff:ff:ff:ff')/ARP(op=1,hwsrc='${A}',psrc='10.0.0.1',hwdst='00:00:00:00:00:00',pdst='10.0.0.2')`],
  ['ARP reply', [{ ether: { src: B, dst: A } }, { arp: { op: 'reply', hwsrc: B, psrc: '10.0.0.2', hwdst: A, pdst: '10.0.0.1' } }],
    `Ether(src='${B}',dst='${A}')/ARP(op=2,hwsrc='${B}',psrc='10.0.0.2',hwdst='${A}',pdst='10.0.0.1')`],
  ['802.1Q UDP', [{ ether: { src: A, dst: B } }, { vlan: { vid: 10, pcp: 5 } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 3, df: true } }, { udp: { sport: 1234, dport: 53 } }, { raw: { hex: '0102030405' } }],
    `Ether(src='${A}',dst='${B}')/Dot1Q(vlan=10,prio=5)/IP(src='10.0.0.1',dst='10.0.0.2',ttl=3,flags='DF')/UDP(sport=1234,dport=53)/Raw(bytes.fromhex('0102030405'))`],
  ['QinQ ICMP echo', [{ ether: { src: A, dst: B } }, { vlan: { tpid: '802.1ad', vid: 100 } }, { vlan: { vid: 20, dei: 1 } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', id: 0x4242, tos: 0xb8 } }, { icmp: { type: 8, id: 7, seq: 9 } }, { raw: { text: 'abcdefgh' } }],
    `Ether(src='${A}',dst='${B}',type=0x88a8)/Dot1Q(vlan=100)/Dot1Q(vlan=20,id=1)/IP(src='10.0.0.1',dst='10.0.0.2',id=0x4242,tos=0xb8)/ICMP(type=8,id=7,seq=9)/b'abcdefgh'`],
  ['IP options', [{ ether: { src: A, dst: B } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', options: [{ type: 148, data: '0000' }, 'nop', { type: 7, length: 11, data: '040a00000100000000' }] } }, { udp: { sport: 7, dport: 7 } }, { raw: { text: 'opts' } }],
    `Ether(src='${A}',dst='${B}')/IP(src='10.0.0.1',dst='10.0.0.2',options=[IPOption_Router_Alert(),IPOption_NOP(),IPOption_RR(pointer=4,routers=['10.0.0.1','0.0.0.0'])])/UDP(sport=7,dport=7)/b'opts'`],
  ['fragment', [{ ether: { src: A, dst: B } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', id: 0x1111, frag: 3, mf: true, proto: 17 } }, { raw: { len: 24, fill: 1 } }],
    `Ether(src='${A}',dst='${B}')/IP(src='10.0.0.1',dst='10.0.0.2',id=0x1111,frag=3,flags='MF',proto=17)/(b'\\x01'*24)`],
  ['port unreachable quoting', [{ ether: { src: B, dst: A } }, { ipv4: { src: '10.0.0.2', dst: '10.0.0.1' } }, { icmp: { type: 3, code: 3 } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', id: 77 } }, { udp: { sport: 1234, dport: 5555 } }, { raw: { text: 'payload' } }],
    `Ether(src='${B}',dst='${A}')/IP(src='10.0.0.2',dst='10.0.0.1')/ICMP(type=3,code=3)/IP(src='10.0.0.1',dst='10.0.0.2',id=77)/UDP(sport=1234,dport=5555)/b'payload'`],
  ['frag needed', [{ ether: { src: B, dst: A } }, { ipv4: { src: '10.0.0.254', dst: '10.0.0.1' } }, { icmp: { type: 3, code: 4, mtu: 1400 } }, { ipv4: { src: '10.0.0.1', dst: '192.0.2.1', df: true } }, { udp: { sport: 5000, dport: 6000 } }],
    `Ether(src='${B}',dst='${A}')/IP(src='10.0.0.254',dst='10.0.0.1')/ICMP(type=3,code=4,nexthopmtu=1400)/IP(src='10.0.0.1',dst='192.0.2.1',flags='DF')/UDP(sport=5000,dport=6000)`],
  ['bad checksums on purpose', [{ ether: { src: A, dst: B } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', checksum: 0x1234, len: 99 } }, { udp: { checksum: 0xbeef, len: 20 } }, { raw: { text: 'x' } }],
    `Ether(src='${A}',dst='${B}')/IP(src='10.0.0.1',dst='10.0.0.2',chksum=0x1234,len=99)/UDP(chksum=0xbeef,len=20)/b'x'`],
  ['DNS query', [{ ether: { src: A, dst: B } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.53' } }, { udp: { sport: 33333, dport: 53 } }, { dns: { id: 0x1234, qd: [{ name: 'www.example.com', type: 'AAAA' }] } }],
    `Ether(src='${A}',dst='${B}')/IP(src='10.0.0.1',dst='10.0.0.53')/UDP(sport=33333,dport=53)/DNS(id=0x1234,rd=1,qd=DNSQR(qname='www.example.com',qtype='AAAA'))`],
  ['DNS answer (uncompressed, as scapy writes)', [{ ether: { src: B, dst: A } }, { ipv4: { src: '10.0.0.53', dst: '10.0.0.1' } }, { udp: { sport: 53, dport: 33333 } }, { dns: { id: 5, qr: true, aa: true, rd: false, compress: false, qd: ['a.example'], an: [{ name: 'a.example', ttl: 60, data: '10.1.2.3' }] } }],
    `Ether(src='${B}',dst='${A}')/IP(src='10.0.0.53',dst='10.0.0.1')/UDP(sport=53,dport=33333)/DNS(id=5,qr=1,aa=1,rd=0,qd=DNSQR(qname='a.example'),an=DNSRR(rrname='a.example',ttl=60,rdata='10.1.2.3'))`],
  ['padding after the datagram', [{ ether: { src: A, dst: B } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { sport: 1, dport: 2 } }, { raw: { text: 'x' } }, { padding: { hex: 'deadbeef' } }],
    `Ether(src='${A}',dst='${B}')/IP(src='10.0.0.1',dst='10.0.0.2')/UDP(sport=1,dport=2)/b'x'/Padding(bytes.fromhex('deadbeef'))`],
];

t.test('scapy builds byte-identical frames', async (t) => {
  if (!needPeer(t, 'scapy')) return;
  const script = 'from scapy.all import *\nimport sys\n' +
    cases.map(([, , expr]) => `sys.stdout.write(bytes(${expr}).ljust(60, b'\\0').hex() + '\\n')`).join('\n');
  const lines = python(script).trim().split('\n');
  t.equal(lines.length, cases.length);
  cases.forEach(([name, layers], i) => {
    t.equal(toHex(buildStack(layers, 'layers')), lines[i], name);
  });
});
