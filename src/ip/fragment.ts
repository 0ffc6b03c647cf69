// IPv4 fragmentation to an MTU (RFC 791 §3.2 "Fragmentation", RFC 1812 §4.2.2.7 / §5.2.3).
//
// Every fragment keeps the original identification, protocol, TTL, TOS and addresses. The first
// fragment carries the original header with all its options; later fragments carry only the
// options whose copied bit is set, with IHL recomputed and padded to 4 bytes (RFC 791's procedure;
// Linux instead overwrites non-copied options with NOPs and keeps the header length — same
// semantics, a few bytes larger). Data per fragment is a multiple of 8 except in the last one.
// Fragmenting a fragment works too: offsets add up and only the last piece keeps the original MF.
import { u16, put16, copyBytesNoAlloc } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import { internetChecksum } from './checksum.ts';
import { Ipv4View, Ipv4Option, optionCopied, F, IPV4_MIN_HEADER, IPV4_MAX_HEADER } from './ipv4.ts';

/** Receives one fragment; the bytes are borrowed for the duration of the call (as Port.transmit). */
export type FragmentSink = (buf: Uint8Array, off: number, len: number) => void;

const view = new Ipv4View();
// Header template for non-first fragments (copied options only); rebuilt per call, never escapes.
const tail = new Uint8Array(IPV4_MAX_HEADER);

/**
 * Splits the datagram in buf[off, off+len) into fragments of at most `mtu` bytes and passes each
 * to `out` in order. Bytes after the IPv4 total length (link padding) are not sent.
 *
 * Returns the number of fragments emitted (1 when the datagram already fits: it is passed
 * through unchanged), or a NEGATED WireError with nothing emitted:
 *   -DONT_FRAGMENT  too big and DF set: the caller sends ICMP "fragmentation needed" (type 3 code 4)
 *                   with this MTU (RFC 1191);
 *   -MTU_TOO_SMALL  the MTU cannot hold a header plus 8 data bytes;
 *   -NO_SPACE       scratch is shorter than min(mtu, total length);
 *   -(check error)  the datagram is malformed (Ipv4View.check, or BAD_OPTION).
 * The header checksum of the input is not verified. With `scratch` the call allocates nothing;
 * without, one buffer of `mtu` bytes is allocated per call.
 */
export function fragmentIpv4(
  buf: Uint8Array,
  off: number,
  len: number,
  mtu: number,
  out: FragmentSink,
  scratch?: Uint8Array,
): number {
  const v = view.wrap(buf, off, len);
  const err = v.check();
  if (err) return -err;
  const total = v.totalLength;
  if (total <= mtu) {
    out(buf, off, total);
    return 1;
  }
  if (v.df) return -WireError.DONT_FRAGMENT;

  const hl = v.headerLength;
  const tailHl = buildTailHeader(buf, off, hl);
  if (tailHl < 0) return tailHl;
  const firstData = (mtu - hl) & ~7;
  const restData = (mtu - tailHl) & ~7;
  if (firstData < 8 || restData < 8) return -WireError.MTU_TOO_SMALL;
  const s = scratch ?? new Uint8Array(mtu);
  if (s.length < Math.min(mtu, total)) return -WireError.NO_SPACE;

  const flagsFrag = u16(buf, off + F.FLAGS_FRAG);
  const origMf = flagsFrag & 0x2000;
  const keepFlags = flagsFrag & 0xc000; // reserved and DF bits (DF is clear here) stay as they were
  const baseOffset = (flagsFrag & 0x1fff) << 3;
  const dataStart = off + hl;
  const dataLen = total - hl;

  let pos = 0;
  let count = 0;
  while (pos < dataLen) {
    const first = pos === 0;
    const h = first ? hl : tailHl;
    const room = first ? firstData : restData;
    const n = Math.min(room, dataLen - pos);
    const last = pos + n === dataLen;
    if (first) copyBytesNoAlloc(buf, off, s, 0, hl);
    else copyBytesNoAlloc(tail, 0, s, 0, tailHl);
    copyBytesNoAlloc(buf, dataStart + pos, s, h, n);
    s[0] = 0x40 | (h >> 2);
    put16(s, F.TOTAL_LEN, h + n);
    put16(s, F.FLAGS_FRAG, keepFlags | (last ? origMf : 0x2000) | ((baseOffset + pos) >> 3));
    put16(s, F.CSUM, 0);
    put16(s, F.CSUM, internetChecksum(s, 0, h));
    out(s, 0, h + n);
    count++;
    pos += n;
  }
  return count;
}

/**
 * Fills `tail` with the fixed header plus the copied options, zero-padded to 4 bytes; returns its
 * length or -BAD_OPTION. Fields other than options are fixed up per fragment by the caller.
 */
function buildTailHeader(buf: Uint8Array, off: number, hl: number): number {
  copyBytesNoAlloc(buf, off, tail, 0, IPV4_MIN_HEADER);
  let w = IPV4_MIN_HEADER;
  let i = off + IPV4_MIN_HEADER;
  const end = off + hl;
  while (i < end) {
    const type = buf[i]!;
    if (type === Ipv4Option.EOL) break;
    if (type === Ipv4Option.NOP) { i++; continue; } // NOP has the copied bit clear: dropped
    if (i + 1 >= end) return -WireError.BAD_OPTION;
    const l = buf[i + 1]!;
    if (l < 2 || i + l > end) return -WireError.BAD_OPTION;
    if (optionCopied(type)) {
      copyBytesNoAlloc(buf, i, tail, w, l);
      w += l;
    }
    i += l;
  }
  const padded = (w + 3) & ~3;
  tail.fill(0, w, padded);
  return padded;
}
