// Shared lab topologies for the lab tests (the primer's examples and a router).
import { Lab } from '../../src/lab/lab.ts';

/** Primer "Network Namespaces": red and blue joined by one veth pair. `prefix` '' is the primer's /32 typo. */
export function twoNamespaces(prefix = '/24', seed = 1): Lab {
  const lab = new Lab({ seed });
  lab.addNetns('red');
  lab.addNetns('blue');
  lab.root.linkAddVeth('veth-red', 'veth-blue');
  lab.root.linkSet('veth-red', { netns: 'red' });
  lab.root.linkSet('veth-blue', { netns: 'blue' });
  lab.netns('red').addrAdd('veth-red', `192.168.12.1${prefix}`);
  lab.netns('blue').addrAdd('veth-blue', `192.168.12.2${prefix}`);
  lab.netns('red').linkSet('veth-red', { up: true });
  lab.netns('blue').linkSet('veth-blue', { up: true });
  return lab;
}

/** Primer bridge: v-net-0 in the host with red, blue (and green) attached, bridge IP .5. */
export function bridged(names = ['red', 'blue', 'green'], seed = 1): Lab {
  const lab = new Lab({ seed });
  lab.root.linkAddBridge('v-net-0');
  lab.root.linkSet('v-net-0', { up: true });
  names.forEach((n, i) => {
    lab.addNetns(n);
    lab.root.linkAddVeth(`veth-${n}`, `veth-${n}-br`);
    lab.root.linkSet(`veth-${n}`, { netns: n });
    lab.root.linkSet(`veth-${n}-br`, { master: 'v-net-0', up: true });
    lab.netns(n).addrAdd(`veth-${n}`, `192.168.12.${i + 1}/24`);
    lab.netns(n).linkSet(`veth-${n}`, { up: true });
  });
  lab.root.addrAdd('v-net-0', '192.168.12.5/24');
  return lab;
}

/** a (10.0.1.2) — r (10.0.1.1 | 10.0.2.1) — b (10.0.2.2), default routes via r. */
export function routed(opts: { forward?: boolean; mtu2?: number; seed?: number } = {}): Lab {
  const lab = new Lab({ seed: opts.seed ?? 1 });
  const a = lab.addNetns('a');
  const r = lab.addNetns('r');
  const b = lab.addNetns('b');
  r.linkAddVeth('r-a', 'a-r');
  r.linkAddVeth('r-b', 'b-r');
  r.linkSet('a-r', { netns: 'a' });
  r.linkSet('b-r', { netns: 'b' });
  if (opts.mtu2) {
    r.linkSet('r-b', { mtu: opts.mtu2 });
    b.linkSet('b-r', { mtu: opts.mtu2 });
  }
  r.addrAdd('r-a', '10.0.1.1/24');
  r.addrAdd('r-b', '10.0.2.1/24');
  a.addrAdd('a-r', '10.0.1.2/24');
  b.addrAdd('b-r', '10.0.2.2/24');
  for (const [ns, d] of [[r, 'r-a'], [r, 'r-b'], [a, 'a-r'], [b, 'b-r']] as const) ns.linkSet(d, { up: true });
  for (const ns of [a, r, b]) ns.linkSet('lo', { up: true });
  a.routeAdd({ dst: 'default', via: '10.0.1.1' });
  b.routeAdd({ dst: 'default', via: '10.0.2.1' });
  if (opts.forward !== false) r.sysctl('net.ipv4.ip_forward', '1');
  return lab;
}
