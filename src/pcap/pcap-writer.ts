// Classic libpcap file writer (https://www.tcpdump.org/manpages/pcap-savefile.5.html, and
// draft-ietf-opsawg-pcap). Written in little-endian byte order; readers detect it from the magic.
//
//   file header (24 bytes)              record header (16 bytes) + incl_len bytes of frame
//   0  magic a1b2c3d4 (µs) / a1b23c4d (ns)   0  ts seconds
//   4  version 2.4                           4  ts µs or ns within the second
//   8  thiszone 0, 12 sigfigs 0              8  incl_len (captured)
//   16 snaplen                              12  orig_len (on the wire)
//   20 linktype
//
// pcap has one link type and no interfaces, directions or comments: every interface added must share
// the first one's link type (else MIXED_LINKTYPES is thrown), and their records are interleaved
// indistinguishably; direction and comment options are dropped. Use pcapng to keep them.
import { copyBytes, put16le, put32le } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import { ChunkBuffer, DEFAULT_CHUNK, type ChunkSink } from './chunk-sink.ts';
import { LinkType } from './linktype.ts';
import { CaptureError, MAX_SNAPLEN, type CaptureWriter, type InterfaceOptions, type WriteOptions } from './record.ts';
import { splitNs, ts } from './timestamp.ts';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export interface PcapWriterOptions {
  /** Nanosecond timestamps (magic a1b23c4d); microseconds otherwise. */
  nanos?: boolean;
  /** File snap length; default 262144. Interfaces may set a smaller one of their own. */
  snaplen?: number;
  /** Link type written when close() comes before any addInterface(); default Ethernet. */
  linktype?: number;
  chunkSize?: number;
  /** Called once by close(), after the last flush (closes the file for file sinks). */
  onClose?: () => void;
}

export class PcapWriter implements CaptureWriter {
  readonly format = 'pcap';
  private readonly out: ChunkBuffer;
  private readonly nanos: boolean;
  private readonly fileSnaplen: number;
  private linktype = -1;
  private headerDone = false;
  private closed = false;
  private readonly snaplens: number[] = [];
  private records = 0;

  constructor(sink: ChunkSink, private readonly opts: PcapWriterOptions = {}) {
    this.out = new ChunkBuffer(sink, opts.chunkSize ?? DEFAULT_CHUNK);
    this.nanos = !!opts.nanos;
    this.fileSnaplen = opts.snaplen ?? MAX_SNAPLEN;
  }

  get stats() {
    return { records: this.records, bytes: this.out.flushed + this.out.pos, flushes: this.out.flushes };
  }

  addInterface(name: string, o: InterfaceOptions = {}): number {
    this.live();
    const lt = o.linktype ?? LinkType.ETHERNET;
    if (this.linktype === -1) this.linktype = lt;
    else if (lt !== this.linktype)
      throw new CaptureError(WireError.MIXED_LINKTYPES, this.out.flushed + this.out.pos,
        `interface ${JSON.stringify(name)} has link type ${lt} but this pcap file is link type ${this.linktype}; ` +
        'pcap holds one link type per file — use pcapng for mixed interfaces', 'pcap');
    this.snaplens.push(Math.min(o.snaplen ?? this.fileSnaplen, this.fileSnaplen));
    return this.snaplens.length - 1;
  }

  private live(): void {
    if (this.closed) throw new Error('pcap writer is closed');
  }

  private header(): void {
    if (this.linktype === -1) this.linktype = this.opts.linktype ?? LinkType.ETHERNET;
    const b = this.out.buf;
    const o = this.out.reserve(PCAP_HEADER_LEN);
    put32le(b, o, this.nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US);
    put16le(b, o + 4, 2);
    put16le(b, o + 6, 4);
    put32le(b, o + 8, 0);
    put32le(b, o + 12, 0);
    put32le(b, o + 16, this.fileSnaplen);
    put32le(b, o + 20, this.linktype);
    this.out.pos = o + PCAP_HEADER_LEN;
    this.headerDone = true;
  }

  write(ifId: number, tsNs: number, buf: Uint8Array, off: number, len: number, wo?: WriteOptions): void {
    this.live();
    const snap = this.snaplens[ifId];
    if (snap === undefined) throw new RangeError(`pcap write: unknown interface id ${ifId}`);
    if (!this.headerDone) this.header();
    const incl = len < snap ? len : snap;
    const orig = wo?.origLen !== undefined && wo.origLen > len ? wo.origLen : len;
    splitNs(tsNs);
    const o = this.out.reserve(PCAP_RECORD_HEADER_LEN + incl);
    const b = this.out.buf;
    put32le(b, o, ts.sec);
    put32le(b, o + 4, this.nanos ? ts.frac : Math.floor(ts.frac / 1000));
    put32le(b, o + 8, incl);
    put32le(b, o + 12, orig);
    copyBytes(buf, off, b, o + PCAP_RECORD_HEADER_LEN, incl);
    this.out.pos = o + PCAP_RECORD_HEADER_LEN + incl;
    this.records++;
  }

  flush(): void {
    if (!this.headerDone && !this.closed) this.header();
    this.out.flush();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.opts.onClose?.();
  }
}
