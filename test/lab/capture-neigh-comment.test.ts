// A NAT capture comment goes on the frame that carries the translated packet, also when that
// packet first waits for ARP resolution (the ARP request sent meanwhile gets no comment).
// Read back with tshark (examples/primer/06-nat-corrected.sh, as QA ran it).
import t from 'tap';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '../../src/cli/commands/run.ts';
import { needPeer, run } from '../helpers/peers.ts';

t.test('MASQUERADE comment on the translated echo request, not on the ARP request', async (t) => {
  needPeer(t, 'tshark');
  const dir = mkdtempSync(join(tmpdir(), 'ws-neigh-comment-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, '06.pcapng');
  await runScript(readFileSync(new URL('../../examples/primer/06-nat-corrected.sh', import.meta.url), 'utf8'), { pcapng: f });
  const rows = run('tshark', ['-r', f, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.interface_name', '-e', 'frame.comment', '-e', '_ws.col.Info']).stdout.trim().split('\n');
  const masq = rows.filter((r) => /MASQUERADE by nat\/POSTROUTING rule 1/.test(r));
  t.ok(masq.length >= 1, 'the comment is there');
  // the received frame that caused it (on v-net-0) and the translated one leaving veth-out
  for (const r of masq) t.match(r, /^root\/(v-net-0|veth-out)\|[^|]+\|Echo \(ping\) request .*seq=1\//, r);
  t.ok(masq.some((r) => r.startsWith('root/veth-out|')), 'the translated echo request on veth-out carries it');
  t.notOk(rows.some((r) => /Who has/.test(r) && /MASQUERADE/.test(r)), 'no ARP request carries it');
});
