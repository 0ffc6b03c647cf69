// Weave Net's "sleeve" encapsulation: Ethernet frames carried in UDP between Weave routers, as
// router/sleeve.go and router/frame_crypto.go (NonEncryptor / NonDecryptor) lay them out.
//
//   UDP payload:
//   +-------------------------------+
//   | sender peer name (6)          |  the forwarding peer (Weave: Encryptor prefix = local peer name)
//   +-------------------------------+
//   | capturing peer name (6)       |  \
//   | destination peer name (6)     |   | repeated, one per frame in the batch
//   | frame length (16 bits, BE)    |   |
//   | Ethernet frame (length bytes) |  /
//   +-------------------------------+
//
// Peer names are 6 bytes (mesh's peer_name_mac build: NameSize = 6, a MAC-like name); we hold them as
// 48-bit numbers. Weave's decoder walks frames while at least 14 bytes remain, fails when a length runs
// past the end (frames before it have already been delivered) and calls 1-13 leftover bytes "trailing
// garbage". check() reports those as TRUNCATED and SLEEVE_GARBAGE; the cursor yields the frames
// before the fault, as Weave does.
//
// Batching (sleeveForwarder.aggregateAndSend): frames are appended while
// packet length + 14 + frame length ≤ maxPayload (path MTU − 28 for IPv4+UDP); a lone frame larger
// than that is dropped. Encrypted sleeve (NaCl secretbox) is not implemented.
//
// Ports: Weave's router port is 6783 (mesh.Port): TCP 6783 carries the control connections and the
// sleeve UDP socket binds the same number (NewSleeveOverlay(host, port)); fastdp's VXLAN uses port + 1
// = 6784 (see weave-fastdp.ts).
import { u16, put16, copyBytes } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import { readMac, writeMac, macToString } from '../ethernet/mac.ts';

export const WEAVE_PORT = 6783;
export const SLEEVE_UDP_PORT = WEAVE_PORT;
export const WEAVE_CONTROL_TCP_PORT = WEAVE_PORT;
export const PEER_NAME_LEN = 6;
/** capturing name + destination name + 16-bit length (NonEncryptor.FrameOverhead). */
export const SLEEVE_FRAME_HEADER_LEN = 2 * PEER_NAME_LEN + 2;
/** The sender name in front of the frames (NonEncryptor.PacketOverhead). */
export const SLEEVE_PACKET_HEADER_LEN = PEER_NAME_LEN;

/**
 * Re-pointable view over one sleeve UDP payload at buf[off..off+len) with a frame cursor:
 *   for (let ok = v.first(); ok; ok = v.next()) use(v.capturer, v.destination, v.frameOff, v.frameLen)
 * Never allocates and never reads outside [off, off+len) ∩ buf.
 */
export class SleeveView {
  buf: Uint8Array = new Uint8Array(0);
  off = 0;
  len = 0;
  /** Cursor: the current frame's header offset and fields (valid while first()/next() return true). */
  pos = 0;
  frameOff = 0;
  frameLen = 0;

  wrap(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.pos = off;
    return this;
  }

  private inBounds(): boolean {
    return this.off >= 0 && this.len >= 0 && this.off + this.len <= this.buf.length;
  }

  /** Whole-payload structure: 0, TRUNCATED (no sender name, or a frame length past the end), SLEEVE_GARBAGE. */
  check(): number {
    if (!this.inBounds() || this.len < PEER_NAME_LEN) return WireError.TRUNCATED;
    const end = this.off + this.len;
    let p = this.off + PEER_NAME_LEN;
    while (end - p >= SLEEVE_FRAME_HEADER_LEN) {
      const l = u16(this.buf, p + 12);
      p += SLEEVE_FRAME_HEADER_LEN;
      if (end - p < l) return WireError.TRUNCATED;
      p += l;
    }
    return p === end ? 0 : WireError.SLEEVE_GARBAGE;
  }

  // Names are 48-bit doubles: read on demand rather than stored per frame (a stored double allocates).
  get capturer(): number { return readMac(this.buf, this.frameOff - SLEEVE_FRAME_HEADER_LEN); }
  get destination(): number { return readMac(this.buf, this.frameOff - SLEEVE_FRAME_HEADER_LEN + PEER_NAME_LEN); }
  /** The forwarding peer's name (requires len ≥ 6). */
  get sender(): number {
    return readMac(this.buf, this.off);
  }

  /** Moves the cursor to the first frame; false if there is none (or the payload is malformed there). */
  first(): boolean {
    if (!this.inBounds() || this.len < PEER_NAME_LEN) return false;
    this.pos = this.off + PEER_NAME_LEN;
    return this.load();
  }
  /** Moves to the next frame; false at the end or at a malformed frame. */
  next(): boolean {
    this.pos = this.frameOff + this.frameLen;
    return this.load();
  }
  private load(): boolean {
    const end = this.off + this.len;
    const p = this.pos;
    if (end - p < SLEEVE_FRAME_HEADER_LEN) return false;
    const l = u16(this.buf, p + 12);
    if (end - p - SLEEVE_FRAME_HEADER_LEN < l) return false;
    this.frameOff = p + SLEEVE_FRAME_HEADER_LEN;
    this.frameLen = l;
    return true;
  }
}

