// The lazy loader: when the addon cannot be used, the first use says why, with one stable prefix.
import t from 'tap';
import { loadAddonUncached, TAP_PREFIX, RAW_PREFIX, DEFAULT_ADDON_PATH } from '../../src/tap/addon.ts';

t.test('missing addon file', async (t) => {
  t.throws(() => loadAddonUncached({ path: '/nonexistent/wirestack_tap.node', platform: 'linux', caps: -1n }), {
    message: `${TAP_PREFIX}the native addon /nonexistent/wirestack_tap.node is missing (it is built on npm ci; run \`npx node-gyp rebuild\` and read its errors)`,
  });
});

t.test('not Linux', async (t) => {
  t.throws(() => loadAddonUncached({ platform: 'darwin' }), {
    message: `${TAP_PREFIX}this is darwin; TAP devices and raw sockets are Linux-only here`,
  });
});

t.test('capabilities: CAP_NET_ADMIN for TAP, CAP_NET_RAW for raw sockets', async (t) => {
  const path = process.execPath; // exists; never loaded because the capability check fails first
  t.throws(() => loadAddonUncached({ path, platform: 'linux', caps: 0n }), {
    message: new RegExp(`^${TAP_PREFIX}this process lacks CAP_NET_ADMIN`),
  });
  t.throws(() => loadAddonUncached({ path, platform: 'linux', caps: 1n << 12n, need: 'raw' }), {
    message: new RegExp(`^${RAW_PREFIX}this process lacks CAP_NET_RAW`),
  });
});

t.test('a file that is not an addon', async (t) => {
  t.throws(() => loadAddonUncached({ path: '/etc/hostname', platform: 'linux', caps: -1n }), {
    message: new RegExp(`^${TAP_PREFIX}cannot load /etc/hostname: `),
  });
});

t.test('the built addon loads and exposes its functions', async (t) => {
  if (process.platform !== 'linux') return t.plan(0, 'Linux only');
  const a = loadAddonUncached({ caps: -1n, path: DEFAULT_ADDON_PATH });
  for (const f of ['tapOpen', 'rawOpen', 'write', 'sendTo', 'read', 'close', 'setBlocking', 'Reader'] as const)
    t.type(a[f], 'function', f);
  t.equal(a.close(-1), -22, 'bad fd is -EINVAL, not an exception');
});
