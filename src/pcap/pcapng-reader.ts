// pcapng reader (draft-ietf-opsawg-pcapng): any number of sections, each in its own byte order (from
// the SHB's byte-order magic); IDB with if_name, if_description, if_tsresol (power of 10 or of 2) and
// if_tsoffset; EPB with epb_flags direction and opt_comment; SPB; the obsolete Packet Block; every other
// block type skipped by its length. Every length is checked against its block before it is used, and
// every block is at least 12 bytes long, so a corrupt file ends in an error, never a loop or an
// out-of-bounds read.
import { u16, u16le, u32, u32le } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import type { ByteSource } from './byte-source.ts';
import {
  BT_EPB, BT_IDB, BT_PB_OBSOLETE, BT_SHB, BT_SPB, BYTE_ORDER_MAGIC, EPB_FLAGS, IF_DESCRIPTION, IF_NAME,
  IF_TSOFFSET, IF_TSRESOL, OPT_COMMENT,
} from './pcapng-writer.ts';
import { MAX_RECORD, type CaptureReader, type CaptureRecord } from './record.ts';
import { fromRaw, ts } from './timestamp.ts';

const dec = new TextDecoder();

interface Iface {
  linktype: number;
  snaplen: number;
  name?: string;
  description?: string;
  /** Timestamp units are 10^-p s, or 2^-p s when pow2. */
  p: number;
  pow2: boolean;
  offsetSec: number;
}

export class PcapngReader implements CaptureReader {
  readonly format = 'pcapng';
  error: { code: WireError; offset: number; detail: string } | null = null;
  private le = true;
  private section = -1;
  /** Interfaces of the current section, by id. */
  readonly interfaces: Iface[] = [];
  private readonly copy: boolean;
  private readonly rec: CaptureRecord = {
    ifId: 0, section: 0, linktype: 0, tsNs: 0, tsSec: 0, tsFracNs: 0, data: new Uint8Array(0),
    origLen: 0, truncated: false, offset: 0,
  };
  // option cursor
  private optP = 0;
  private optEnd = 0;
  private oc = 0;
  private ov = 0;
  private ol = 0;
  private blockAt = 0;

  constructor(private readonly src: ByteSource, opts: { copy?: boolean } = {}) {
    this.copy = !!opts.copy;
  }

  private fail(code: WireError, offset: number, detail: string): WireError {
    this.error = { code, offset, detail };
    return code;
  }
  private r16(o: number): number {
    return this.le ? u16le(this.src.buf, o) : u16(this.src.buf, o);
  }
  private r32(o: number): number {
    return this.le ? u32le(this.src.buf, o) : u32(this.src.buf, o);
  }

  /** Next option in [optP, optEnd): 1 with oc/ov/ol set, 0 at opt_endofopt or the end, -1 on error. */
  private opt(): number {
    if (this.optP >= this.optEnd) return 0;
    const s = this.src;
    if (this.optP + 4 > this.optEnd) {
      this.fail(WireError.BAD_PCAP_OPTION, s.pos + this.optP - s.start, 'option header runs past the end of its block');
      return -1;
    }
    const code = this.r16(this.optP);
    const len = this.r16(this.optP + 2);
    if (code === 0) return 0;
    if (this.optP + 4 + len > this.optEnd) {
      this.fail(WireError.BAD_PCAP_OPTION, s.pos + this.optP - s.start,
        `option ${code} of length ${len} runs past the end of its block at offset ${this.blockAt}`);
      return -1;
    }
    this.oc = code;
    this.ov = this.optP + 4;
    this.ol = len;
    this.optP += 4 + ((len + 3) & ~3);
    return 1;
  }

  private optAt(): number {
    return this.blockAt + (this.ov - 4 - this.src.start);
  }

