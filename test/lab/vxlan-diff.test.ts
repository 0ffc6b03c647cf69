// bash vs wirestack for the vxlan commands: `ip link add … type vxlan` (options, iproute2's errors and
// warnings), `ip [-d] link show`, `bridge fdb add|append|replace|del|show` on a vxlan device. Each script
// runs under real bash against the kernel in throwaway namespaces (test/helpers/bash-diff.ts) and under
// wirestack; per line the exit status, stderr and normalised stdout must agree. The shared normaliser
// hides `self permanent` lines (bridge multicast noise), so fdb lines are compared here with MACs of
// the devices' own hidden instead.
import t from 'tap';
import { needPeer } from '../helpers/peers.ts';
import { runUnderBash, runUnderWirestack, normalise, scriptNamespaces } from '../helpers/bash-diff.ts';

export const VXLAN_DIFF_SCRIPTS: Record<string, string> = {
  'vxlan-link-add-errors': `ip netns add nsa
ip -n nsa link add eth0 type veth peer name eth1
ip -n nsa addr add 10.0.0.1/24 dev eth0
ip -n nsa link set eth0 up
ip -n nsa link add vxlan0 type vxlan id 42 dstport 4789 remote 10.0.0.2 dev eth0
ip -n nsa link add vxlan1 type vxlan dstport 4789
ip -n nsa link add vxlan1 type vxlan id 42 dstport 4789
ip -n nsa link add vxlan1 type vxlan id 43 dstport 4789 dev nope
ip -n nsa link add vxlan1 type vxlan id 43 dstport 4789 bogus
ip -n nsa link add vxlan1 type vxlan id 43 dstport 4789 remote x
ip -n nsa link add vxlan1 type vxlan id 43 dstport 4789 remote 239.1.1.1
ip -n nsa link add vxlan1 type vxlan id 43 dstport 4789 group 10.0.0.2 dev eth0
ip -n nsa link add vxlan1 type vxlan id 43 dstport 4789 group 239.1.1.1
ip -n nsa link add vxlan1 type vxlan id 43 dstport 4789 remote 10.0.0.2 group 239.1.1.1 dev eth0
ip -n nsa link add vxlan1 type vxlan id 16777216 dstport 4789
ip -n nsa link add vxlan1 type vxlan id abc dstport 4789
ip -n nsa link add vxlan1 type vxlan id 43 id 44 dstport 4789
ip -n nsa link add vxlan1 type vxlan id 43 dstport 4789 remote 10.0.0.2 remote 10.0.0.3
ip -n nsa link add vxlan1 type vxlan id 43 dstport x
ip -n nsa link add vxlan1 type vxlan id 43 dstport 4789 ttl 300
ip -n nsa link add vxlan1 type vxlan id 43 dstport 4789 srcport 5
ip -n nsa link add vxlan1 type vxlan id 43 dstport 4789 nolearning learning
ip -n nsa link add vxlan0 type vxlan id 44 dstport 4789
ip -n nsa link add vxlan1 type vxlan id 43
ip -n nsa link add vxlan2 type vxlan id 45 dstport 4789 local 10.0.0.1 nolearning ttl 10 srcport 50000 60000
ip -n nsa link add vxlan3 type vxlan id 46 dstport 8472 remote 1.2.3
ip -n nsa link add vxlan4 mtu 1400 type vxlan id 47 dstport 4789 group 239.1.1.1 dev eth0
ip -n nsa link set vxlan0 up
ip -n nsa link show vxlan0
ip -n nsa -d link show vxlan0
ip -n nsa -d link show vxlan1
ip -n nsa -d link show vxlan2
ip -n nsa -d link show vxlan3
ip -n nsa -d link show vxlan4
ip -n nsa link show type vxlan
ip -n nsa link del vxlan1
ip -n nsa link`,
  'vxlan-bridge-fdb': `ip netns add nsa
ip -n nsa link add eth0 type veth peer name eth1
ip -n nsa addr add 10.0.0.1/24 dev eth0
ip -n nsa link set eth0 up
ip -n nsa link add vxlan0 type vxlan id 42 dstport 4789 dev eth0
bridge -n nsa fdb show dev vxlan0
bridge -n nsa fdb append 00:00:00:00:00:00 dst 10.0.0.5 dev vxlan0
bridge -n nsa fdb append 00:00:00:00:00:00 dst 10.0.0.5 dev vxlan0
bridge -n nsa fdb append 00:00:00:00:00:00 dst 10.0.0.6 dev vxlan0
bridge -n nsa fdb add 00:00:00:00:00:00 dst 10.0.0.7 dev vxlan0
bridge -n nsa fdb add 02:00:00:00:00:01 dst 10.0.0.6 dev vxlan0
bridge -n nsa fdb add 02:00:00:00:00:01 dst 10.0.0.6 dev vxlan0
bridge -n nsa fdb del 02:00:00:00:00:01 dst 10.0.0.7 dev vxlan0
bridge -n nsa fdb del 02:00:00:00:00:02 dev vxlan0
bridge -n nsa fdb show dev vxlan0
bridge -n nsa fdb replace 02:00:00:00:00:01 dst 10.0.0.9 dev vxlan0
bridge -n nsa fdb append 00:00:00:00:00:00 dst 10.0.0.8 dev vxlan0 port 8472 vni 7
bridge -n nsa fdb show dev vxlan0
bridge -n nsa fdb del 00:00:00:00:00:00 dst 10.0.0.5 dev vxlan0
bridge -n nsa fdb show dev vxlan0
bridge -n nsa fdb append 00:00:00:00:00:00 dev vxlan0
bridge -n nsa fdb append 00:00:00:00:00:00 dst 1.2.3.x dev vxlan0
bridge -n nsa fdb append 00:00:00:00:00:00 dst 10.0.0.8
bridge -n nsa fdb append zz dst 10.0.0.8 dev vxlan0
bridge -n nsa fdb append 00:00:00:00:00:00 dst 10.0.0.8 dev nope
bridge -n nsa fdb del 00:00:00:00:00:00 dev vxlan0
bridge -n nsa fdb show dev vxlan0
bridge -n nsa fdb show
ip -n nsa link add br0 type bridge
ip -n nsa link set vxlan0 master br0
bridge -n nsa fdb show dev vxlan0`,
};

