// `weave` — a small subset of Weave Net's script, run inside a node namespace
// (`ip netns exec node1 weave launch 192.168.0.2 192.168.0.3`):
//
//   weave launch [--mode sleeve|fastdp] [--name MAC] [--mtu N] [--ipalloc-range CIDR] [PEER_IP…]
//       starts the router (src/encap/weave-router.ts) on bridge `weave` (created if missing), then
//       runs the lab until the gossip settles; prints the peer name
//   weave attach POD            veth `vethwepl-POD` on the bridge, `ethwe` in namespace POD with an
//                               address from IPAM (/12 of 10.32.0.0/12), up; prints the address
//   weave status [peers|connections|ipam|macs]
//   weave stop
//
// Deliberate differences from Weave: there are no containers, a "container" is a lab namespace;
// ethwe keeps MTU 1500 (Weave sets the overlay MTU on it) so that oversized datagrams reach the
// router and show its fragmentation-needed / fragmentation path.
import type { Ctx, ShellCommand } from '../command.ts';
import { outLines } from '../command.ts';
import { WeaveRouter, weaveRouters, type WeaveMode } from '../../encap/weave-router.ts';
import { ipv4ToString } from '../../ip/address.ts';
import { tryParseMac, macToString } from '../../ethernet/mac.ts';

const USAGE = `Usage:
weave launch [--mode sleeve|fastdp] [--name MAC] [--mtu N] [--ipalloc-range CIDR] [PEER_IP ...]
weave attach POD
weave status [peers | connections | ipam | macs]
weave stop
`;

function fail(ctx: Ctx, msg: string, code = 1): number {
  ctx.err(msg.endsWith('\n') ? msg : msg + '\n');
  return code;
}

function router(ctx: Ctx): WeaveRouter | undefined {
  return weaveRouters(ctx.session.lab).get(ctx.ns.name);
}

function launch(ctx: Ctx, args: string[]): number {
  let mode: WeaveMode = 'sleeve';
  let name: number | undefined;
  let mtu: number | undefined;
  let range: string | undefined;
  const peers: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = () => args[++i];
    if (a === '--mode') {
      const m = v();
      if (m !== 'sleeve' && m !== 'fastdp') return fail(ctx, `weave: --mode must be sleeve or fastdp, not "${m ?? ''}"`);
      mode = m;
    } else if (a === '--name') {
      const m = tryParseMac(v() ?? '');
      if (m < 0) return fail(ctx, 'weave: --name needs a MAC-style peer name (aa:bb:cc:dd:ee:ff)');
      name = m;
    } else if (a === '--mtu') {
      mtu = Number(v());
      if (!Number.isInteger(mtu) || mtu < 576 || mtu > 65535) return fail(ctx, 'weave: --mtu must be an integer in 576..65535');
    } else if (a === '--ipalloc-range') range = v();
    else if (a.startsWith('-')) return fail(ctx, `weave: unknown option ${a}\n${USAGE}`, 1);
    else peers.push(a);
  }
  if (router(ctx)) return fail(ctx, 'weave: router already running in this namespace');
  let r: WeaveRouter;
  try {
    r = WeaveRouter.launch(ctx.ns, { mode, name, mtu, peers, ipallocRange: range });
  } catch (e) {
    return fail(ctx, (e as Error).message);
  }
  // let the hellos and gossip settle (virtual clock: nothing else is running between commands)
  if (ctx.session.lab.scheduler.mode === 'virtual') ctx.session.lab.runFor(100);
  ctx.out(macToString(r.peerName) + '\n');
  return 0;
}

function attach(ctx: Ctx, args: string[]): number {
  const r = router(ctx);
  if (!r) return fail(ctx, 'weave: router not running in this namespace (weave launch first)');
  const pod = args[0];
  if (!pod || args.length > 1) return fail(ctx, USAGE);
  const podNs = ctx.session.lab.netnsOrNull(pod);
  if (!podNs || podNs === ctx.ns) return fail(ctx, `weave: no namespace "${pod}" (create it with ip netns add)`);
  if (podNs.dev('ethwe')) return fail(ctx, `weave: ${pod} is already attached`);
  const addr = r.allocate(pod);
  if (addr === null) return fail(ctx, 'weave: IPAM has no free address');
  const host = `vethwepl-${pod}`.slice(0, 15);
  try {
    ctx.ns.linkAddVeth(host, 'ethwe');
    ctx.ns.linkSet('ethwe', { netns: pod });
    ctx.ns.linkSet(host, { master: r.bridgeName, up: true });
    podNs.addrAdd('ethwe', `${ipv4ToString(addr)}/${r.rangePrefix}`);
    podNs.linkSet('ethwe', { up: true });
    podNs.linkSet('lo', { up: true });
  } catch (e) {
    return fail(ctx, (e as Error).message);
  }
  ctx.out(ipv4ToString(addr) + '\n');
  return 0;
}

function status(ctx: Ctx, args: string[]): number {
  const r = router(ctx);
  if (!r) return fail(ctx, 'weave container is not present. Have you launched it?');
  switch (args[0]) {
    case undefined:
      outLines(ctx, r.status());
      return 0;
    case 'peers':
      outLines(ctx, r.statusPeers());
      return 0;
    case 'connections':
      outLines(ctx, r.statusConnections());
      return 0;
    case 'macs':
      outLines(ctx, r.statusMacs());
      return 0;
    case 'ipam': {
      const ipam = r.ipam();
      outLines(ctx, ipam.peerNames().map((p) => {
        const nick = [...r.topology.peers.values()].find((x) => macToString(x.name) === p)?.nickname ?? '?';
        const owned = ipam.owned(p);
        const total = ipam.last - ipam.first;
        return `${p}(${nick})  ${owned} IPs (${((owned * 100) / total).toFixed(1)}% of total) (${owned - ipam.freeCount(p)} active)`;
      }));
      return 0;
    }
    default:
      return fail(ctx, USAGE);
  }
}

async function run(ctx: Ctx, argv: string[]): Promise<number> {
  const [sub, ...args] = argv.slice(1);
  switch (sub) {
    case 'launch':
      return launch(ctx, args);
    case 'attach':
      return attach(ctx, args);
    case 'status':
      return status(ctx, args);
    case 'stop': {
      const r = router(ctx);
      if (!r) return fail(ctx, 'weave: router not running in this namespace');
      r.stop();
      return 0;
    }
    case '--help':
    case 'help':
      ctx.out(USAGE);
      return 0;
    default:
      return fail(ctx, USAGE);
  }
}

export const weaveCommand: ShellCommand = { name: 'weave', summary: 'Weave-style overlay: launch, attach, status, stop', run };
