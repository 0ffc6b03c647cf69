// RawIpPort against the real kernel. Two throwaway namespaces joined by a veth pair:
//   A: veth 10.77.<x>.1/24   ←→   B: veth 10.77.<x>.2/24
// A child process runs the port inside A (`ip netns exec A node --import tsx <this file>` with
// WIRESTACK_RAW_CHILD set), sends an ICMP echo request we built byte by byte to B's address and a
// UDP datagram to a closed port there, and prints what came back; the parent checks every field.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { put16, put32, u16, u32, u8 } from '../../src/bytes.ts';
import { internetChecksum, pseudoHeaderSum } from '../../src/ip/checksum.ts';

const A_IP = 0x0a4d0001; // 10.77.0.1
const B_IP = 0x0a4d0002; // 10.77.0.2
const ID = 0x5157;

/** IPv4 header (RFC 791 §3.1) with DF, TTL 64, no options; returns the header length. */
function ipHeader(b: Uint8Array, proto: number, payloadLen: number, id: number): number {
  b[0] = 0x45;
  b[1] = 0;
  put16(b, 2, 20 + payloadLen);
  put16(b, 4, id);
  put16(b, 6, 0x4000);
  b[8] = 64;
  b[9] = proto;
  put16(b, 10, 0);
  put32(b, 12, A_IP);
  put32(b, 16, B_IP);
  put16(b, 10, internetChecksum(b, 0, 20));
  return 20;
}

async function child(): Promise<void> {
  const { openRawIp } = await import('../../src/tap/raw-ip-port.ts');
  const port = openRawIp({ name: 'raw-test', protocols: [1] });
  const got: string[] = [];
  port.attach((b, o, len) => {
    got.push(Buffer.from(b.subarray(o, o + len)).toString('hex'));
    if (got.length >= 2) finish();
  });
  const pkt = new Uint8Array(128);
  // ICMP echo request (RFC 792): type 8, code 0, id, seq 1, 16 bytes of payload.
  const h = ipHeader(pkt, 1, 8 + 16, 0x1234);
  pkt[h] = 8;
  pkt[h + 1] = 0;
  put16(pkt, h + 4, ID);
  put16(pkt, h + 6, 1);
  for (let i = 0; i < 16; i++) pkt[h + 8 + i] = 0x61 + i;
  put16(pkt, h + 2, internetChecksum(pkt, h, 24));
  port.transmit(pkt, 0, h + 24);
  // UDP (RFC 768) to a closed port: B's kernel answers ICMP port unreachable.
  const u = new Uint8Array(64);
  const uh = ipHeader(u, 17, 8 + 4, 0x1235);
  put16(u, uh, 40000);
  put16(u, uh + 2, 9); // discard: nobody listens in B
  put16(u, uh + 4, 12);
  u.set([1, 2, 3, 4], uh + 8);
  put16(u, uh + 6, internetChecksum(u, uh, 12, pseudoHeaderSum(A_IP, B_IP, 17, 12)));
  port.transmit(u, 0, uh + 12);
  const timer = setTimeout(finish, 3000);
  function finish() {
    clearTimeout(timer);
    port.close();
    process.stdout.write(JSON.stringify({ got, stats: port.stats }) + '\n');
  }
}

if (process.env.WIRESTACK_RAW_CHILD) {
  await child();
} else {
  const { default: t } = await import('tap');
  const { needPeer, run, uniqueName } = await import('../helpers/peers.ts');

  t.test('RawIpPort exchanges IPv4 packets with the kernel of another namespace', async (t) => {
    if (!needPeer(t, 'netns')) return;
    const a = uniqueName('wsra');
    const b = uniqueName('wsrb');
    const va = uniqueName('wsva');
    t.teardown(() => {
      run('ip', ['netns', 'del', a]);
      run('ip', ['netns', 'del', b]);
    });
    const must = (args: string[]) => {
      const r = run('ip', args);
      if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    };
    must(['netns', 'add', a]);
    must(['netns', 'add', b]);
    must(['-n', a, 'link', 'add', va, 'type', 'veth', 'peer', 'name', 'peer0', 'netns', b]);
    must(['-n', a, 'addr', 'add', '10.77.0.1/24', 'dev', va]);
    must(['-n', b, 'addr', 'add', '10.77.0.2/24', 'dev', 'peer0']);
    must(['-n', a, 'link', 'set', va, 'up']);
    must(['-n', b, 'link', 'set', 'peer0', 'up']);

    const c = spawn('ip', ['netns', 'exec', a, process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, WIRESTACK_RAW_CHILD: '1' },
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((r) => c.on('close', r));
    clearTimeout(timer);
    t.equal(code, 0, `child exited cleanly ${err}`);
    const res = JSON.parse(out) as { got: string[]; stats: Record<string, number> };
    const pkts = res.got.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
    t.equal(res.stats.txPackets, 2, 'both packets were accepted by the kernel');
    t.equal(res.stats.txMalformed, 0);

    const reply = pkts.find((p) => u8(p, 20) === 0);
    t.ok(reply, 'an ICMP echo reply arrived');
    if (!reply) return;
    t.equal(u8(reply, 0), 0x45, 'IPv4, 20-byte header (raw sockets deliver the IP header)');
    t.equal(u16(reply, 2), reply.length, 'total length = packet length');
    t.equal(u8(reply, 8), 64, "B's TTL");
    t.equal(u8(reply, 9), 1, 'protocol ICMP');
    t.equal(u32(reply, 12), B_IP, 'from B');
    t.equal(u32(reply, 16), A_IP, 'to A');
    t.equal(internetChecksum(reply, 0, 20), 0, 'valid IP header checksum');
    t.equal(u8(reply, 21), 0, 'code 0');
    t.equal(u16(reply, 24), ID, 'identifier echoed');
    t.equal(u16(reply, 26), 1, 'sequence echoed');
    t.equal(Buffer.from(reply.subarray(28)).toString(), 'abcdefghijklmnop', 'payload echoed');
    t.equal(internetChecksum(reply, 20, reply.length - 20), 0, 'valid ICMP checksum');

    const unreach = pkts.find((p) => u8(p, 20) === 3);
    t.ok(unreach, 'the closed UDP port drew an ICMP destination unreachable');
    if (!unreach) return;
    t.equal(u8(unreach, 21), 3, 'code 3: port unreachable');
    t.equal(u32(unreach, 12), B_IP);
    t.equal(u32(unreach, 28 + 16), B_IP, 'it quotes our UDP packet (its destination)');
    t.equal(u16(unreach, 28 + 20 + 2), 9, 'and its destination port');
  });

  t.test('transmit counts what is not IPv4 instead of sending it', async (t) => {
    if (!needPeer(t, 'netns')) return;
    const { openRawIp } = await import('../../src/tap/raw-ip-port.ts');
    const p = openRawIp({ protocols: [1] });
    t.teardown(() => p.close());
    t.equal(p.medium, 'ip');
    p.transmit(new Uint8Array(10), 0, 10);
    p.transmit(new Uint8Array(40).fill(0x60), 0, 40);
    t.equal(p.stats.txMalformed, 2);
    t.equal(p.stats.txPackets, 0);
    t.throws(() => openRawIp({ protocols: [0] }), { message: 'raw IPv4 port: protocol 0 is not 1..254' });
  });
}
