// Weave Net's fast datapath ("fastdp") on the wire: plain VXLAN (RFC 7348) between Weave routers on
// UDP port = router port + 1 = 6784 (router/fastdp.go: "We use the weave port number plus 1 for
// vxlan"), with the 24-bit VNI carrying the two peers' 12-bit short IDs (router/fastdp.go
// tunnelIDFor / extractPeers):
//
//   VNI bits 23..12 = destination peer short ID, bits 11..0 = source peer short ID
//   i.e. vni = src | dst << 12
//
// So the source is in the LOW 12 bits. Short IDs are mesh.PeerShortID (12 bits, PeerShortIDBits),
// assigned by gossip; a peer without one cannot use fastdp. Weave's own overlay MTU default is 1376
// (see mtu.ts).
import { WEAVE_PORT } from './weave-sleeve.ts';
import { VxlanEncapsulator, type VxlanTunnel } from './vxlan-encap.ts';

export const FASTDP_UDP_PORT = WEAVE_PORT + 1;
export const SHORT_ID_BITS = 12;
export const SHORT_ID_MAX = (1 << SHORT_ID_BITS) - 1;

/** VNI for a frame from peer `src` to peer `dst` (short IDs, 0..4095). */
export function fastdpVni(srcShortId: number, dstShortId: number): number {
  return ((srcShortId & SHORT_ID_MAX) | ((dstShortId & SHORT_ID_MAX) << SHORT_ID_BITS)) >>> 0;
}
export function fastdpSrcShortId(vni: number): number {
  return vni & SHORT_ID_MAX;
}
export function fastdpDstShortId(vni: number): number {
  return (vni >>> SHORT_ID_BITS) & SHORT_ID_MAX;
}

/** A VXLAN encapsulator preset for fastdp: port 6784 and the peer-pair VNI. */
export function fastdpEncapsulator(
  t: Omit<VxlanTunnel, 'vni' | 'dstPort'> & { srcShortId: number; dstShortId: number },
  firstIpId = 0,
): VxlanEncapsulator {
  const { srcShortId, dstShortId, ...rest } = t;
  return new VxlanEncapsulator({ ...rest, dstPort: FASTDP_UDP_PORT, vni: fastdpVni(srcShortId, dstShortId) }, firstIpId);
}

export function formatFastdpVni(vni: number): string {
  return `VNI ${vni} (src short id ${fastdpSrcShortId(vni)}, dst short id ${fastdpDstShortId(vni)})`;
}
