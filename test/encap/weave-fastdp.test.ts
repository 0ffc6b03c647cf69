import t from 'tap';
import { fastdpVni, fastdpSrcShortId, fastdpDstShortId, fastdpEncapsulator, FASTDP_UDP_PORT, formatFastdpVni } from '../../src/encap/weave-fastdp.ts';
import { VxlanDecapsulator } from '../../src/encap/vxlan-encap.ts';
import * as mtu from '../../src/encap/mtu.ts';

t.test('VNI = src | dst << 12 (Weave tunnelIDFor), port 6784', async (t) => {
  t.equal(FASTDP_UDP_PORT, 6784);
  t.equal(fastdpVni(1, 2), 0x002001);
  t.equal(fastdpVni(0xfff, 0), 0xfff);
  t.equal(fastdpVni(0, 0xfff), 0xfff000);
  t.equal(fastdpSrcShortId(0xabc123), 0x123);
  t.equal(fastdpDstShortId(0xabc123), 0xabc);
  t.equal(formatFastdpVni(0x002001), 'VNI 8193 (src short id 1, dst short id 2)');
  const enc = fastdpEncapsulator({ outerSrcMac: 1, outerDstMac: 2, srcIp: 0x0a000001, dstIp: 0x0a000002, srcShortId: 5, dstShortId: 9 });
  const buf = new Uint8Array(200);
  buf.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x06], 60);
  const o = enc.encapsulate(buf, 60, 60);
  const d = new VxlanDecapsulator(6784);
  t.equal(d.decapsulate(buf, o, 110), 0);
  t.equal(fastdpSrcShortId(d.vni), 5);
  t.equal(fastdpDstShortId(d.vni), 9);
});

t.test('MTU arithmetic', async (t) => {
  t.equal(mtu.vxlanOverlayMtu(1500), 1450, 'VXLAN over IPv4, as Linux sets vxlan0 (mtu 1450)');
  t.equal(mtu.SLEEVE_MTU_OVERHEAD, 62);
  t.equal(mtu.sleeveOverlayMtu(1500), 1438);
  t.equal(mtu.sleeveOverlayMtu(1500, true), 1414);
  t.equal(mtu.WEAVE_DEFAULT_MTU, 1376, "Weave's fastdp default (net/bridge.go)");
  t.equal(mtu.sleeveMaxPayload(1500), 1472);
  t.equal(mtu.sleeveFramesPerDatagram(1500, 64), 18, '(1472-6)/(14+64)');
  t.equal(mtu.sleeveFramesPerDatagram(1500, 1400), 1);
  t.equal(mtu.sleeveFramesPerDatagram(1500, 1500), 0);
});
