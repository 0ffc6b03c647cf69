// pcapng writer (draft-ietf-opsawg-pcapng). Little-endian, one section:
//   SHB  (0x0A0D0D0A) byte-order magic 1A2B3C4D, version 1.0, section length -1 (unknown: we stream),
//        shb_userappl (4) "wirestack"
//   IDB  (1) per interface: linktype, snaplen, if_name (2), if_description (3), if_tsresol (9) = 9 (ns)
//   EPB  (6) per frame: interface id, 64-bit timestamp high/low words, captured and original length,
//        data padded to 4, epb_flags (2) with direction bits 0-1 (01 inbound, 10 outbound), opt_comment (1)
// Every block is framed by its total length at both ends (so readers can walk backwards).
// IDBs may be added at any time; each is written before the first EPB that refers to it (the draft
// only requires an IDB to precede the blocks that use its id, and Wireshark reads them mid-section).
import { copyBytes, put16le, put32le } from '../bytes.ts';
import { ChunkBuffer, DEFAULT_CHUNK, type ChunkSink } from './chunk-sink.ts';
import { LinkType } from './linktype.ts';
import { MAX_SNAPLEN, type CaptureWriter, type InterfaceOptions, type WriteOptions } from './record.ts';
import { hiWord, loWord } from './timestamp.ts';

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 1;
export const BT_PB_OBSOLETE = 2;
export const BT_SPB = 3;
export const BT_EPB = 6;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const SHB_USERAPPL = 4;
export const IF_NAME = 2;
export const IF_DESCRIPTION = 3;
export const IF_TSRESOL = 9;
export const IF_TSOFFSET = 14;
export const EPB_FLAGS = 2;

const EPB_FIXED = 28 + 4; // block header (8) + fixed body (20) + trailing length (4)
const FLAG_IN = 1;
const FLAG_OUT = 2;

const enc = new TextEncoder();

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** UTF-8 bytes of a string option, refusing what a 16-bit option length cannot hold. */
function optBytes(what: string, s: string): Uint8Array {
  const b = enc.encode(s);
  if (b.length > 65535) throw new RangeError(`pcapng ${what} is ${b.length} bytes of UTF-8; an option holds at most 65535`);
  return b;
}

export interface PcapngWriterOptions {
  /** Default snap length for interfaces that do not give one; 262144. */
  snaplen?: number;
  chunkSize?: number;
  /** shb_userappl; "wirestack". */
  application?: string;
  onClose?: () => void;
}

export class PcapngWriter implements CaptureWriter {
  readonly format = 'pcapng';
  private readonly out: ChunkBuffer;
  private readonly snaplens: number[] = [];
  private closed = false;
  private records = 0;

  constructor(sink: ChunkSink, private readonly opts: PcapngWriterOptions = {}) {
    this.out = new ChunkBuffer(sink, opts.chunkSize ?? DEFAULT_CHUNK);
    this.shb(opts.application ?? 'wirestack');
  }

  get stats() {
    return { records: this.records, bytes: this.out.flushed + this.out.pos, flushes: this.out.flushes };
  }

  /** Writes a string option (UTF-8, padded); returns the new offset. */
  private strOpt(b: Uint8Array, o: number, code: number, s: Uint8Array): number {
    put16le(b, o, code);
    put16le(b, o + 2, s.length);
    b.set(s, o + 4);
    const end = o + 4 + pad4(s.length);
    b.fill(0, o + 4 + s.length, end);
    return end;
  }