  next(): CaptureRecord | null | WireError {
    if (this.error) return this.error.code;
    const s = this.src;
    for (;;) {
      const at = s.pos;
      this.blockAt = at;
      if (!s.ensure(8)) {
        if (s.available === 0 && this.section >= 0) return null;
        if (s.available === 0) return this.fail(WireError.TRUNCATED_FILE, 0, 'empty file');
        return this.fail(WireError.TRUNCATED_FILE, at, `block header needs 8 bytes, file ends after ${s.available}`);
      }
      let o = s.start;
      const rawType = u32le(s.buf, o);
      if (rawType === BT_SHB) {
        if (!s.ensure(12)) return this.fail(WireError.TRUNCATED_FILE, at, 'section header block ends before its byte-order magic');
        o = s.start;
        if (u32le(s.buf, o + 8) === BYTE_ORDER_MAGIC) this.le = true;
        else if (u32(s.buf, o + 8) === BYTE_ORDER_MAGIC) this.le = false;
        else return this.fail(WireError.BAD_MAGIC, at + 8, `byte-order magic 0x${u32(s.buf, o + 8).toString(16).padStart(8, '0')} is not 1a2b3c4d in either byte order`);
      } else if (this.section < 0) {
        return this.fail(WireError.BAD_MAGIC, at, `first block type 0x${u32(s.buf, o).toString(16).padStart(8, '0')} is not a section header block (0a0d0d0a)`);
      }
      const type = this.r32(o);
      const len = this.r32(o + 4);
      if (len < 12 || len % 4 !== 0)
        return this.fail(WireError.BAD_BLOCK_LENGTH, at + 4, `block total length ${len} must be a multiple of 4 and at least 12`);
      if (len > MAX_RECORD)
        return this.fail(WireError.BAD_BLOCK_LENGTH, at + 4, `block total length ${len} exceeds the ${MAX_RECORD}-byte limit`);
      if (!s.ensure(len))
        return this.fail(WireError.TRUNCATED_FILE, at, `block of type ${type} and length ${len} is cut short: the file ends after ${s.available} bytes`);
      o = s.start;
      const trailer = this.r32(o + len - 4);
      if (trailer !== len)
        return this.fail(WireError.BAD_BLOCK_LENGTH, at + len - 4, `trailing block length ${trailer} differs from the leading ${len}`);
      this.optEnd = o + len - 4;
      let r: CaptureRecord | null | WireError = null;
      switch (type) {
        case BT_SHB:
          r = this.shb(o, len, at);
          break;
        case BT_IDB:
          r = this.idb(o, len, at);
          break;
        case BT_EPB:
          r = this.epb(o, len, at);
          break;
        case BT_SPB:
          r = this.spb(o, len, at);
          break;
        case BT_PB_OBSOLETE:
          r = this.pb(o, len, at);
          break;
        default:
          break; // NRB, ISB, DSB, custom and unknown blocks: skipped by length
      }
      if (typeof r === 'number') return r;
      s.skip(len);
      if (r) return r;
    }
  }

  private shb(o: number, len: number, at: number): null | WireError {
    if (len < 28) return this.fail(WireError.BAD_BLOCK_LENGTH, at + 4, `section header block length ${len} is below 28`);
    const major = this.r16(o + 12);
    if (major !== 1) return this.fail(WireError.BAD_VERSION, at + 12, `pcapng version ${major}.${this.r16(o + 14)} (expected 1.x)`);
    this.section++;
    this.interfaces.length = 0; // interface ids are per section
    return null;
  }

  private idb(o: number, len: number, at: number): null | WireError {
    if (len < 20) return this.fail(WireError.BAD_BLOCK_LENGTH, at + 4, `interface description block length ${len} is below 20`);
    const f: Iface = { linktype: this.r16(o + 8), snaplen: this.r32(o + 12), p: 6, pow2: false, offsetSec: 0 };
    this.optP = o + 16;
    for (let k; (k = this.opt()) !== 0;) {
      if (k < 0) return this.error!.code;
      const b = this.src.buf;
      switch (this.oc) {
        case IF_NAME:
          f.name = dec.decode(b.subarray(this.ov, this.ov + this.ol));
          break;
        case IF_DESCRIPTION:
          f.description = dec.decode(b.subarray(this.ov, this.ov + this.ol));
          break;
        case IF_TSRESOL: {
          if (this.ol !== 1) return this.fail(WireError.BAD_PCAP_OPTION, this.optAt(), `if_tsresol has length ${this.ol}, expected 1`);
          const v = b[this.ov]!;
          f.pow2 = (v & 0x80) !== 0;
          f.p = v & 0x7f;
          if (f.pow2 ? f.p > 63 : f.p > 18)
            return this.fail(WireError.BAD_TSRESOL, this.optAt(), `if_tsresol ${f.pow2 ? '2' : '10'}^-${f.p} is finer than we can represent`);
          break;
        }
        case IF_TSOFFSET: {
          if (this.ol !== 8) return this.fail(WireError.BAD_PCAP_OPTION, this.optAt(), `if_tsoffset has length ${this.ol}, expected 8`);
          const lo = this.r32(this.ov + (this.le ? 0 : 4));
          const hi = this.r32(this.ov + (this.le ? 4 : 0)) | 0; // signed 64-bit seconds
          f.offsetSec = hi * 4294967296 + lo;
          break;
        }
      }
    }
    this.interfaces.push(f);
    return null;
  }

  private iface(id: number, at: number): Iface | WireError {
    const f = this.interfaces[id];
    if (!f) return this.fail(WireError.BAD_INTERFACE, at, `packet refers to interface ${id}, but section ${this.section} describes ${this.interfaces.length}`);
    return f;
  }

