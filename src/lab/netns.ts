// A network namespace: a simulated Linux host. Control-plane operations mirror netlink
// (`ip link/addr/route/neigh`) and fail with the kernel's messages, changing nothing; the data
// plane (ARP, IPv4 input/forward/output, ICMP, UDP) lives in ip-stack.ts and runs on the lab clock.
import { parseCidr, tryParseIpv4, ipv4ToString, prefixMask, inPrefix } from '../ip/address.ts';
import { tryParseMac } from '../ethernet/mac.ts';
import { NetDevice, type IfAddr, type DevKind } from './net-device.ts';
import type { Port } from '../link/port.ts';
import { IpToEthernetPort } from './external-port.ts';
import { RouteTable, RouteError, type Route } from '../ip/route-table.ts';
import { formatRoute, formatRouteN } from '../ip/route-format.ts';
import { Msg, NetlinkError } from './errors.ts';
import { IpStack } from './ip-stack.ts';
import { Bridge } from '../ethernet/bridge.ts';
import { DropReason } from './net-device.ts';
import type { Lab } from './lab.ts';
import type { LabNetfilter } from './netfilter-hooks.ts';
import { formatIpLink, formatIpAddr, formatIpSLink } from './listings.ts';
import { formatNeigh, formatArpN, type NudName } from '../arp/neighbor-cache.ts';
import { macToString } from '../ethernet/mac.ts';
import { LoopbackPort } from '../link/loopback.ts';
import { UdpSocket } from './udp-socket.ts';
import { ping, pingAsync, type PingOptions, type PingResult } from './apps/ping.ts';
import { VxlanLink, VXLAN_DEFAULTS, type VxlanLinkOptions } from './vxlan-device.ts';

export interface LinkSetOptions {
  up?: boolean;
  netns?: string;
  /** Bridge name, or null for `nomaster`. */
  master?: string | null;
  mtu?: number;
  address?: string;
  /** New name (`ip link set X name Y`). */
  name?: string;
}

export interface RouteSpec {
  dst: string; // 'default' or cidr (no prefix = /32)
  via?: string;
  dev?: string;
  metric?: number;
  src?: string;
}

export class Netns {
  readonly devices: NetDevice[] = [];
  private nextIfindex = 1;
  /** The main routing table (the shared LPM table; routes name their device by ifindex). */
  readonly fib = new RouteTable();
  /** Devices by ifindex, for the fast path (route → device without a search). */
  readonly byIndex: (NetDevice | undefined)[] = [];
  readonly stack: IpStack;
  /** iptables/conntrack, loaded on first use (LabNetfilter.of); null = no hooks run. */
  netfilter: LabNetfilter | null = null;
  readonly lo: NetDevice;
  readonly sysctls = new Map<string, string>([
    ['net.ipv4.ip_forward', '0'],
    ['net.ipv4.conf.all.forwarding', '0'],
    ['net.ipv4.ip_default_ttl', '64'],
    ['net.ipv4.conf.all.arp_ignore', '0'],
    ['net.ipv4.conf.all.arp_notify', '0'],
    ['net.ipv4.neigh.default.gc_stale_time', '60'],
    // conntrack timeouts (s), per namespace as in the kernel; applied by LabNetfilter
    ['net.netfilter.nf_conntrack_udp_timeout', '30'],
    ['net.netfilter.nf_conntrack_udp_timeout_stream', '120'],
    ['net.netfilter.nf_conntrack_icmp_timeout', '30'],
    ['net.netfilter.nf_conntrack_generic_timeout', '600'],
  ]);

  constructor(
    readonly lab: Lab,
    readonly name: string,
  ) {
    this.stack = new IpStack(this);
    this.lo = this.addDevice('lo', 'loopback', 0, new LoopbackPort(lab.scheduler, 'lo', lab.pool));
  }

  get ipForward(): boolean {
    return this.stack.forwarding;
  }

  // ---------- devices ----------

  allocIfindex(): number {
    return this.nextIfindex++;
  }

  private addDevice(name: string, kind: DevKind, mac: number, port: Port | null): NetDevice {
    const d = new NetDevice(this, this.allocIfindex(), name, kind, mac, port);
    this.devices.push(d);
    this.byIndex[d.ifindex] = d;
    return d;
  }

  dev(name: string): NetDevice | undefined {
    return this.devices.find((d) => d.name === name);
  }

