// tshark 4.0 reads every capture we craft (pcap and pcapng) with checksum validation on and finds no
// malformed packet and no error-level expert info; its `-T fields` values equal our `inspect --json`
// field by field, and its packet list equals ours line by line.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeer, run } from '../helpers/peers.ts';
import { craftToFile } from '../../src/cli/commands/craft.ts';
import { inspectFrames, packetList } from '../../src/cli/commands/inspect.ts';
import { tsharkText } from '../../src/packet/fields.ts';
import { richSpec, requiredFields } from './rich-spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'ws-tshark-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

for (const ext of ['pcap', 'pcapng']) {
  t.test(`tshark agrees with a crafted .${ext}`, async (t) => {
    if (!needPeer(t, 'tshark')) return;
    const file = join(dir, `rich.${ext}`);
    const { frames } = craftToFile(richSpec, file);
    t.equal(frames, 22);

    // no malformed packets, no checksum (or other error-level) expert info; fragments reassembled
    const bad = run('tshark', ['-r', file, '-n', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
      '-Y', '_ws.malformed || _ws.expert.severity >= error']);
    t.equal(bad.status, 0, bad.stderr);
    t.equal(bad.stdout, '', 'tshark flags no frame');

    // field by field; we do not reassemble fragments, so neither may tshark
    const ours = [...inspectFrames(file)].map((f) => f.fields);
    const names = [...new Set(ours.flatMap((o) => Object.keys(o)))];
    for (const f of requiredFields) t.ok(names.includes(f), `the rich spec exercises ${f}`);
    const r = run('tshark', ['-r', file, '-n', '-o', 'ip.defragment:FALSE', '-T', 'fields', '-E', 'occurrence=a',
      ...names.flatMap((n) => ['-e', n])]);
    t.equal(r.status, 0, r.stderr);
    const rows = r.stdout.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
    t.equal(rows.length, ours.length);
    const mismatches: string[] = [];
    rows.forEach((row, i) => names.forEach((n, j) => {
      const o = tsharkText(ours[i]![n]);
      if (o !== row[j]) mismatches.push(`frame ${i + 1} ${n}: ours ${JSON.stringify(o)} tshark ${JSON.stringify(row[j])}`);
    }));
    t.same(mismatches, [], `${names.length} fields × ${rows.length} frames equal`);

    // the packet list, line for line
    const list = run('tshark', ['-r', file, '-n', '-o', 'ip.defragment:FALSE']);
    const lines: string[] = [];
    packetList(file, (l) => lines.push(l));
    t.same(lines, list.stdout.replace(/\n$/, '').split('\n'));
  });
}

t.test('tshark also passes snaplen-truncated records as truncated, not malformed', async (t) => {
  if (!needPeer(t, 'tshark')) return;
  const file = join(dir, 'trunc.pcapng');
  craftToFile([46, 60, 100].map((snaplen) => ({
    snaplen, layers: [{ ether: {} }, { ipv4: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { sport: 30000, dport: 9 } }, { raw: { len: 100 } }],
  })), file);
  const r = run('tshark', ['-r', file, '-n']);
  const lines: string[] = [];
  packetList(file, (l) => lines.push(l));
  // tshark's heuristic dissectors claim the fuller records (port 9 + zeros → "ADwin Config"): compare the first
  t.equal(lines[0], r.stdout.split('\n')[0]);
  for (const l of lines) t.match(l, /Len=100\[Packet size limited during capture\]$/);
  t.match(lines[0], /UDP 142 30000 → 9 Len=100\[Packet size limited during capture\]$/);
  const bad = run('tshark', ['-r', file, '-n', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-Y', '_ws.malformed || _ws.expert.severity >= error']);
  t.equal(bad.stdout, '');
});
