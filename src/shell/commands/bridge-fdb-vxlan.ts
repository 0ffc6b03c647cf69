// `bridge fdb add|append|replace|del MAC dev VXLAN [dst IP] [port P] [vni V] [self] [permanent]`: edits
// a vxlan device's VTEP FDB (src/lab/vxlan-device.ts), with iproute2's messages and exit statuses
// (checked on iproute2 6.x / Linux 6.x: parse errors 255 except a bad address (1), netlink errors 255).
import type { Ctx } from '../command.ts';
import { tryParseMac } from '../../ethernet/mac.ts';
import { VxlanFdbError } from '../../encap/vxlan-fdb.ts';
import type { VxlanRemote } from '../../encap/vxlan-fdb.ts';

type Op = 'add' | 'append' | 'replace' | 'delete';

/** The exit status, or null when the device is not a vxlan device (the caller handles it). */
export function fdbModifyVxlan(ctx: Ctx, op: Op, args: string[]): number | null {
  let mac: string | undefined;
  let dev: string | undefined;
  let dst: string | undefined;
  let port: number | undefined;
  let vni: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const v = args[i + 1];
    if (w === 'dev' || w === 'dst' || w === 'port' || w === 'dst_port' || w === 'vni' || w === 'via' || w === 'src_vni' || w === 'vlan') {
      if (v === undefined) {
        ctx.err('Command line is not complete. Try option "help"\n');
        return 255;
      }
      i++;
      if (w === 'dev') dev = v;
      else if (w === 'dst') dst = v;
      else if (w === 'port' || w === 'dst_port') port = Number(v);
      else if (w === 'vni') vni = Number(v);
      else return null; // via/src_vni/vlan: not modelled, the caller says so
    } else if (w === 'self' || w === 'permanent' || w === 'static' || w === 'local') continue;
    else if (w === 'master' || w === 'dynamic' || w === 'router' || w === 'use' || w === 'extern_learn' || w === 'sticky') return null;
    else if (mac === undefined) mac = w;
    else {
      ctx.err(`Error: either "dev" is duplicate, or "${w}" is a garbage.\n`);
      return 255;
    }
  }
  if (mac === undefined || dev === undefined) {
    ctx.err('Device and address are required arguments.\n');
    return 255;
  }
  const m = tryParseMac(mac);
  if (m < 0) {
    ctx.err(`Invalid mac address ${mac}\n`);
    return 255;
  }
  let ip: number | undefined;
  if (dst !== undefined) {
    const p = dst.split('.');
    if (p.length !== 4 || !p.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255)) {
      ctx.err(`Error: any valid address is expected rather than "${dst}".\n`);
      return 1;
    }
    ip = p.reduce((a, x) => a * 256 + Number(x), 0);
  }
  const d = ctx.ns.dev(dev);
  if (!d) {
    ctx.err(`Cannot find device "${dev}"\n`);
    return 255;
  }
  if (!d.vxlan) return null;
  const link = d.vxlan;
  try {
    if (op === 'delete') link.fdbDel(m, ip);
    else {
      // vxlan_fdb_add: RTM_NEWNEIGH without NDA_DST is EINVAL
      if (ip === undefined) {
        ctx.err('RTNETLINK answers: Invalid argument\n');
        return 255;
      }
      const r: VxlanRemote = { ip };
      if (port !== undefined) r.port = port;
      if (vni !== undefined) r.vni = vni;
      if (op === 'add') link.fdbAdd(m, r);
      else if (op === 'append') link.fdbAppend(m, r);
      else link.fdbReplace(m, r);
    }
  } catch (e) {
    if (e instanceof VxlanFdbError) {
      ctx.err(`${e.message}\n`);
      return 255;
    }
    throw e;
  }
  return 0;
}