/** stdout as compared: the shared normaliser, except that vxlan `self` fdb lines are kept. */
function norm(command: string, stdout: string, ns: string[]): string {
  if (/\bbridge\b.*\bfdb\b/.test(command)) {
    return stdout
      .split('\n')
      .filter((l) => l && !/^(33:33|01:00:5e):/.test(l) && !/ dev eth[01] self permanent$/.test(l) && !/^\S+ self permanent$/.test(l.replace(/ dst .*/, 'X')))
      .map((l) => l.trimEnd().replace(/\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/g, (m) => (m.startsWith('00:00:00') || m.startsWith('02:00:00') ? m : 'MAC')))
      .sort()
      .join('\n');
  }
  return normalise(command, stdout, ns);
}

for (const [name, script] of Object.entries(VXLAN_DIFF_SCRIPTS)) {
  t.test(`bash vs wirestack: ${name}`, async (t) => {
    if (!needPeer(t, 'netns')) return;
    const ns = scriptNamespaces(script);
    const real = runUnderBash(script);
    const ours = await runUnderWirestack(script);
    t.equal(ours.length, real.length, 'same number of command lines');
    for (let i = 0; i < real.length; i++) {
      const x = real[i]!;
      const y = ours[i]!;
      // our outer UDP checksum is zero (RFC 7348 §5; the choice): the kernel default says udpcsum
      const ystdout = y.stdout.replace(/ noudpcsum /g, ' udpcsum ');
      t.equal(y.exit, x.exit, `line ${x.line} exit: ${x.command}`);
      t.equal(norm(y.command, ystdout, ns), norm(x.command, x.stdout, ns), `line ${x.line} stdout: ${x.command}`);
      t.equal(y.stderr.trim(), x.stderr.trim(), `line ${x.line} stderr: ${x.command}`);
    }
  });
}
