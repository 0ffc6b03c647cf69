// Classic pcap reader: either byte order, microsecond (a1b2c3d4) or nanosecond (a1b23c4d) magic,
// records streamed from a ByteSource. A record whose incl_len < orig_len was cut by the snap length and is
// reported as truncated, not as malformed.
import { u16, u16le, u32, u32le } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import type { ByteSource } from './byte-source.ts';
import { PCAP_HEADER_LEN, PCAP_MAGIC_NS, PCAP_MAGIC_US, PCAP_RECORD_HEADER_LEN } from './pcap-writer.ts';
import { MAX_RECORD, type CaptureReader, type CaptureRecord } from './record.ts';
import { joinNs } from './timestamp.ts';

export class PcapReader implements CaptureReader {
  readonly format = 'pcap';
  error: { code: WireError; offset: number; detail: string } | null = null;
  private le = true;
  private nanos = false;
  linktype = 0;
  snaplen = 0;
  private started = false;
  /** Copy each record's bytes (true) or lend a view into the read buffer valid until the next call. */
  private readonly copy: boolean;
  private readonly rec: CaptureRecord = {
    ifId: 0, section: 0, linktype: 0, tsNs: 0, tsSec: 0, tsFracNs: 0, data: new Uint8Array(0),
    origLen: 0, truncated: false, offset: 0,
  };

  constructor(private readonly src: ByteSource, opts: { copy?: boolean } = {}) {
    this.copy = !!opts.copy;
  }

  private fail(code: WireError, offset: number, detail: string): WireError {
    this.error = { code, offset, detail };
    return code;
  }

  private r32(o: number): number {
    return this.le ? u32le(this.src.buf, o) : u32(this.src.buf, o);
  }

  private header(): WireError | 0 {
    const s = this.src;
    if (!s.ensure(4)) return this.fail(WireError.TRUNCATED_FILE, 0, `file is ${s.available} bytes, shorter than the 4-byte magic`);
    const m = u32le(s.buf, s.start);
    const mbe = u32(s.buf, s.start);
    if (m === PCAP_MAGIC_US || m === PCAP_MAGIC_NS) this.le = true;
    else if (mbe === PCAP_MAGIC_US || mbe === PCAP_MAGIC_NS) this.le = false;
    else return this.fail(WireError.BAD_MAGIC, 0, `magic 0x${mbe.toString(16).padStart(8, '0')} is not a pcap magic (a1b2c3d4 or a1b23c4d, either byte order)`);
    this.nanos = (this.le ? m : mbe) === PCAP_MAGIC_NS;
    if (!s.ensure(PCAP_HEADER_LEN)) return this.fail(WireError.TRUNCATED_FILE, 0, `file header needs 24 bytes, file has ${s.available}`);
    const o = s.start;
    const major = this.le ? u16le(s.buf, o + 4) : u16(s.buf, o + 4);
    if (major !== 2) return this.fail(WireError.BAD_VERSION, 4, `pcap version ${major} (expected 2)`);
    this.snaplen = this.r32(o + 16);
    this.linktype = this.r32(o + 20) & 0xffff; // upper bits carry FCS length flags, not the link type
    s.skip(PCAP_HEADER_LEN);
    this.started = true;
    return 0;
  }

  next(): CaptureRecord | null | WireError {
    if (this.error) return this.error.code;
    if (!this.started) {
      const e = this.header();
      if (e) return e;
    }
    const s = this.src;
    const at = s.pos;
    if (!s.ensure(PCAP_RECORD_HEADER_LEN)) {
      if (s.available === 0) return null;
      return this.fail(WireError.TRUNCATED_FILE, at, `record header needs 16 bytes, file ends after ${s.available}`);
    }
    const o = s.start;
    const sec = this.r32(o);
    const frac = this.r32(o + 4);
    const incl = this.r32(o + 8);
    const orig = this.r32(o + 12);
    if (frac >= (this.nanos ? 1e9 : 1e6))
      return this.fail(WireError.BAD_BLOCK, at + 4, `timestamp fraction ${frac} is not below one second`);
    if (incl > MAX_RECORD)
      return this.fail(WireError.RECORD_TOO_LONG, at + 8, `captured length ${incl} exceeds the ${MAX_RECORD}-byte limit`);
    if (incl > orig)
      return this.fail(WireError.RECORD_TOO_LONG, at + 8, `captured length ${incl} exceeds original length ${orig}`);
    if (!s.ensure(PCAP_RECORD_HEADER_LEN + incl))
      return this.fail(WireError.TRUNCATED_FILE, at, `record of ${incl} captured bytes, file ends after ${s.available - PCAP_RECORD_HEADER_LEN}`);
    const r = this.rec;
    const d0 = s.start + PCAP_RECORD_HEADER_LEN;
    r.data = this.copy ? s.buf.slice(d0, d0 + incl) : s.buf.subarray(d0, d0 + incl);
    r.linktype = this.linktype;
    r.tsSec = sec;
    r.tsFracNs = this.nanos ? frac : frac * 1000;
    r.tsNs = joinNs(sec, r.tsFracNs);
    r.origLen = orig;
    r.truncated = incl < orig;
    r.offset = at;
    s.skip(PCAP_RECORD_HEADER_LEN + incl);
    return r;
  }

  close(): void {
    this.src.close();
  }
}
