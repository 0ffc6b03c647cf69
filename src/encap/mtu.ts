// Overlay MTU arithmetic. The overlay MTU is the largest inner IP datagram that, once wrapped, still
// fits the underlay MTU (the largest outer IP datagram) without fragmentation.
//
// VXLAN over IPv4 (RFC 7348 §4.3; Linux sets a vxlan device's MTU to lower dev MTU − 50):
//   outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 = 50        → 1500 − 50 = 1450
//   (the outer Ethernet header is not counted: it is outside the underlay MTU too.)
//
// Weave sleeve, unencrypted (router/sleeve.go: overheadDF = UDPOverhead + PacketOverhead +
// FrameOverhead + EthernetOverhead):
//   outer IPv4 20 + UDP 8 + sender name 6 + (capturer 6 + destination 6 + length 2) + inner Ethernet 14
//   = 62                                                             → 1500 − 62 = 1438
// Encrypted sleeve adds 8 (sequence number + DF bit) + 16 (NaCl secretbox tag) = 86 → 1414.
// Weave measures the path MTU per peer (PMTU discovery from 60000 bytes down) and uses underlay − 62;
// batching puts several frames in one datagram while the total stays ≤ path MTU − 28.
//
// Weave fastdp: the datapath MTU is a fixed default of 1376 (net/bridge.go: GCE's 1460 underlay − 20
// IPv4 − 8 UDP − 8 VXLAN − 14 inner Ethernet − 34 ESP for encrypted fastdp), whatever the underlay is.
import { IPV4_MIN_HEADER } from '../ip/ipv4.ts';
import { UDP_HEADER_LEN } from '../ip/udp.ts';
import { ETH_HEADER_LEN } from '../ethernet/frame.ts';
import { VXLAN_HEADER_LEN } from './vxlan.ts';
import { SLEEVE_PACKET_HEADER_LEN, SLEEVE_FRAME_HEADER_LEN } from './weave-sleeve.ts';

export const ETHERNET_MTU = 1500;
/** Per-frame bytes VXLAN adds inside the underlay MTU: 50. */
export const VXLAN_MTU_OVERHEAD = IPV4_MIN_HEADER + UDP_HEADER_LEN + VXLAN_HEADER_LEN + ETH_HEADER_LEN;
/** Weave's UDPOverhead: outer IPv4 + UDP. */
export const WEAVE_UDP_OVERHEAD = IPV4_MIN_HEADER + UDP_HEADER_LEN;
/** Sleeve overhead for one unencrypted frame in its own datagram: 62. */
export const SLEEVE_MTU_OVERHEAD = WEAVE_UDP_OVERHEAD + SLEEVE_PACKET_HEADER_LEN + SLEEVE_FRAME_HEADER_LEN + ETH_HEADER_LEN;
/** NaCl sleeve: + 8-byte sequence/DF word + 16-byte secretbox overhead = 86. */
export const SLEEVE_ENCRYPTED_MTU_OVERHEAD = SLEEVE_MTU_OVERHEAD + 8 + 16;
/** ESP overhead Weave reserves for encrypted fastdp. */
export const WEAVE_ESP_OVERHEAD = 34;
/** Weave's default datapath MTU (net/bridge.go): 1460 − 50 − 34. */
export const WEAVE_DEFAULT_MTU = 1460 - VXLAN_MTU_OVERHEAD - WEAVE_ESP_OVERHEAD;

export function vxlanOverlayMtu(underlayMtu: number): number {
  return underlayMtu - VXLAN_MTU_OVERHEAD;
}
export function sleeveOverlayMtu(underlayMtu: number, encrypted = false): number {
  return underlayMtu - (encrypted ? SLEEVE_ENCRYPTED_MTU_OVERHEAD : SLEEVE_MTU_OVERHEAD);
}
/** UDP payload budget for one sleeve datagram (Weave's maxPayload). */
export function sleeveMaxPayload(underlayMtu: number): number {
  return underlayMtu - WEAVE_UDP_OVERHEAD;
}
/** How many inner frames of `frameLen` bytes (Ethernet header included) one sleeve datagram carries. */
export function sleeveFramesPerDatagram(underlayMtu: number, frameLen: number): number {
  const budget = sleeveMaxPayload(underlayMtu) - SLEEVE_PACKET_HEADER_LEN;
  return Math.max(0, Math.floor(budget / (SLEEVE_FRAME_HEADER_LEN + frameLen)));
}
