// Minimal classic-pcap writing and reading for tests that hand frames to tshark or read what tcpdump
// captured. Kept apart from src/pcap on purpose: src/pcap is itself a codec under test, and these
// tests check other codecs against real peers.
import { writeFileSync } from 'node:fs';

/** Writes `frames` as a little-endian microsecond pcap, LINKTYPE_ETHERNET, frame i stamped at i s. */
export function writeEthernetPcap(path: string, frames: Uint8Array[]): void {
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0); gh.writeUInt16LE(2, 4); gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16); gh.writeUInt32LE(1, 20);
  parts.push(gh);
  frames.forEach((f, i) => {
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(i, 0); rh.writeUInt32LE(f.length, 8); rh.writeUInt32LE(f.length, 12);
    parts.push(rh, Buffer.from(f));
  });
  writeFileSync(path, Buffer.concat(parts));
}

/**
 * The frames (copies) of a little-endian classic pcap, microsecond or nanosecond (what tcpdump -w
 * writes here); throws on anything else.
 */
export function pcapFrames(file: Uint8Array): Uint8Array[] {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const magic = b.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error('not a LE pcap file');
  const frames: Uint8Array[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = b.readUInt32LE(o + 8);
    frames.push(Uint8Array.from(b.subarray(o + 16, o + 16 + incl)));
    o += 16 + incl;
  }
  return frames;
}
