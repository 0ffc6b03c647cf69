// A spec exercising every layer kind and the awkward cases (QinQ, fragments, IP options, ICMP quotes,
// DNS answers of several types, EDNS0, zero UDP checksum, padding): shared by the tshark and CLI tests.
const A = '02:00:00:00:00:01';
const B = '02:00:00:00:00:02';
const eth = { ether: { src: A, dst: B } };
const ethBack = { ether: { src: B, dst: A } };

export const richSpec = {
  start: 0,
  interval: 0.000125,
  packets: [
    { layers: [{ ether: { src: A } }, { arp: { op: 'request', hwsrc: A, psrc: '10.0.0.1', pdst: '10.0.0.2' } }] },
    { layers: [ethBack, { arp: { op: 'reply', hwsrc: B, psrc: '10.0.0.2', hwdst: A, pdst: '10.0.0.1' } }] },
    { layers: [{ ether: { src: A } }, { arp: { op: 2, hwsrc: A, psrc: '10.0.0.1', pdst: '10.0.0.1' } }] },
    { layers: [eth, { vlan: { vid: 10, pcp: 5 } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 3, df: true } }, { udp: { sport: 1234, dport: 5000 } }, { raw: { text: 'vlan tagged' } }] },
    { layers: [eth, { vlan: { tpid: '802.1ad', vid: 100, pcp: 1 } }, { vlan: { vid: 20, dei: 1 } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', id: 0x4242, tos: 0xb8 } }, { icmp: { type: 8, id: 7, seq: 9 } }, { raw: { hex: '00112233445566778899' } }] },
    { layers: [eth, { vlan: { vid: 30 } }, { arp: { op: 'request', hwsrc: A, psrc: '10.0.0.1', pdst: '10.0.0.9' } }] },
    { layers: [ethBack, { ipv4: { src: '10.0.0.2', dst: '10.0.0.1', id: 0 } }, { icmp: { type: 0, id: 7, seq: 9 } }, { raw: { len: 56, fill: 0x42 } }] },
    { layers: [eth, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', options: [{ type: 148, data: '0000' }, 'nop', { type: 7, length: 11, data: '040a00000100000000' }] } }, { udp: { sport: 7777, dport: 7777 } }, { raw: { text: 'with options' } }] },
    { layers: [eth, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', id: 0x1111, mf: true } }, // two fragments of one UDP datagram (8 + 40 bytes of 0x01); 0xb836 is its checksum over all of it
      { udp: { sport: 4000, dport: 4001, len: 8 + 40, checksum: 0xb836 } }, { raw: { len: 16, fill: 1 } }] },
    { layers: [eth, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', id: 0x1111, frag: 3, proto: 17 } }, { raw: { len: 24, fill: 1 } }] },
    { layers: [eth, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { sport: 9999, dport: 9, checksum: 0 } }, { raw: { text: 'no checksum' } }] },
    { layers: [eth, { ipv4: { src: '10.0.0.1', dst: '10.0.0.53', id: 2 } }, { udp: { sport: 33333, dport: 53 } }, { dns: { id: 0x1234, qd: [{ name: 'www.example.com', type: 'A' }], edns: { size: 1232 } } }] },
    {
      layers: [ethBack, { ipv4: { src: '10.0.0.53', dst: '10.0.0.1', id: 3 } }, { udp: { sport: 53, dport: 33333 } }, {
        dns: {
          id: 0x1234, qr: true, aa: true, ra: true, qd: [{ name: 'www.example.com', type: 'A' }],
          an: [
            { name: 'www.example.com', type: 'CNAME', ttl: 300, data: 'web.example.com' },
            { name: 'web.example.com', type: 'A', ttl: 60, data: '10.1.2.3' },
            { name: 'web.example.com', type: 'A', ttl: 60, data: '10.1.2.4' },
          ],
          ns: [{ name: 'example.com', type: 'NS', ttl: 3600, data: 'ns1.example.com' }],
          ar: [{ name: 'ns1.example.com', type: 'AAAA', ttl: 3600, data: '2001:db8::53' }],
        },
      }],
    },
    { layers: [ethBack, { ipv4: { src: '10.0.0.53', dst: '10.0.0.1', id: 4 } }, { udp: { sport: 53, dport: 33334 } }, { dns: { id: 7, qr: true, rcode: 3, qd: [{ name: 'nope.example.com', type: 'MX' }] } }] },
    { layers: [ethBack, { ipv4: { src: '10.0.0.53', dst: '10.0.0.1', id: 5 } }, { udp: { sport: 53, dport: 33335 } }, { dns: { id: 8, qr: true, qd: [{ name: 'example.com', type: 'MX' }], an: [{ name: 'example.com', type: 'MX', ttl: 10, data: '10 mail.example.com' }] } }] },
    { layers: [ethBack, { ipv4: { src: '10.0.0.2', dst: '10.0.0.1', id: 6 } }, { icmp: { type: 3, code: 3 } }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', id: 77 } }, { udp: { sport: 1234, dport: 5555 } }, { raw: { text: 'payload that was not wanted' } }] },
    { layers: [ethBack, { ipv4: { src: '10.0.0.254', dst: '10.0.0.1', id: 7 } }, { icmp: { type: 11, code: 0, quote: 28 } }, { ipv4: { src: '10.0.0.1', dst: '192.0.2.1', ttl: 1, id: 78 } }, { udp: { sport: 33434, dport: 33435 } }, { raw: { len: 32 } }] },
    { layers: [ethBack, { ipv4: { src: '10.0.0.254', dst: '10.0.0.1', id: 8 } }, { icmp: { type: 3, code: 4, mtu: 1400, quote: 28 } }, { ipv4: { src: '10.0.0.1', dst: '192.0.2.1', df: true, id: 79 } }, { udp: { sport: 5000, dport: 6000 } }, { raw: { len: 1472 } }] },
    { layers: [eth, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2', id: 9 } }, { udp: { sport: 1, dport: 2 } }, { raw: { text: 'x' } }, { padding: { hex: 'deadbeef' } }] },
    { count: 3, layers: [eth, { ipv4: { src: { start: '10.0.1.1', step: 2 }, dst: '10.0.0.2', id: { start: 500, step: 1 } } }, { udp: { sport: { start: 20000, step: 1 }, dport: 20000 } }, { raw: { text: 'burst' } }] },
  ],
};

/** Field names the issue asks for; the comparison uses every field our JSON produces, these included. */
export const requiredFields = [
  'frame.number', 'frame.time_epoch', 'frame.len', 'eth.src', 'eth.dst', 'eth.type', 'vlan.id', 'vlan.etype',
  'vlan.priority', 'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4',
  'ip.version', 'ip.hdr_len', 'ip.dsfield', 'ip.len', 'ip.id', 'ip.flags.df', 'ip.flags.mf', 'ip.frag_offset', 'ip.ttl',
  'ip.proto', 'ip.checksum', 'ip.src', 'ip.dst', 'icmp.type', 'icmp.code', 'icmp.checksum', 'icmp.ident', 'icmp.seq',
  'icmp.mtu', 'udp.srcport', 'udp.dstport', 'udp.length', 'udp.checksum', 'dns.id', 'dns.flags.response',
  'dns.flags.opcode', 'dns.flags.rcode', 'dns.flags.authoritative', 'dns.flags.truncated', 'dns.count.queries',
  'dns.count.answers', 'dns.qry.name', 'dns.qry.type', 'dns.a', 'dns.aaaa', 'dns.cname', 'dns.resp.ttl',
];
