import t from 'tap';
import {
  BROADCAST_MAC, parseMac, tryParseMac, macToString, isBroadcast, isMulticast, isUnicast,
  isLocallyAdministered, macFromSeed, readMac, writeMac,
} from '../../src/ethernet/mac.ts';
import { fromHex, toHex } from '../../src/bytes.ts';
import { needPeer, run, uniqueName } from '../helpers/peers.ts';

t.test('parse and format round-trip, both separators, upper and lower case', async (t) => {
  t.equal(parseMac('aa:bb:cc:dd:ee:ff'), 0xaabbccddeeff);
  t.equal(parseMac('AA-BB-CC-DD-EE-FF'), 0xaabbccddeeff);
  t.equal(parseMac('2:0:0:0:0:1'), 0x020000000001, 'one-digit groups as iproute2 accepts them');
  t.equal(macToString(0xaabbccddeeff), 'aa:bb:cc:dd:ee:ff');
  t.equal(macToString(0x020000000001), '02:00:00:00:00:01');
  t.equal(macToString(0), '00:00:00:00:00:00');
  t.equal(macToString(BROADCAST_MAC), 'ff:ff:ff:ff:ff:ff');
  t.equal(macToString(parseMac('00:1b:21:0a:0b:0c')), '00:1b:21:0a:0b:0c');
});

t.test('bad text: tryParseMac gives -1, parseMac throws naming the text', async (t) => {
  for (const s of ['', 'zz:bb:cc:dd:ee:ff', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00', 'aa:bb-cc:dd:ee:ff',
    'aaa:bb:cc:dd:ee:ff', 'aabb.ccdd.eeff', ' aa:bb:cc:dd:ee:ff', 'aa:bb:cc:dd:ee:ff\n', 'aa::cc:dd:ee:ff']) {
    t.equal(tryParseMac(s), -1, JSON.stringify(s));
    t.throws(() => parseMac(s), { message: `invalid MAC address "${s}"` });
  }
});

t.test('broadcast, multicast (I/G) and locally administered (U/L) bits', async (t) => {
  t.ok(isBroadcast(BROADCAST_MAC));
  t.ok(isMulticast(BROADCAST_MAC), 'broadcast is a group address');
  t.notOk(isBroadcast(parseMac('01:00:5e:00:00:01')));
  t.ok(isMulticast(parseMac('01:00:5e:00:00:01')));
  t.ok(isMulticast(parseMac('33:33:00:00:00:01')));
  t.notOk(isMulticast(parseMac('02:00:00:00:00:01')));
  t.ok(isUnicast(parseMac('02:00:00:00:00:01')));
  t.ok(isLocallyAdministered(parseMac('02:00:00:00:00:01')));
  t.ok(isLocallyAdministered(parseMac('fe:ff:ff:ff:ff:ff')));
  t.notOk(isLocallyAdministered(parseMac('00:1b:21:0a:0b:0c')));
  t.notOk(isLocallyAdministered(parseMac('fd:ff:ff:ff:ff:ff')));
  t.notOk(isMulticast(parseMac('fe:ff:ff:ff:ff:ff')));
});

t.test('readMac/writeMac at an offset', async (t) => {
  const b = fromHex('ee ee 02 00 00 00 00 01 ee');
  t.equal(readMac(b, 2), 0x020000000001);
  writeMac(b, 1, 0xaabbccddeeff);
  t.equal(toHex(b), 'eeaabbccddeeff01ee');
});

t.test('macFromSeed: deterministic, locally administered unicast, distinct', async (t) => {
  t.equal(macFromSeed(42, 0), macFromSeed(42, 0));
  t.not(macFromSeed(42, 0), macFromSeed(42, 1));
  t.not(macFromSeed(42, 0), macFromSeed(43, 0));
  // pinned so that a change to the generator (which would change every lab pcap) is noticed
  t.equal(macToString(macFromSeed(1, 0)), '6e:0b:48:88:ad:77');
  t.equal(macToString(macFromSeed(1, 1)), '6e:0b:80:fa:54:c4');
  const seen = new Set<number>();
  for (const seed of [0, 1, 2, 42, 0xffffffff, 2 ** 40 + 3, -7]) {
    for (let i = 0; i < 20000; i++) {
      const m = macFromSeed(seed, i);
      if (!(Number.isInteger(m) && m >= 0 && m <= BROADCAST_MAC && isLocallyAdministered(m) && isUnicast(m))) {
        t.fail(`bad MAC ${macToString(m)} for (${seed}, ${i})`);
        return;
      }
      seen.add(m);
    }
  }
  t.equal(seen.size, 7 * 20000, 'no collisions over 140000 (seed, index) pairs');
  t.equal(parseMac(macToString(macFromSeed(9, 9))), macFromSeed(9, 9));
  t.throws(() => macFromSeed(1.5, 0), RangeError);
  t.throws(() => macFromSeed(1, -1), RangeError);
  t.throws(() => macFromSeed(1, 2 ** 32), RangeError);
});

t.test('the kernel accepts macFromSeed addresses and prints them as macToString does', async (t) => {
  if (!needPeer(t, 'netns')) return;
  const ns = uniqueName('wsmac');
  t.teardown(() => { run('ip', ['netns', 'del', ns]); });
  t.equal(run('ip', ['netns', 'add', ns]).status, 0);
  t.equal(run('ip', ['-n', ns, 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']).status, 0);
  for (const idx of [0, 1, 77]) {
    const m = macFromSeed(1234, idx);
    const set = run('ip', ['-n', ns, 'link', 'set', 'd0', 'address', macToString(m)]);
    t.equal(set.status, 0, set.stderr);
    const out = run('ip', ['-n', ns, '-o', 'link', 'show', 'd0']).stdout;
    const got = /link\/ether ([0-9a-f:]{17})/.exec(out)?.[1];
    t.equal(got, macToString(m));
    t.equal(parseMac(got!), m);
  }
});
