// Opening captures: writers chosen by file extension (or an explicit format), readers chosen by the file's
// magic number, and a convenience iterator that throws CaptureError on malformed input.
import { u32, u32le } from '../bytes.ts';
import { WireError } from '../wire-error.ts';
import { ByteSource } from './byte-source.ts';
import { fileSink, type ChunkSink } from './chunk-sink.ts';
import { PcapReader } from './pcap-reader.ts';
import { PCAP_MAGIC_NS, PCAP_MAGIC_US, PcapWriter } from './pcap-writer.ts';
import { BT_SHB, PcapngWriter } from './pcapng-writer.ts';
import { PcapngReader } from './pcapng-reader.ts';
import { CaptureError, type CaptureReader, type CaptureRecord, type CaptureWriter } from './record.ts';

export type CaptureFormat = 'pcap' | 'pcapng';

export interface OpenWriterOptions {
  /** Overrides the extension. */
  format?: CaptureFormat;
  /** pcap only: nanosecond magic (a1b23c4d). pcapng always records nanoseconds. */
  nanos?: boolean;
  /** Default snap length (262144). */
  snaplen?: number;
  chunkSize?: number;
}

/** The format a path's extension names: .pcapng/.ntar → pcapng, .pcap/.cap/.dmp → pcap; else null. */
export function formatForPath(path: string): CaptureFormat | null {
  const m = /\.([A-Za-z0-9]+)$/.exec(path);
  const ext = m ? m[1]!.toLowerCase() : '';
  if (ext === 'pcapng' || ext === 'ntar') return 'pcapng';
  if (ext === 'pcap' || ext === 'cap' || ext === 'dmp') return 'pcap';
  return null;
}

/** A capture writer to a sink (memory, stdout, …) in the given format. */
export function createCaptureWriter(sink: ChunkSink, format: CaptureFormat, opts: OpenWriterOptions & { onClose?: () => void } = {}): CaptureWriter {
  return format === 'pcapng'
    ? new PcapngWriter(sink, { snaplen: opts.snaplen, chunkSize: opts.chunkSize, onClose: opts.onClose })
    : new PcapWriter(sink, { nanos: opts.nanos, snaplen: opts.snaplen, chunkSize: opts.chunkSize, onClose: opts.onClose });
}

/** Opens (truncates) a capture file; the format comes from opts.format or the extension. */
export function openCaptureWriter(path: string, opts: OpenWriterOptions = {}): CaptureWriter {
  const format = opts.format ?? formatForPath(path);
  if (!format) throw new Error(`cannot tell the capture format of ${JSON.stringify(path)}: use a .pcap or .pcapng extension, or pass format`);
  const f = fileSink(path);
  return createCaptureWriter(f.sink, format, { ...opts, onClose: f.close });
}

/** Detects pcap or pcapng from the first 4 bytes of a source; a WireError code if neither. */
function detect(src: ByteSource): CaptureFormat | WireError {
  if (!src.ensure(4)) return WireError.TRUNCATED_FILE;
  const le = u32le(src.buf, src.start);
  const be = u32(src.buf, src.start);
  if (le === BT_SHB) return 'pcapng';
  if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS || be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) return 'pcap';
  return WireError.BAD_MAGIC;
}

export interface OpenReaderOptions {
  /** Give each record its own copy of the bytes (default for readCapture) instead of a borrowed view. */
  copy?: boolean;
  chunkSize?: number;
}

/**
 * Low-level reader over a file path or bytes in memory. Throws CaptureError only when the first bytes are not a
 * capture at all; later damage is reported by next() returning a WireError code (details in reader.error).
 */
export function openCaptureReader(input: string | Uint8Array, opts: OpenReaderOptions = {}): CaptureReader {
  const src = typeof input === 'string' ? ByteSource.file(input, opts.chunkSize) : ByteSource.bytes(input);
  const f = detect(src);
  if (typeof f === 'number') {
    const n = src.available;
    const head = Array.from(src.buf.subarray(src.start, src.start + Math.min(4, n)), (x) => x.toString(16).padStart(2, '0')).join('');
    src.close();
    throw new CaptureError(f, 0, f === WireError.TRUNCATED_FILE
      ? `file is ${n} bytes, too short for a capture magic`
      : `first bytes ${head} are neither a pcap magic (a1b2c3d4 / a1b23c4d) nor a pcapng section header (0a0d0d0a)`, 'capture');
  }
  return f === 'pcapng' ? new PcapngReader(src, opts) : new PcapReader(src, opts);
}

/**
 * Streams the records of a pcap or pcapng file (or bytes), reading in chunks. Each yielded record is a fresh
 * object with its own copy of the bytes unless `copy: false` (then the record and its data are reused).
 * Throws CaptureError naming the offset and the problem on a malformed file. The file is closed at the end,
 * on error, and when the loop is left early.
 */
export function* readCapture(input: string | Uint8Array, opts: OpenReaderOptions = {}): Generator<CaptureRecord> {
  const copy = opts.copy ?? true;
  const reader = openCaptureReader(input, { ...opts, copy });
  try {
    for (;;) {
      const r = reader.next();
      if (r === null) return;
      if (typeof r === 'number') {
        const e = reader.error!;
        throw new CaptureError(e.code, e.offset, e.detail, reader.format);
      }
      yield copy ? { ...r } : r;
    }
  } finally {
    reader.close();
  }
}