  /** The device or the `Cannot find device "x"` error. */
  mustDev(name: string): NetDevice {
    const d = this.dev(name);
    if (!d) throw Msg.noDevice(name);
    return d;
  }

  private checkNewName(name: string): void {
    if (this.dev(name)) throw Msg.exists();
    if (name.length === 0 || name.length > 15 || /[\s/:]/.test(name)) throw Msg.invalidArg(`Error: argument "${name}" is wrong: "name" not a valid ifname`);
  }

  /** `ip link add NAME type veth peer name PEER`. */
  linkAddVeth(name: string, peerName: string): [NetDevice, NetDevice] {
    this.checkNewName(name);
    if (peerName === name) throw Msg.exists();
    this.checkNewName(peerName);
    const pair = this.lab.newVethPair(name, peerName);
    // the kernel registers the peer first (it gets the lower ifindex, as `ip link` shows)
    const b = this.addDevice(peerName, 'veth', this.lab.nextMac(), pair.b);
    const a = this.addDevice(name, 'veth', this.lab.nextMac(), pair.a);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  /**
   * An interface bound to a Port outside the lab — a TapPort (its transmit goes to the TAP device,
   * frames the kernel sends to the TAP enter this namespace's stack) or a medium 'ip' port such as
   * RawIpPort (NOARP; see external-port.ts). Attaching one switches the lab to wall-clock time.
   * Created down, like any new link; captures record it like every other device. The caller
   * keeps ownership of the port: `linkDel` detaches it, closing it is the caller's job.
   * `mac`: this interface's MAC (default: the next lab MAC; never the TAP's own kernel-side MAC).
   * `wallClock: false`: the port is in-memory and driven by the lab's own scheduler (a Weave router
   * attached to a bridge, see src/encap/weave-router.ts), so the clock stays virtual.
   */
  linkAddExternal(name: string, port: Port, o: { mac?: number; wallClock?: boolean } = {}): NetDevice {
    this.checkNewName(name);
    const mac = o.mac ?? this.lab.nextMac();
    let p: Port = port;
    if (port.medium === 'ip') {
      const a = new IpToEthernetPort(port);
      a.mac = mac;
      p = a;
    }
    const d = this.addDevice(name, 'external', mac, p);
    d.mtu = port.mtu;
    d.noArp = port.medium === 'ip';
    if (o.wallClock !== false) this.lab.scheduler.useWallClock();
    return d;
  }

  /** `ip link add NAME type bridge`. */
  linkAddBridge(name: string): NetDevice {
    this.checkNewName(name);
    const d = this.addDevice(name, 'bridge', this.lab.nextMac(), null);
    d.bridge = new Bridge({
      now: () => this.lab.scheduler.now,
      deliverLocal: (buf, off, len) => this.lab.deviceReceive(d, buf, off, len, true),
      note: (c) => this.lab.note(c),
      dropped: (p, why) => (p as NetDevice).drop(why === 'hairpin' ? DropReason.HAIRPIN : DropReason.PORT_DISABLED, true),
      bridgeUp: () => d.adminUp,
    });
    d.bridge.setOwnMac(-1, d.mac);
    return d;
  }

  /**
   * `ip link add NAME type vxlan id VNI [dstport P] [remote IP | group IP] [local IP] [dev DEV]
   * [nolearning] [ttl N] [srcport MIN MAX]` (vxlan-device.ts). MTU: the underlay's minus 50 with
   * `dev`, else 1500, as the kernel sets it. Errors are the kernel's, before anything changes.
   */
  linkAddVxlan(name: string, o: VxlanLinkOptions): NetDevice {
    this.checkNewName(name);
    if (!Number.isInteger(o.id) || o.id < 0 || o.id > 0xffffff) throw Msg.invalidArg(`Error: argument "${o.id}" is wrong: invalid id`);
    const ip = (s: string | undefined, what: string): number => {
      if (s === undefined) return 0;
      const a = tryParseIpv4(s);
      if (a < 0) throw Msg.invalidArg(`Error: any valid address is expected rather than "${s}".`);
      const multi = a >>> 28 === 0xe;
      if (what === 'group' ? !multi : what === 'remote' && multi) throw Msg.invalidArg(`Error: argument "${s}" is wrong: invalid ${what} address`);
      return a;
    };
    const remote = ip(o.remote, 'remote');
    const group = ip(o.group, 'group');
    const local = ip(o.local, 'local');
    if (remote && group) throw Msg.invalidArg('vxlan: both group and remote cannot be specified');
    const under = o.dev !== undefined ? this.mustDev(o.dev) : undefined;
    if (group && !under) throw Msg.invalidArg("vxlan: 'group' requires 'dev' to be specified");
    const dstPort = o.dstport || VXLAN_DEFAULTS.dstPort;
    if (this.devices.some((d) => d.vxlan && d.vxlan.vni === o.id && d.vxlan.dstPort === dstPort))
      throw new NetlinkError('Error: A VXLAN device with the specified VNI already exists.', 'EEXIST');
    const link = new VxlanLink(this, name, {
      id: o.id, dstPort, remote, group, local, underlay: under?.name ?? null, learning: o.learning ?? true,
      ttl: o.ttl ?? 0, srcPortRange: o.srcPortRange, ageing: o.ageing ?? VXLAN_DEFAULTS.ageing,
    });
    const d = this.addDevice(name, 'vxlan', this.lab.nextMac(), link);
    d.vxlan = link;
    link.device = d;
    d.mtu = under ? under.mtu - 50 : 1500;
    return d;
  }

  /** `ip link del DEV`: a veth takes its peer with it; a bridge releases its ports. */
  linkDel(name: string): void {
    const d = this.mustDev(name);
    if (d.kind === 'loopback') throw Msg.notSupported();
    if (d.kind === 'bridge') for (const p of d.bridge!.ports) if (p) this.setMaster(p as NetDevice, null);
    if (d.master) this.setMaster(d, null);
    this.removeDevice(d);
    if (d.kind === 'external') d.port!.attach(() => {}); // frames from the real device go nowhere now
    if (d.vxlan) d.vxlan.close();
    if (d.peer) {
      if (d.peer.master) d.peer.netns.setMaster(d.peer, null);
      d.peer.netns.removeDevice(d.peer);
      d.peer.peer = null;
      d.peer = null;
    }
  }

  /** Detaches a device from this namespace, dropping its addresses, routes and neighbours. */
  removeDevice(d: NetDevice): void {
    const i = this.devices.indexOf(d);
    if (i >= 0) this.devices.splice(i, 1);
    if (this.byIndex[d.ifindex] === d) this.byIndex[d.ifindex] = undefined;
    this.fib.removeDev(d.ifindex);
    this.stack.forgetDevice(d);
  }

  /** `ip link set DEV …`: validated completely before anything changes. */
  linkSet(name: string, o: LinkSetOptions): void {
    const target = o.netns !== undefined ? this.lab.netnsOrNull(o.netns) : null;
    if (o.netns !== undefined && !target) throw Msg.badNetns(o.netns);
    let master: NetDevice | null | undefined;
    if (o.master !== undefined && o.master !== null) {
      master = this.dev(o.master);
      if (!master) throw Msg.badMaster(o.master);
    } else if (o.master === null) master = null;
    const d = this.mustDev(name);
    let mac = -1;
    if (o.address !== undefined) {
      mac = tryParseMac(o.address);
      if (mac < 0) throw Msg.badLladdr(o.address);
      if (d.kind === 'loopback') throw Msg.notSupported();
      if (mac % 0x10000000000 >= 0 && Math.floor(mac / 0x10000000000) & 1) throw Msg.invalidArg('RTNETLINK answers: Cannot assign requested address');
    }
    if (o.mtu !== undefined) {
      if (!Number.isInteger(o.mtu)) throw Msg.invalidArg(`Error: argument "${o.mtu}" is wrong: Invalid "mtu" value`);
      if (d.kind === 'loopback' ? o.mtu > 2147483647 : o.mtu > 65535) throw d.kind === 'loopback' ? Msg.invalidArgument() : Msg.mtuTooBig();
      if (o.mtu < 68) throw Msg.mtuTooSmall();
    }
    if (master) {
      if (master.kind !== 'bridge') throw Msg.notSupported();
      if (d.kind === 'bridge') throw Msg.bridgeInBridge();
      if (d.kind === 'loopback') throw Msg.invalidArgument();
    }
    if (o.name !== undefined && o.name !== d.name) this.checkNewName(o.name);
    if (target && target !== this && target.dev(o.name ?? d.name)) throw Msg.exists();
    if (target && d.kind === 'loopback') throw Msg.invalidArg('RTNETLINK answers: Invalid argument');

    // --- apply ---
    if (o.name !== undefined && o.name !== d.name) {
      d.name = o.name;
      this.lab.deviceRenamed(d);
    }
    if (mac >= 0 && mac !== d.mac) {
      const old = d.mac;
      d.mac = mac;
      if (d.port instanceof IpToEthernetPort) d.port.mac = mac;
      if (d.kind === 'bridge') {
        d.macSetByUser = true;
        d.bridge!.setOwnMac(old, mac);
      }
      if (d.master) {
        d.master.bridge!.portMacChanged(d, old);
        this.recomputeBridgeMac(d.master);
      }
    }
    if (o.mtu !== undefined) {
      d.mtu = o.mtu;
      if (d.kind === 'veth') d.port!.mtu = o.mtu;
      // an external device's MTU is the real device's; we only stop sending larger frames
    }
    if (master !== undefined) this.setMaster(d, master);
    if (target && target !== this) this.moveTo(d, target);
    if (o.up !== undefined) (target ?? this).setUp(d, o.up);
  }

  private setMaster(d: NetDevice, master: NetDevice | null): void {
    if (d.master === master) return;
    if (d.master) {
      const old = d.master;
      old.bridge!.removePort(d);
      d.master = null;
      this.recomputeBridgeMac(old);
    }
    if (master) {
      master.bridge!.addPort(d);
      d.master = master;
      this.recomputeBridgeMac(master);
    }
  }

  /** A bridge whose address was not set takes the lowest port MAC (br_stp_recalculate_bridge_id). */
  private recomputeBridgeMac(br: NetDevice): void {
    if (br.macSetByUser) return;
    const m = br.bridge!.lowestPortMac();
    if (m >= 0 && m !== br.mac) {
      br.bridge!.setOwnMac(br.mac, m);
      br.mac = m;
    }
  }

  /** Moving to another namespace takes the device down and flushes its addresses (as the kernel does). */
  private moveTo(d: NetDevice, target: Netns): void {
    if (d.master) this.setMaster(d, null);
    d.adminUp = false;
    this.removeDevice(d);
    d.addrs.length = 0;
    d.netns = target;
    if (target.devices.some((x) => x.ifindex === d.ifindex) || d.ifindex >= target.nextIfindex) {
      // keep the ifindex when free in the target, as dev_change_net_namespace tries to
      if (target.devices.some((x) => x.ifindex === d.ifindex)) d.ifindex = target.allocIfindex();
      else target.nextIfindex = d.ifindex + 1;
    }
    target.devices.push(d);
    target.devices.sort((a, b) => a.ifindex - b.ifindex);
    target.byIndex[d.ifindex] = d;
    this.lab.deviceRenamed(d);
  }

  private setUp(d: NetDevice, up: boolean): void {
    if (d.adminUp === up) return;
    // vxlan_open binds the UDP port (EADDRINUSE fails the `up`); vxlan_stop releases it
    if (d.vxlan) {
      if (up) d.vxlan.open();
      else d.vxlan.close();
    }
    d.adminUp = up;
    if (up) {
      if (d.kind === 'loopback' && !d.addrs.some((a) => a.addr === 0x7f000001)) {
        // the kernel gives lo 127.0.0.1/8 when it comes up
        d.addrs.unshift({ addr: 0x7f000001, len: 8, brd: 0, scope: 'host' });
      }
      for (const a of d.addrs) this.addConnectedRoute(d, a);
      // arp_notify=1 announces the addresses when the device comes up; the default (0) sends
      // nothing, and adding an address never does (checked in test/lab/differential.test.ts)
      if (this.sysctls.get('net.ipv4.conf.all.arp_notify') !== '0') for (const a of d.addrs) this.stack.gratuitousArp(d, a.addr);
    } else {
      // NETDEV_DOWN: every route through the device goes, neighbours are flushed
      this.fib.removeDev(d.ifindex);
      this.stack.forgetDevice(d, true);
      if (d.master) d.master.bridge!.flushPort(d);
    }
  }

  private addConnectedRoute(d: NetDevice, a: IfAddr): void {
    if (a.len === 32 || d.kind === 'loopback') return; // a /32 has no connected route (nor does lo's: it is local)
    const net = (a.addr & prefixMask(a.len)) >>> 0;
    const r: Route = { dst: net, len: a.len, gateway: 0, ifindex: d.ifindex, dev: d.name, metric: 0, proto: 'kernel', scope: 'link', prefsrc: a.addr, type: 'unicast' };
    // a second address in the subnet on the SAME device is a secondary: no prefix route of its own
    // (fib_add_ifaddr); on another device it gets one, appended after the first (fib_magic uses
    // NLM_F_APPEND, so both `proto kernel` routes coexist and lookup keeps the older)
    if (this.fib.list().some((x) => x.dst === net && x.len === a.len && x.ifindex === d.ifindex && x.proto === 'kernel')) return;
    try {
      this.fib.append(r);
    } catch (e) {
      if (!(e instanceof RouteError)) throw e;
    }
  }

  // ---------- addresses ----------

  /** `ip addr add A[/N] dev DEV` (no prefix: /32, so no connected route, as on Linux). */
  addrAdd(devName: string, cidr: string, opts: { broadcast?: string } = {}): void {
    let c;
    try {
      c = parseCidr(cidr, 32);
    } catch {
      throw Msg.invalidPrefix(cidr);
    }
    const d = this.mustDev(devName);
    if (d.addrs.some((a) => a.addr === c.addr && a.len === c.len)) throw Msg.addrAssigned();
    const brd = opts.broadcast === '+' ? (c.addr | ~prefixMask(c.len)) >>> 0 : opts.broadcast ? tryParseIpv4(opts.broadcast) : 0;
    const a: IfAddr = { addr: c.addr, len: c.len, brd: Math.max(0, brd), scope: c.addr >>> 24 === 127 ? 'host' : 'global' };
    d.addrs.push(a);
    if (d.adminUp) this.addConnectedRoute(d, a);
  }

  addrDel(devName: string, cidr: string): void {
    let c;
    try {
      c = parseCidr(cidr, 32);
    } catch {
      throw Msg.invalidPrefix(cidr);
    }
    const d = this.mustDev(devName);
    const i = d.addrs.findIndex((a) => a.addr === c.addr && (cidr.includes('/') ? a.len === c.len : true));
    if (i < 0) throw Msg.addrNotFound();
    const a = d.addrs[i]!;
    d.addrs.splice(i, 1);
    // routes using it as preferred source go with it (fib_del_ifaddr)
    for (const r of this.fib.list()) if (r.ifindex === d.ifindex && r.prefsrc === a.addr && r.proto === 'kernel') this.fib.del(r);
  }

  /** Whether `a` is one of this namespace's addresses (any device that is up: the weak host model). */
  isLocal(a: number): boolean {
    for (const d of this.devices) {
      if (!d.adminUp) continue;
      for (const x of d.addrs) if (x.addr === a) return true;
    }
    if (a >>> 24 === 127 && this.lo.adminUp) return true;
    return false;
  }

  // ---------- routes ----------

  private parseRoute(spec: RouteSpec): { dst: number; len: number; gw: number; dev: NetDevice | undefined } {
    let dst = 0;
    let len = 0;
    if (spec.dst !== 'default' && spec.dst !== '0/0') {
      try {
        const c = parseCidr(spec.dst, 32);
        dst = c.addr;
        len = c.len;
      } catch {
        throw Msg.invalidPrefix(spec.dst);
      }
      if (((dst & prefixMask(len)) >>> 0) !== dst) throw Msg.invalidArg('Error: Invalid prefix for given prefix length.');
    }
    let gw = 0;
    if (spec.via !== undefined) {
      gw = tryParseIpv4(spec.via);
      if (gw < 0) throw Msg.invalidAddr(spec.via);
    }
    const dev = spec.dev !== undefined ? this.mustDev(spec.dev) : undefined;
    return { dst, len, gw, dev };
  }

  /**
   * Gateway must be reachable on-link: covered by a connected (scope link) route whose device is
   * the one given (fib_check_nh). Returns the device the kernel would pick.
   */
  private resolveNexthop(gw: number, dev: NetDevice | undefined): NetDevice {
    if (gw === 0) {
      if (!dev) throw Msg.invalidArg('Error: Device for nexthop is not found.');
      if (!dev.adminUp) throw Msg.nexthopDown();
      return dev;
    }
    if (this.isLocal(gw)) throw Msg.badGateway();
    // fib_check_nh_v4_gw: covered by a route of scope link/host (never via another gateway), on dev if given
    const r = this.fib.lookupWhere(gw, (x) => x.scope !== 'global' && (!dev || x.ifindex === dev.ifindex));
    const out = r && r.type === 'unicast' ? this.byIndex[r.ifindex] : undefined;
    if (!out) throw Msg.badGateway();
    if (!out.adminUp) throw Msg.nexthopDown();
    return out;
  }

  routeAdd(spec: RouteSpec, replace = false): void {
    const p = this.parseRoute(spec);
    const dev = this.resolveNexthop(p.gw, p.dev);
    const metric = spec.metric ?? 0;
    const src = spec.src ? tryParseIpv4(spec.src) : 0;
    const r: Route = { dst: p.dst, len: p.len, gateway: p.gw, ifindex: dev.ifindex, dev: dev.name, metric, proto: 'boot', scope: p.gw ? 'global' : 'link', prefsrc: Math.max(0, src), type: 'unicast' };
    try {
      if (replace) this.fib.replace(r);
      else this.fib.add(r);
    } catch (e) {
      throw routeErr(e);
    }
  }

  routeReplace(spec: RouteSpec): void {
    this.routeAdd(spec, true);
  }

  routeDel(spec: RouteSpec): void {
    const p = this.parseRoute(spec);
    try {
      this.fib.del({ dst: p.dst, len: p.len, metric: spec.metric, gateway: p.gw || undefined, ifindex: p.dev?.ifindex });
    } catch (e) {
      throw routeErr(e);
    }
  }

  /** `ip route get A`: the line iproute2 prints, or the kernel error. */
  routeGet(dst: string): string {
    const a = tryParseIpv4(dst);
    if (a < 0) throw Msg.invalidAddr(dst);
    if (this.isLocal(a)) return `local ${dst} dev lo src ${dst} uid 0 \n    cache <local> `;
    const r = this.fib.lookup(a);
    const d = r ? this.byIndex[r.ifindex] : undefined;
    if (!r || !d) throw Msg.netUnreachable();
    const src = this.stack.sourceFor(r, d, a);
    return `${dst} ${r.gateway ? `via ${ipv4ToString(r.gateway)} ` : ''}dev ${d.name} src ${ipv4ToString(src)} uid 0 \n    cache `;
  }

  /** The main table's routes in `ip route` order, each naming its device's current name. */
  routes(): Route[] {
    return this.fib.list().map((r) => ({ ...r, dev: this.byIndex[r.ifindex]?.name ?? r.dev }));
  }

  // ---------- neighbours ----------

  neighAdd(ip: string, lladdr: string, devName: string, replace = false): void {
    const a = tryParseIpv4(ip);
    if (a < 0) throw Msg.invalidAddr(ip);
    const mac = tryParseMac(lladdr);
    if (mac < 0) throw Msg.badLladdr(lladdr);
    const d = this.mustDev(devName);
    if (!replace && this.stack.neighbour(d, a)) throw Msg.exists();
    this.stack.neighSet(d, a, mac, replace);
  }

  neighDel(ip: string, devName: string): void {
    const a = tryParseIpv4(ip);
    if (a < 0) throw Msg.invalidAddr(ip);
    const d = this.mustDev(devName);
    if (!this.stack.neighDelete(d, a)) throw Msg.noEntry();
  }

  /** `ip neigh flush dev DEV` (or all devices); permanent entries stay, as in iproute2. */
  neighFlush(devName?: string): void {
    const d = devName !== undefined ? this.mustDev(devName) : undefined;
    this.stack.neighFlush(d);
  }

  // ---------- sysctl ----------

  sysctl(key: string, value?: string): string {
    const k = key.replace(/\//g, '.');
    if (!this.sysctls.has(k)) throw Msg.sysctlUnknown(k);
    if (value !== undefined) {
      if (!/^-?\d+$/.test(value.trim())) throw Msg.invalidArg(`sysctl: setting key "${k}": Invalid argument`);
      this.sysctls.set(k, value.trim());
      if (k === 'net.ipv4.ip_forward' || k === 'net.ipv4.conf.all.forwarding') {
        this.sysctls.set('net.ipv4.ip_forward', value.trim());
        this.sysctls.set('net.ipv4.conf.all.forwarding', value.trim());
        this.stack.forwarding = value.trim() !== '0';
      }
      if (k === 'net.ipv4.ip_default_ttl') this.stack.defaultTtl = Number(value);
      if (k.startsWith('net.netfilter.')) this.netfilter?.applySysctls();
    }
    return `${k} = ${this.sysctls.get(k)}`;
  }

  // ---------- listings ----------

  /** `ip link [show DEV]`; `details`: `ip -d link` (the vxlan line; other kinds list as without -d). */
  ipLink(dev?: string, details = false): string[] {
    return formatIpLink(this, dev !== undefined ? [this.mustDev(dev)] : this.devices, details);
  }
  ipSLink(dev?: string): string[] {
    return formatIpSLink(this, dev !== undefined ? [this.mustDev(dev)] : this.devices);
  }
  ipAddr(dev?: string): string[] {
    return formatIpAddr(this, dev !== undefined ? [this.mustDev(dev)] : this.devices);
  }
  /** `ip route` lines (iproute2 ends each with a space; a route on a device without carrier says linkdown). */
  ipRoute(): string[] {
    return this.routes().map((r) => formatRoute(r) + (this.byIndex[r.ifindex]?.carrier === false ? ' linkdown ' : ' '));
  }
  routeN(): string[] {
    return formatRouteN(this.routes()).replace(/\n$/, '').split('\n');
  }
  /** `ip neigh` lines (iproute2 ends each with a space; NOARP entries hidden). */
  ipNeigh(): string[] {
    return this.neighShown().map((e) => formatNeigh(e, this.devName(e.ifindex)) + ' ');
  }
  /** `arp -n` lines (nothing at all when the table is empty, as net-tools prints). */
  arpN(): string[] {
    const rows = this.neighShown();
    return rows.length === 0 ? [] : formatArpN(rows, (i) => this.devName(i)).replace(/\n$/, '').split('\n');
  }
  private neighShown() {
    return this.stack.neighRows().filter((e) => e.state !== 'NOARP');
  }
  private devName(ifindex: number): string {
    return this.byIndex[ifindex]?.name ?? `if${ifindex}`;
  }
  /** `bridge fdb show` (master entries of bridges and their ports; multicast `self` entries omitted). */
  bridgeFdb(): string[] {
    // rtnl_fdb_dump walks devices in ifindex order: a bridge lists the entries with no port (its
    // own MAC when no port has it: `MAC dev br0 master br0 permanent`), a port those on it
    const out: string[] = [];
    for (const d of this.devices) {
      const br = d.kind === 'bridge' ? d : d.master;
      if (!br || !br.bridge) continue;
      for (const r of br.bridge.rows()) {
        if (r.port !== (d === br ? -1 : d.bridgePortId)) continue;
        // iproute2 6.x: a learned entry (no state word) ends with a space, `permanent`/`static` do not
        const kind = r.kind === 'local' ? ' permanent' : r.kind === 'static' ? ' static' : ' ';
        out.push(`${macToString(r.mac)} dev ${d.name} master ${br.name}${kind}`);
      }
    }
    // vxlan devices' own (self) entries: `MAC dev vxlan0 dst IP [via DEV] self [permanent]`
    for (const d of this.devices) if (d.vxlan) out.push(...d.vxlan.fdbShow(false));
    return out;
  }
  /** `bridge link`. */
  bridgeLink(): string[] {
    const out: string[] = [];
    for (const d of this.devices) {
      if (!d.master) continue;
      const flags = ['BROADCAST', 'MULTICAST', ...(d.adminUp ? ['UP'] : []), ...(d.carrier ? ['LOWER_UP'] : [])];
      const state = d.carrier && d.master.adminUp ? 'forwarding' : 'disabled';
      out.push(`${d.ifindex}: ${d.displayName()}: <${flags.join(',')}> mtu ${d.mtu} master ${d.master.name} state ${state} priority 32 cost 2 `);
    }
    return out;
  }

  // ---------- applications ----------

  /** Opens a UDP socket bound to `port` (0 = an ephemeral port from the lab rng). */
  udpBind(port = 0, address = '0.0.0.0'): UdpSocket {
    return this.stack.udpBind(port, address);
  }

  ping(dst: string, opts: PingOptions = {}): PingResult {
    return ping(this, dst, opts);
  }

  /** ping for a lab on the wall clock (attached to real devices); equals ping() on a virtual clock. */
  pingAsync(dst: string, opts: PingOptions = {}): Promise<PingResult> {
    return pingAsync(this, dst, opts);
  }
}

/** A RouteError from the shared table as the NetlinkError the lab API throws. */
function routeErr(e: unknown): unknown {
  return e instanceof RouteError ? new NetlinkError(e.message, e.errno) : e;
}

/** Neighbour states as `ip neigh` names them. */
export type NeighState = NudName;
export { NetlinkError, inPrefix };