export interface SleeveFrameRepr {
  capturer: number;
  destination: number;
  frame: Uint8Array;
}
export interface SleeveRepr {
  sender: number;
  frames: SleeveFrameRepr[];
}

/** Control-path decode (copies the frames). */
export function parseSleeve(v: SleeveView): SleeveRepr | WireError {
  const e = v.check();
  if (e !== 0) return e as WireError;
  const frames: SleeveFrameRepr[] = [];
  for (let ok = v.first(); ok; ok = v.next())
    frames.push({ capturer: v.capturer, destination: v.destination, frame: v.buf.slice(v.frameOff, v.frameOff + v.frameLen) });
  return { sender: v.sender, frames };
}

export function sleeveLength(r: SleeveRepr): number {
  let n = PEER_NAME_LEN;
  for (const f of r.frames) n += SLEEVE_FRAME_HEADER_LEN + f.frame.length;
  return n;
}

/** Writes the payload at buf[off]; returns its length or −NO_SPACE / −BAD_LENGTH (a frame over 65535). */
export function emitSleeve(r: SleeveRepr, buf: Uint8Array, off: number): number {
  const n = sleeveLength(r);
  if (off < 0 || off + n > buf.length) return -WireError.NO_SPACE;
  writeMac(buf, off, r.sender);
  let p = off + PEER_NAME_LEN;
  for (const f of r.frames) {
    if (f.frame.length > 0xffff) return -WireError.BAD_LENGTH;
    writeMac(buf, p, f.capturer);
    writeMac(buf, p + PEER_NAME_LEN, f.destination);
    put16(buf, p + 12, f.frame.length);
    buf.set(f.frame, p + SLEEVE_FRAME_HEADER_LEN);
    p += SLEEVE_FRAME_HEADER_LEN + f.frame.length;
  }
  return n;
}

/**
 * Fast-path batcher: builds one sleeve payload in buf[off .. off+limit) frame by frame, like Weave's
 * NonEncryptor + aggregateAndSend. `limit` is the UDP payload budget (path MTU − 28). Allocates nothing.
 */
export class SleeveBatcher {
  buf: Uint8Array;
  off: number;
  limit: number;
  /** Bytes used so far (sender name included). */
  length = 0;
  frames = 0;
  // The sender's name as int32 halves: a 48-bit number in a field is a boxed double when read.
  private senderHi = 0;
  private senderLo = 0;

  constructor(buf: Uint8Array, off: number, limit: number) {
    this.buf = buf;
    this.off = off;
    this.limit = Math.min(limit, buf.length - off);
  }

  /** Starts a new payload from `sender`. */
  begin(sender: number): void {
    this.senderHi = Math.floor(sender / 0x100000000);
    this.senderLo = sender | 0;
    this.restart();
  }

  private restart(): void {
    const b = this.buf;
    const o = this.off;
    b[o] = this.senderHi >>> 8;
    b[o + 1] = this.senderHi;
    b[o + 2] = this.senderLo >>> 24;
    b[o + 3] = this.senderLo >>> 16;
    b[o + 4] = this.senderLo >>> 8;
    b[o + 5] = this.senderLo;
    this.length = PEER_NAME_LEN;
    this.frames = 0;
  }

  /** Weave's fits(): would a frame of `len` bytes still fit in this payload? */
  fits(len: number): boolean {
    return this.length + SLEEVE_FRAME_HEADER_LEN + len <= this.limit;
  }

  /** Appends a frame (copied from src[sOff..sOff+len)); false (nothing written) if it does not fit. */
  append(capturer: number, destination: number, src: Uint8Array, sOff: number, len: number): boolean {
    if (len > 0xffff || !this.fits(len)) return false;
    const p = this.off + this.length;
    writeMac(this.buf, p, capturer);
    writeMac(this.buf, p + PEER_NAME_LEN, destination);
    put16(this.buf, p + 12, len);
    copyBytes(src, sOff, this.buf, p + SLEEVE_FRAME_HEADER_LEN, len);
    this.length += SLEEVE_FRAME_HEADER_LEN + len;
    this.frames++;
    return true;
  }

  /** Ends the payload: returns its length and starts an empty one from the same sender. */
  flush(): number {
    const n = this.length;
    this.restart();
    return n;
  }
}

/** "Weave sleeve from ce:31:e0:06:45:1a, 2 frames" (Info column style). */
export function formatSleeve(r: SleeveRepr): string {
  return `Weave sleeve from ${macToString(r.sender)}, ${r.frames.length} frame${r.frames.length === 1 ? '' : 's'}`;
}

export function describeSleeve(r: SleeveRepr): string[] {
  const out = ['Weave Net sleeve', `    Sender: ${macToString(r.sender)}`];
  r.frames.forEach((f, i) => {
    out.push(`    Frame ${i + 1}: ${macToString(f.capturer)} → ${macToString(f.destination)}, ${f.frame.length} bytes`);
  });
  return out;
}
