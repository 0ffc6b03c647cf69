// The iptables front end against the real iptables 1.8.9 in a throwaway netns: the same command
// lines on both sides, then -S, -t nat -S, -L -n -v --line-numbers and -L compared byte for byte,
// and a corpus of bad command lines compared on stderr and exit status.
import t from 'tap';
import { needPeer, run, uniqueName } from '../helpers/peers.ts';
import { RuleSet } from '../../src/nat/rules.ts';
import { iptables } from '../../src/nat/iptables-cli.ts';

const GOOD = [
  '-t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 192.168.12.2:80',
  '-t nat -A POSTROUTING -s 192.168.12.0/24 -j MASQUERADE',
  '-t nat -N KUBE-SVC-X',
  '-t nat -N KUBE-SEP-A',
  '-t nat -A KUBE-SEP-A -p tcp -m comment --comment default/web:http -j DNAT --to-destination 10.244.1.5:8080',
  '-t nat -A KUBE-SVC-X -m comment --comment "default/web:http" -m statistic --mode random --probability 0.5 -j KUBE-SEP-A',
  '-t nat -A PREROUTING -d 10.96.0.10/32 -p udp --dport 53 -j DNAT --to-destination 10.0.0.5',
  '-t nat -A PREROUTING -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-X',
  '-t nat -A PREROUTING -p tcp --dport 8080 -j REDIRECT --to-ports 80',
  '-t nat -A POSTROUTING -p udp -o eth1 -j MASQUERADE --to-ports 1024-2000',
  '-t nat -A POSTROUTING ! -d 10.0.0.0/8 -o eth1 -p udp --sport 1000:2000 -j SNAT --to-source 1.2.3.4:1024-2000',
  '-t nat -A OUTPUT -m addrtype --dst-type LOCAL -j KUBE-SVC-X',
  '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
  '-A INPUT -p udp --dport 53 -j REJECT --reject-with icmp-port-unreachable',
  '-A INPUT -p icmp -j REJECT',
  '-A INPUT -m comment --comment "two words" -j ACCEPT',
  '-A INPUT -p tcp -m tcp --sport 22 -m mark --mark 0x1/0xff ! -s 1.2.3.4 -j ACCEPT',
  '-A INPUT -p 47 -j ACCEPT',
  '-A INPUT -i eth+ -j ACCEPT',
  '-A FORWARD -m mark --mark 0x1 -j MARK --set-mark 0x2',
  '-A FORWARD -j MARK --set-xmark 0x2/0xff',
  '-A FORWARD -j LOG --log-prefix "x: "',
  '-I FORWARD 2 -s 10.1.2.3/8 -j DROP',
  '-A FORWARD -p tcp ! --dport 22 -j ACCEPT',
  '-D FORWARD -s 10.0.0.0/8 -j DROP',
  '-R FORWARD 1 -i veth0 -o veth1 -j ACCEPT',
  '-N MYCHAIN',
  '-A MYCHAIN -j RETURN',
  '-A FORWARD -j MYCHAIN',
  '-N EMPTY',
  '-X EMPTY',
  '-P FORWARD DROP',
];

const BAD = [
  '-t nat -A PREROUTING --dport 80 --to-destination 192.168.12.2:80 -j NAT',
  '-t nat -A PREROUTING -p tcp --dport 80 -j NAT',
  '-t nat -A KUBE-SVC-X -m statistic --mode random --probability 0.5 -j DNAT --to-destination 10.0.0.1:80',
  '-t nat -X KUBE-SVC-X',
  '-N MYCHAIN',
  '-A NOPE -j ACCEPT',
  '-D INPUT 9',
  '-t foo -L',
  '-j',
  '-A INPUT -j FOO',
  '-P FOO DROP',
  '-P INPUT FOO',
  '-A INPUT -s 1.2.3.999 -j ACCEPT',
  '-A INPUT -p tcp --dport 99999 -j ACCEPT',
  '-A INPUT -p tcp --dport 80:79 -j ACCEPT',
  '-A INPUT -s 10.0.0.1/33 -j ACCEPT',
  '-A INPUT -p foo -j ACCEPT',
  '-Q',
  '-A INPUT --bogus',
  '-A',
  '-D INPUT -p tcp -j ACCEPT',
  '-R INPUT 9 -j ACCEPT',
  '-I INPUT 9 -j ACCEPT',
  '-t nat -A INPUT -j DROP',
  '-A INPUT -j DNAT --to-destination 1.1.1.1',
  '-A INPUT -j SNAT',
  '-t nat -A PREROUTING -j MASQUERADE',
  '-A INPUT -m conntrack --ctstate FOO -j ACCEPT',
  '-N KUBE-SVC-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
  '-A OUTPUT -i lo -j DROP',
  '-A INPUT -p udp --dport 53 -j DROP -j ACCEPT',
  '-A INPUT -j REJECT --reject-with foo',
  '-F NOPE',
];

/** Shell-like split honouring double quotes. */
function split(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m;
  while ((m = re.exec(s))) out.push(m[1] ?? m[2]!);
  return out;
}

t.test('iptables CLI agrees with the real iptables', (t) => {
  if (!needPeer(t, 'netns', 'iptables')) return t.end();
  const ns = uniqueName('ipt');
  run('ip', ['netns', 'add', ns]);
  t.teardown(() => { run('ip', ['netns', 'del', ns]); });
  const rs = new RuleSet();
  const real = (args: string[]) => run('ip', ['netns', 'exec', ns, 'iptables', ...args]);
  for (const line of GOOD) {
    const a = split(line);
    const k = real(a);
    const w = iptables(rs, a);
    t.same({ status: w.status, stderr: w.stderr }, { status: k.status, stderr: k.stderr }, `ok: ${line}`);
  }
  for (const q of ['-S', '-t nat -S', '-L -n -v --line-numbers', '-t nat -L -n -v', '-L', '-t nat -L', '-S FORWARD', '-S FORWARD 2', '-t nat -L KUBE-SVC-X -n', '-L -n -x -v']) {
    const a = split(q);
    t.equal(iptables(rs, a).stdout, real(a).stdout, `listing: iptables ${q}`);
  }
  for (const line of BAD) {
    const a = split(line);
    const k = real(a);
    const w = iptables(rs, a);
    t.same({ status: w.status, stderr: w.stderr }, { status: k.status, stderr: k.stderr }, `error: ${line}`);
  }
  t.equal(iptables(rs, ['-S']).stdout, real(['-S']).stdout, 'failed commands changed nothing on either side');
  t.end();
});
