// `wirestack run … --pcapng out/x.pcapng` must work in a fresh clone where out/ does not exist yet.
import t from 'tap';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '../../src/cli/commands/run.ts';

t.test('--pcapng creates missing parent directories', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-run-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'not', 'yet', 'there.pcapng');
  const { exit } = await runScript('ip netns add red\nip -n red link set lo up\nip netns exec red ping -c 1 127.0.0.1\n', { pcapng: file });
  t.equal(exit, 0);
  t.ok(existsSync(file), 'capture written');
  t.ok(statSync(file).size > 100, 'capture holds the SHB, IDBs and the loopback echo');
});