  private shb(app: string): void {
    const a = enc.encode(app);
    const total = 24 + 4 + pad4(a.length) + 4 + 4; // fixed part, shb_userappl, opt_endofopt, trailer
    const o = this.out.reserve(total);
    const b = this.out.buf;
    put32le(b, o, BT_SHB);
    put32le(b, o + 4, total);
    put32le(b, o + 8, BYTE_ORDER_MAGIC);
    put16le(b, o + 12, 1);
    put16le(b, o + 14, 0);
    put32le(b, o + 16, 0xffffffff); // section length -1: not known while streaming
    put32le(b, o + 20, 0xffffffff);
    let p = this.strOpt(b, o + 24, SHB_USERAPPL, a);
    put32le(b, p, OPT_ENDOFOPT); // opt_endofopt: code 0, length 0
    put32le(b, p + 4, total);
    this.out.pos = p + 8;
  }

  addInterface(name: string, io: InterfaceOptions = {}): number {
    if (this.closed) throw new Error('pcapng writer is closed');
    const snap = io.snaplen ?? this.opts.snaplen ?? MAX_SNAPLEN;
    const n = optBytes('if_name', name);
    const d = io.description !== undefined ? optBytes('if_description', io.description) : null;
    const total = 16 + (4 + pad4(n.length)) + (d ? 4 + pad4(d.length) : 0) + 8 + 4 + 4;
    const o = this.out.reserve(total);
    const b = this.out.buf;
    put32le(b, o, BT_IDB);
    put32le(b, o + 4, total);
    put16le(b, o + 8, io.linktype ?? LinkType.ETHERNET);
    put16le(b, o + 10, 0);
    put32le(b, o + 12, snap);
    let p = this.strOpt(b, o + 16, IF_NAME, n);
    if (d) p = this.strOpt(b, p, IF_DESCRIPTION, d);
    put16le(b, p, IF_TSRESOL);
    put16le(b, p + 2, 1);
    put32le(b, p + 4, 9); // 10^-9 s, plus 3 padding bytes
    put32le(b, p + 8, OPT_ENDOFOPT);
    put32le(b, p + 12, total);
    this.out.pos = p + 16;
    this.snaplens.push(snap);
    return this.snaplens.length - 1;
  }

  write(ifId: number, tsNs: number, buf: Uint8Array, off: number, len: number, wo?: WriteOptions): void {
    if (this.closed) throw new Error('pcapng writer is closed');
    const snap = this.snaplens[ifId];
    if (snap === undefined) throw new RangeError(`pcapng write: unknown interface id ${ifId}`);
    const incl = len < snap ? len : snap;
    const orig = wo?.origLen !== undefined && wo.origLen > len ? wo.origLen : len;
    const dir = wo?.direction;
    const c = wo?.comment !== undefined ? optBytes('comment', wo.comment) : null;
    const opts = (dir ? 8 : 0) + (c ? 4 + pad4(c.length) : 0);
    const total = EPB_FIXED + pad4(incl) + (opts ? opts + 4 : 0);
    let t = Math.round(tsNs);
    if (!(t > 0)) t = 0;
    const hi = hiWord(t);
    const o = this.out.reserve(total);
    const b = this.out.buf;
    put32le(b, o, BT_EPB);
    put32le(b, o + 4, total);
    put32le(b, o + 8, ifId);
    put32le(b, o + 12, hi);
    put32le(b, o + 16, loWord(t, hi));
    put32le(b, o + 20, incl);
    put32le(b, o + 24, orig);
    copyBytes(buf, off, b, o + 28, incl);
    let p = o + 28 + incl;
    while (p & 3) b[p++] = 0;
    if (opts) {
      if (dir) {
        put16le(b, p, EPB_FLAGS);
        put16le(b, p + 2, 4);
        put32le(b, p + 4, dir === 'in' ? FLAG_IN : FLAG_OUT);
        p += 8;
      }
      if (c) p = this.strOpt(b, p, OPT_COMMENT, c);
      put32le(b, p, OPT_ENDOFOPT);
      p += 4;
    }
    put32le(b, p, total);
    this.out.pos = p + 4;
    this.records++;
  }

  flush(): void {
    this.out.flush();
  }

  close(): void {
    if (this.closed) return;
    this.out.flush();
    this.closed = true;
    this.opts.onClose?.();
  }
}
