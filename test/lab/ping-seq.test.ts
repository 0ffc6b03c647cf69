// ping's sequence numbers past 65535 (the wire seq wraps as iputils' does, the counting must not)
// and iputils' "pipe N": only when a reply or error came back with more than one request out.
import t from 'tap';
import { Lab } from '../../src/lab/lab.ts';

t.test('-c 100000 on loopback: 100000 received, icmp_seq wraps to 0 after 65535', async (t) => {
  const lab = new Lab();
  const ns = lab.addNetns('red');
  ns.linkSet('lo', { up: true });
  const r = ns.ping('127.0.0.1', { count: 100000, intervalMs: 200 });
  t.equal(r.received, 100000);
  t.ok(r.lines.includes('100000 packets transmitted, 100000 received, 0% packet loss, time 19999800ms'));
  t.match(r.lines[65535]!, /icmp_seq=65535 /);
  t.match(r.lines[65536]!, /icmp_seq=0 /);
  t.match(r.lines[65537]!, /icmp_seq=1 /);
  t.match(r.lines.at(-1)!, /^rtt min\/avg\/max\/mdev = [\d.\/]+ ms$/, 'no pipe: one request out at a time');
});

t.test('100% loss without errors: no "pipe", a blank line ends the summary', async (t) => {
  // own address with lo down: every request is sent and dropped on lo (no reply, no error)
  const lab = new Lab();
  lab.addNetns('a');
  lab.addNetns('b');
  lab.root.linkAddVeth('va', 'vb');
  lab.root.linkSet('va', { netns: 'a' });
  lab.root.linkSet('vb', { netns: 'b' });
  lab.netns('a').addrAdd('va', '10.5.0.1/24');
  lab.netns('a').linkSet('va', { up: true });
  const r = lab.netns('a').ping('10.5.0.1', { count: 3, timeoutS: 1 });
  t.equal(r.transmitted, 3);
  t.equal(r.received, 0);
  t.notOk(r.lines.some((l) => /pipe/.test(l)), r.lines.join('\n'));
  t.same(r.lines.slice(-2), ['3 packets transmitted, 0 received, 100% packet loss, time 2000ms', '']);
});
