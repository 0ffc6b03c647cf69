// `wirestack dns serve` as a real process: prints its address, answers dig, exits 0 on SIGTERM.
import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { bufferIo } from '../../src/cli/command.ts';
import { needPeer, run } from '../helpers/peers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const zone = fileURLToPath(new URL('./fixtures/example.com.zone', import.meta.url));

t.test('usage errors exit 2; --help exits 0', async (t) => {
  let io = bufferIo();
  t.equal(await main(['dns', 'serve'], io), 2);
  t.match(io.stderr, /at least one --zone/);
  io = bufferIo();
  t.equal(await main(['dns', 'serve', '--zone', zone, '--listen', 'nope'], io), 2);
  t.match(io.stderr, /--listen: expected ADDR:PORT/);
  io = bufferIo();
  t.equal(await main(['dns', 'bogus'], io), 2);
  io = bufferIo();
  t.equal(await main(['dns', '--help'], io), 0);
  t.match(io.stdout, /--zone FILE/);
  io = bufferIo();
  t.equal(await main(['dns', 'serve', '--zone', '/nonexistent.zone'], io), 1, 'a missing file is a failure, not usage');
});

t.test('serve: dig answers, SIGTERM exits 0', async (t) => {
  if (!needPeer(t, 'dig')) return;
  const p = spawn(process.execPath, ['bin/wirestack.js', 'dns', 'serve', '--zone', zone, '--listen', '127.0.0.1:0'], { cwd: root });
  t.teardown(() => { if (p.exitCode === null) p.kill('SIGKILL'); });
  let stdout = '', stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 15000);
    p.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening on 127\.0\.0\.1:(\d+) \(udp\)/.exec(stdout);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
  });
  const r = run('dig', ['@127.0.0.1', '-p', String(port), 'mail.example.com', 'A', '+short', '+time=2', '+tries=1']);
  t.equal(r.stdout.trim(), '192.0.2.25');
  const code = await new Promise<number | null>((resolve) => { p.on('exit', (c) => resolve(c)); p.kill('SIGTERM'); });
  t.equal(code, 0);
  t.match(stderr, /served 1 responses to 1 queries/);
});
