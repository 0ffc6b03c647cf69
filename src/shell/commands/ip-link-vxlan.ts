// `ip link add NAME type vxlan ARGS`, parsed as iproute2's ip/iplink_vxlan.c vxlan_parse(): words in
// order, duplicates rejected with duparg, the same messages and exit statuses (checked on iproute2 6.x
// with Linux 6.x: parse errors of the vxlan plugin exit 1, invarg/duparg 255).
import type { VxlanLinkOptions } from '../../lab/vxlan-device.ts';
import { Args, IpExit, duparg2, invarg, type IpCtx } from './ip-common.ts';

export const VXLAN_USAGE = `Usage: ... vxlan id VNI
		[ { group | remote } IP_ADDRESS ]
		[ local ADDR ]
		[ ttl TTL ]
		[ tos TOS ]
		[ df DF ]
		[ flowlabel LABEL ]
		[ dev PHYS_DEV ]
		[ dstport PORT ]
		[ srcport MIN MAX ]
		[ [no]learning ]
		[ [no]proxy ]
		[ [no]rsc ]
		[ [no]l2miss ]
		[ [no]l3miss ]
		[ ageing SECONDS ]
		[ maxaddress NUMBER ]
		[ [no]udpcsum ]
		[ [no]udp6zerocsumtx ]
		[ [no]udp6zerocsumrx ]
		[ [no]remcsumtx ] [ [no]remcsumrx ]
		[ [no]external ] [ gbp ] [ gpe ]
		[ [no]vnifilter ]

Where:	VNI	:= 0-16777215
	ADDR	:= { IP_ADDRESS | any }
	TOS	:= { NUMBER | inherit }
	TTL	:= { 1..255 | auto | inherit }
	DF	:= { unset | set | inherit }
	LABEL := 0-1048575
`;

const DSTPORT_WARNING = `vxlan: destination port not specified
Will use Linux kernel default (non-standard value)
Use 'dstport 4789' to get the IANA assigned value
Use 'dstport 0' to get default and quiet this message
`;

/** iproute2's get_addr for IPv4: 1 to 4 dotted numbers, missing trailing parts are zero ("1.2.3" = 1.2.3.0). */
function addr(s: string): string {
  const p = s.split('.');
  if (p.length > 4 || !p.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255)) throw new IpExit(`Error: any valid address is expected rather than "${s}".`, 1);
  while (p.length < 4) p.push('0');
  return p.map(Number).join('.');
}

function u32(s: string): number {
  return /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : NaN;
}

/** The options for Netns.linkAddVxlan, or an IpExit with iproute2's message. Warnings go to stderr. */
export function parseVxlanArgs(ctx: IpCtx, args: string[]): VxlanLinkOptions {
  const a = new Args(args);
  const seen = new Set<string>();
  const once = (key: string, v: string) => {
    if (seen.has(key)) throw duparg2(key, v);
    seen.add(key);
  };
  let id: number | undefined;
  const o: Partial<VxlanLinkOptions> = {};
  let dstportGiven = false;
  while (a.more) {
    const w = a.peek()!;
    if (w === 'id' || w === 'vni') {
      const v = a.next();
      once('id', v);
      const n = u32(v);
      if (!(n >= 0 && n <= 0xffffff)) throw invarg('invalid id', v);
      id = n;
    } else if (w === 'group' || w === 'remote') {
      const v = a.next();
      once(w, v);
      const ip = addr(v);
      const multi = Number(ip.split('.')[0]) >>> 4 === 0xe;
      if (w === 'group' && !multi) throw invarg('invalid group address', v);
      if (w === 'remote' && multi) throw invarg('invalid remote address', v);
      o[w] = ip;
    } else if (w === 'local') {
      const v = a.next();
      once('local', v);
      if (v !== 'any') o.local = addr(v);
    } else if (w === 'dev') {
      const v = a.next();
      once('dev', v);
      if (!ctx.ns.dev(v)) throw new IpExit(`Cannot find device "${v}"`, 255);
      o.dev = v;
    } else if (w === 'ttl' || w === 'hoplimit') {
      const v = a.next();
      once('ttl', v);
      if (v === 'auto' || v === 'inherit') {
        if (v === 'inherit') throw new IpExit('wirestack: vxlan "ttl inherit" is not modelled', 1);
      } else {
        const n = u32(v);
        if (Number.isNaN(n)) throw invarg('invalid TTL', v);
        if (n > 255) throw invarg('TTL must be <= 255', v);
        if (n > 0) o.ttl = n;
      }
    } else if (w === 'dstport') {
      const v = a.next();
      once('dstport', v);
      const n = u32(v);
      if (!(n >= 0 && n <= 0xffff)) throw invarg('dst port', v);
      dstportGiven = true;
      o.dstport = n === 0 ? 8472 : n; // 0: the kernel's default, quietly
    } else if (w === 'srcport' || w === 'port') {
      a.take();
      const lo = a.more ? a.take() : undefined;
      const hi = a.more ? a.take() : undefined;
      if (lo === undefined || hi === undefined) throw new IpExit('Command line is not complete. Try option "help"', 255);
      once('srcport', lo);
      const l = u32(lo);
      const h = u32(hi);
      if (!(l >= 0 && l <= 0xffff)) throw invarg('min port', lo);
      if (!(h >= 0 && h <= 0xffff)) throw invarg('max port', hi);
      if (l !== 0 || h !== 0) o.srcPortRange = [l, h];
    } else if (w === 'learning' || w === 'nolearning') {
      a.take();
      once('learning', w);
      o.learning = w === 'learning';
    } else if (w === 'ageing') {
      const v = a.next();
      once('ageing', v);
      const n = u32(v);
      if (Number.isNaN(n)) throw invarg('ageing', v);
      o.ageing = n;
    } else if (w === 'noudpcsum' || w === 'udpcsum') {
      a.take();
      once('udpcsum', w);
      // the device always sends a zero outer checksum (RFC 7348 §5), i.e. what noudpcsum asks for
      if (w === 'udpcsum') throw new IpExit('wirestack: vxlan "udpcsum" (outer UDP checksum on transmit) is not modelled', 1);
    } else if (w === 'help') {
      throw new IpExit(VXLAN_USAGE, 255);
    } else {
      throw new IpExit(`vxlan: unknown command "${w}"?\n${VXLAN_USAGE}`, 1);
    }
  }
  if (id === undefined) throw new IpExit('vxlan: missing virtual network identifier', 1);
  if (o.group && o.remote) throw new IpExit('vxlan: both group and remote cannot be specified', 1);
  if (o.group && !o.dev) throw new IpExit("vxlan: 'group' requires 'dev' to be specified", 1);
  if (!dstportGiven) {
    ctx.err(DSTPORT_WARNING);
    o.dstport = 8472;
  }
  return { ...o, id };
}