  private fill(f: Iface, id: number, o: number, incl: number, orig: number, at: number): CaptureRecord | WireError {
    if (incl > orig) return this.fail(WireError.RECORD_TOO_LONG, at + 20, `captured length ${incl} exceeds original length ${orig}`);
    const r = this.rec;
    r.ifId = id;
    r.ifName = f.name;
    r.section = this.section;
    r.linktype = f.linktype;
    r.data = this.copy ? this.src.buf.slice(o, o + incl) : this.src.buf.subarray(o, o + incl);
    r.origLen = orig;
    r.truncated = incl < orig;
    r.offset = at;
    r.direction = undefined;
    r.comment = undefined;
    return r;
  }

  /** Options shared by EPB and the obsolete PB: comments and the flags word's direction bits. */
  private packetOptions(r: CaptureRecord, flagsCode: number): CaptureRecord | WireError {
    for (let k; (k = this.opt()) !== 0;) {
      if (k < 0) return this.error!.code;
      if (this.oc === OPT_COMMENT) {
        const c = dec.decode(this.src.buf.subarray(this.ov, this.ov + this.ol));
        r.comment = r.comment === undefined ? c : `${r.comment}\n${c}`;
      } else if (this.oc === flagsCode) {
        if (this.ol !== 4) return this.fail(WireError.BAD_PCAP_OPTION, this.optAt(), `flags option has length ${this.ol}, expected 4`);
        const dir = this.r32(this.ov) & 3;
        r.direction = dir === 1 ? 'in' : dir === 2 ? 'out' : undefined;
      }
    }
    return r;
  }

  // The EPB and the obsolete Packet Block (draft-ietf-opsawg-pcapng appendix A) share one layout from
  // offset 12 on (timestamp high and low words, captured and original length, data, options); the PB
  // has a 16-bit interface id followed by a 16-bit drops count where the EPB has a 32-bit id, and its
  // flags option is pack_flags (2) rather than epb_flags.
  private epb(o: number, len: number, at: number): CaptureRecord | WireError {
    return this.packetBlock(o, len, at, this.r32(o + 8), 'enhanced packet block', EPB_FLAGS);
  }

  private pb(o: number, len: number, at: number): CaptureRecord | WireError {
    return this.packetBlock(o, len, at, this.r16(o + 8), 'packet block', 2 /* pack_flags */);
  }

  /** The block is at least 12 bytes (checked in next()), so reading the id at o + 8 is in bounds. */
  private packetBlock(o: number, len: number, at: number, id: number, what: string, flagsCode: number): CaptureRecord | WireError {
    if (len < 32) return this.fail(WireError.BAD_BLOCK_LENGTH, at + 4, `${what} length ${len} is below 32`);
    const f = this.iface(id, at + 8);
    if (typeof f === 'number') return f;
    const incl = this.r32(o + 20);
    const orig = this.r32(o + 24);
    if (incl > len - 32)
      return this.fail(WireError.BAD_BLOCK, at + 20, `captured length ${incl} runs past the end of its ${len}-byte block`);
    const r = this.fill(f, id, o + 28, incl, orig, at);
    if (typeof r === 'number') return r;
    fromRaw(this.r32(o + 12), this.r32(o + 16), f.p, f.pow2, f.offsetSec);
    r.tsSec = ts.sec;
    r.tsFracNs = ts.frac;
    r.tsNs = ts.ns;
    this.optP = o + 28 + ((incl + 3) & ~3);
    return this.packetOptions(r, flagsCode);
  }

  private spb(o: number, len: number, at: number): CaptureRecord | WireError {
    if (len < 16) return this.fail(WireError.BAD_BLOCK_LENGTH, at + 4, `simple packet block length ${len} is below 16`);
    const f = this.iface(0, at);
    if (typeof f === 'number') return f;
    const orig = this.r32(o + 8);
    // The SPB has no captured length: it is the original length cut to the snap length (0 = none), and
    // must fit the block.
    let incl = orig;
    if (f.snaplen !== 0 && incl > f.snaplen) incl = f.snaplen;
    if (incl > len - 16)
      return this.fail(WireError.BAD_BLOCK, at + 8, `simple packet of ${incl} bytes does not fit its ${len}-byte block`);
    const r = this.fill(f, 0, o + 12, incl, orig, at);
    if (typeof r === 'number') return r;
    r.tsSec = 0; // an SPB carries no timestamp
    r.tsFracNs = 0;
    r.tsNs = 0;
    return r;
  }

  close(): void {
    this.src.close();
  }
}
