// The common shape of capture writers, readers and records, shared by pcap and pcapng.
import { wireErrorName, type WireError } from '../wire-error.ts';

export interface InterfaceOptions {
  /** LINKTYPE_ value; Ethernet (1) when omitted. */
  linktype?: number;
  /** Longest prefix of a frame kept; longer frames are stored truncated (incl_len < orig_len). */
  snaplen?: number;
  description?: string;
}

export interface WriteOptions {
  /** Length on the wire when `len` is already a truncated prefix; defaults to `len`. */
  origLen?: number;
  /** pcapng epb_flags direction; pcap has nowhere to put it and drops it. */
  direction?: 'in' | 'out';
  /** pcapng opt_comment; pcap has nowhere to put it and drops it. */
  comment?: string;
}

export interface CaptureWriter {
  readonly format: 'pcap' | 'pcapng';
  /** Declares an interface and returns its id (0, 1, … in call order) for `write`. */
  addInterface(name: string, opts?: InterfaceOptions): number;
  /**
   * Appends one frame, bytes buf[off..off+len), captured at `tsNs` nanoseconds since the epoch (or since
   * the lab's time zero). The buffer is borrowed: it is copied before the call returns.
   */
  write(ifId: number, tsNs: number, buf: Uint8Array, off: number, len: number, opts?: WriteOptions): void;
  /** Hands buffered bytes to the sink now (a file stays open). */
  flush(): void;
  /** Flushes and closes the file (if the writer opened one). Further writes throw. */
  close(): void;
  /** Records written, bytes produced, chunks flushed (= write syscalls for a file). */
  readonly stats: { records: number; bytes: number; flushes: number };
}

export interface CaptureRecord {
  /** Interface index within its section (pcap: always 0). */
  ifId: number;
  ifName?: string;
  /** pcapng section number, from 0 (pcap: 0). */
  section: number;
  linktype: number;
  /** Timestamp in ns as a double: exact below 2^53 ns (~104 days), otherwise rounded; see tsSec/tsFracNs. */
  tsNs: number;
  /** Exact whole seconds and nanoseconds of the timestamp. */
  tsSec: number;
  tsFracNs: number;
  /** The captured bytes (incl_len of them). */
  data: Uint8Array;
  /** Length on the wire. */
  origLen: number;
  /** True when fewer bytes were captured than were on the wire (snap length): not an error. */
  truncated: boolean;
  direction?: 'in' | 'out';
  /** The record's comment(s); several opt_comment options are joined with '\n'. */
  comment?: string;
  /** Byte offset of the record or block in the file. */
  offset: number;
}

/** Low-level reader: `next()` returns a record that is reused and whose `data` is borrowed until the next call. */
export interface CaptureReader {
  readonly format: 'pcap' | 'pcapng';
  /** The next record; null at the end; a WireError code when the file is malformed (see `error`). */
  next(): CaptureRecord | null | WireError;
  /** Details of the last error returned by next(). */
  readonly error: { code: WireError; offset: number; detail: string } | null;
  close(): void;
}

/** Thrown by the convenience iterators (readCapture) when a file is malformed. */
export class CaptureError extends Error {
  constructor(
    readonly code: WireError,
    readonly offset: number,
    readonly detail: string,
    readonly format: string,
  ) {
    super(`${format}: ${wireErrorName(code)} at offset ${offset} (0x${offset.toString(16)}): ${detail}`);
    this.name = 'CaptureError';
  }
}

export const MAX_SNAPLEN = 262144; // libpcap's MAXIMUM_SNAPLEN, the default we write
/** Readers refuse blocks/records larger than this instead of allocating whatever a corrupt length says. */
export const MAX_RECORD = 16 * 1024 * 1024;
