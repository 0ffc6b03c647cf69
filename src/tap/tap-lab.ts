// "A stack on the other end of a TAP device": a one-namespace lab whose eth0 is a Linux TAP
// device, answering ARP and ping and (optionally) serving DNS zones on UDP port 53. The engine of
// `wirestack tap`, usable from tests and benches.
//
// Order matters for "no leaked devices": every argument (addresses, zone files) is checked before
// the TAP device is opened, and any failure after opening closes it again (a device we created
// vanishes with its fd, wherever it has been moved to).
import { spawnSync } from 'node:child_process';
import { parseCidr, ipv4ToString, tryParseIpv4 } from '../ip/address.ts';
import { macToString } from '../ethernet/mac.ts';
import { Lab } from '../lab/lab.ts';
import type { NetDevice } from '../lab/net-device.ts';
import { loadServer } from '../dns/udp-server.ts';
import { serveDns, type LabDnsServer } from '../dns/lab-server.ts';
import { openTap, type TapPort } from './tap-port.ts';

export interface TapLabOptions {
  /** TAP device name (created if missing, else attached to). */
  tap: string;
  /** The lab side's address, CIDR (e.g. 10.0.0.2/24). */
  ip: string;
  /** Default route of the lab side. */
  gateway?: string;
  /** Zone files served authoritatively on UDP port 53 of the lab address. */
  zones?: string[];
  /** Capture of eth0 (.pcap → pcap, else pcapng). */
  pcap?: string;
  /** Move the TAP device into this kernel network namespace (`ip link set TAP netns NS`). */
  netns?: string;
  /** Give the kernel side of the TAP this address and bring it up. */
  hostIp?: string;
  seed?: number;
  /** MAC of the lab side (default: the lab's first seeded MAC). */
  mac?: number;
}

export interface TapLab {
  readonly lab: Lab;
  readonly port: TapPort;
  readonly dev: NetDevice;
  readonly dns: LabDnsServer | null;
  /** What was set up, one line per step, for the CLI to print. */
  readonly lines: string[];
  /** Stops everything and removes what we created (idempotent). Returns lines describing it. */
  close(): string[];
}

function ip(args: string[]): { ok: boolean; err: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: (r.stderr ?? '').trim() || (r.error?.message ?? '') };
}

/** Validates, opens the TAP device and starts the lab on the wall clock. Throws Error with a clear message. */
export function startTapLab(o: TapLabOptions): TapLab {
  // ---- validate everything before touching the system ----
  let cidr;
  try {
    cidr = parseCidr(o.ip, 32);
  } catch {
    throw new Error(`--ip: "${o.ip}" is not an IPv4 address with prefix (e.g. 10.0.0.2/24)`);
  }
  if (o.gateway !== undefined && tryParseIpv4(o.gateway) < 0) throw new Error(`--gateway: "${o.gateway}" is not an IPv4 address`);
  if (o.hostIp !== undefined) {
    try {
      parseCidr(o.hostIp, 32);
    } catch {
      throw new Error(`--host-ip: "${o.hostIp}" is not an IPv4 address with prefix`);
    }
  }
  const zones = o.zones ?? [];
  const server = zones.length > 0 ? loadServer(zones) : null;

  // ---- open the device; from here on, failures close it ----
  const port = openTap(o.tap);
  const created = !port.existed;
  const lines: string[] = [];
  const nsArgs = o.netns ? ['-n', o.netns] : [];
  let hostAddrAdded = false;
  let lab: Lab | null = null;
  let dns: LabDnsServer | null = null;
  let closed = false;
  const close = (): string[] => {
    if (closed) return [];
    closed = true;
    const out: string[] = [];
    dns?.close();
    if (lab) {
      lab.closeCaptures();
      lab.scheduler.stop();
    }
    const st = port.stats;
    port.close();
    out.push(`${port.name}: received ${st.rxFrames} frames, sent ${st.txFrames} (${st.txDropped} dropped, ${st.txErrors} errors)`);
    if (created) out.push(`${port.name}: removed (we created it)`);
    else {
      if (hostAddrAdded) ip([...nsArgs, 'addr', 'del', o.hostIp!, 'dev', port.name]);
      out.push(`${port.name}: left in place (it existed before)${hostAddrAdded ? `, address ${o.hostIp} removed` : ''}`);
    }
    return out;
  };
  try {
    lines.push(`${port.name}: ${created ? 'created TAP device' : 'attached to existing TAP device'} (kernel side ${macToString(port.mac)}, mtu ${port.mtu})`);
    if (o.netns) {
      const r = ip(['link', 'set', port.name, 'netns', o.netns]);
      if (!r.ok) throw new Error(`cannot move ${port.name} into netns ${o.netns}: ${r.err}`);
      lines.push(`${port.name}: moved into network namespace ${o.netns}`);
    }
    if (o.hostIp) {
      const r = ip([...nsArgs, 'addr', 'add', o.hostIp, 'dev', port.name]);
      if (!r.ok && !/File exists/.test(r.err)) throw new Error(`cannot add ${o.hostIp} to ${port.name}: ${r.err}`);
      hostAddrAdded = r.ok;
      const u = ip([...nsArgs, 'link', 'set', port.name, 'up']);
      if (!u.ok) throw new Error(`cannot bring ${port.name} up: ${u.err}`);
      lines.push(`${port.name}: kernel side ${o.hostIp}, up`);
    }
    lab = new Lab({ seed: o.seed ?? 1 });
    const ns = lab.root;
    ns.linkSet('lo', { up: true });
    const dev = ns.linkAddExternal('eth0', port, o.mac !== undefined ? { mac: o.mac } : {});
    ns.addrAdd('eth0', `${ipv4ToString(cidr.addr)}/${cidr.len}`);
    ns.linkSet('eth0', { up: true });
    if (o.gateway) ns.routeAdd({ dst: 'default', via: o.gateway });
    lines.push(`lab: eth0 ${macToString(dev.mac)} ${ipv4ToString(cidr.addr)}/${cidr.len}${o.gateway ? ` via ${o.gateway}` : ''}: answers ARP and ping`);
    if (server) {
      dns = serveDns(ns, '0.0.0.0', 53, server);
      lines.push(`dns: serving ${zones.join(', ')} on ${ipv4ToString(cidr.addr)}:53/udp`);
    }
    if (o.pcap) {
      lab.capture(o.pcap, o.pcap.endsWith('.pcap') ? { ifaces: ['root/eth0'] } : {});
      lines.push(`capture: ${o.pcap}`);
    }
    port.onError = (errno) => lines.push(`${port.name}: device error (errno ${errno})`);
    return { lab, port, dev, dns, lines, close };
  } catch (e) {
    close();
    throw e;
  }
}
