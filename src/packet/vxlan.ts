// VXLAN (RFC 7348) in the dissector: UDP port 4789 carries an 8-byte header and an inner Ethernet
// frame, which is dissected like any other, so `inspect` shows the inner packet and --json has the
// inner fields after the outer ones (tshark joins both occurrences with ','). Only 4789 is
// registered: tshark 4.0 decodes only the IANA port by default, not Linux's legacy 8472.
//
// Linux drops headers with flags other than I, but a dissector shows what is there (tshark does):
// the header is decoded from the view's fields and re-emitted from its own bytes unless it is one
// emitVxlan reproduces.
import { VxlanView, parseVxlan, emitVxlan, formatVxlan, VXLAN_HEADER_LEN, VXLAN_PORT, type VxlanRepr } from '../encap/vxlan.ts';
import { registerUdpPort, dissectEthernet, pushData, type Layer } from './dissect.ts';
import { registerFields, hex } from './fields.ts';
import { registerInfo } from './summary.ts';

/** The decoded header: the 16-bit flags word tshark shows, the VNI and the reserved bits. */
export interface VxlanInfo extends VxlanRepr {
  flags16: number;
  gbp: number;
  reserved8: number;
}

const view = new VxlanView();

registerUdpPort(VXLAN_PORT, (ctx, off, len) => {
  const v = view.wrap(ctx.buf, off, len);
  if (v.check() !== 0) {
    pushData(ctx, off, len);
    return len;
  }
  const b = ctx.buf;
  const flags16 = (b[off]! << 8) | b[off + 1]!;
  const info: VxlanInfo = { flags: v.flags, vni: v.vni, flags16, gbp: (b[off + 2]! << 8) | b[off + 3]!, reserved8: v.reserved2 };
  const valid = typeof parseVxlan(v) !== 'number';
  const raw = valid ? null : b.slice(off, off + VXLAN_HEADER_LEN);
  ctx.layers.push({
    proto: 'vxlan', off, len: VXLAN_HEADER_LEN, repr: info, quoted: ctx.quoted || undefined,
    emit: (out) => { if (raw) out.set(raw, off); else emitVxlan(info, out, off); },
  });
  if (len > VXLAN_HEADER_LEN) dissectEthernet(ctx, off + VXLAN_HEADER_LEN, len - VXLAN_HEADER_LEN);
  return len;
});

registerFields('vxlan', (l: Layer, add) => {
  const r = l.repr as VxlanInfo;
  const f = r.flags16;
  add('vxlan.flags', hex(f, 4));
  add('vxlan.flag_g', String((f >> 15) & 1));
  add('vxlan.flag_i', String((f >> 11) & 1));
  add('vxlan.flag_d', String((f >> 6) & 1));
  add('vxlan.flag_a', String((f >> 3) & 1));
  add('vxlan.flags_reserved', hex(f & 0x77b7, 4));
  add('vxlan.gbp', String(r.gbp));
  add('vxlan.vni', String(r.vni));
  add('vxlan.reserved8', String(r.reserved8));
});

// only names the row when nothing inside it does (an empty or cut-off inner frame)
registerInfo('vxlan', (l) => ({ protocol: 'VXLAN', info: formatVxlan(l.repr as VxlanInfo) }));
