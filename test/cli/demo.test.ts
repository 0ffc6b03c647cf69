// `npm start` runs `wirestack demo`: the primer walkthrough in a lab plus a crafted sample. Both
// captures it writes must open cleanly in tshark, and the walkthrough's pings must succeed.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { bufferIo } from '../../src/cli/command.ts';
import { needPeer, run } from '../helpers/peers.ts';

t.test('demo runs the primer walkthrough and the crafted sample', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-demo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const io = bufferIo();
  const code = await main(['demo', '--out', dir], io);
  t.equal(code, 0, io.stderr);
  t.match(io.stdout, /2 packets transmitted, 2 received, 0% packet loss/);
  t.match(io.stdout, /9 frames verified/);

  t.test('tshark reads both captures with no malformed packet or bad checksum', async (t) => {
    if (!needPeer(t, 'tshark')) return;
    for (const f of ['primer.pcapng', 'demo.pcapng']) {
      const r = run('tshark', ['-r', join(dir, f), '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
        '-Y', '_ws.malformed || _ws.expert.severity >= error']);
      t.equal(r.status, 0, r.stderr);
      t.equal(r.stdout.trim(), '', `${f}: no malformed or error-level frames`);
      const all = run('tshark', ['-r', join(dir, f)]);
      t.ok(all.stdout.trim().split('\n').length >= 9, `${f}: has frames`);
    }
    const icmp = run('tshark', ['-r', join(dir, 'primer.pcapng'), '-Y', 'icmp.type == 0']);
    t.ok(icmp.stdout.trim().split('\n').length >= 4, 'primer capture has the echo replies');
  });
});
