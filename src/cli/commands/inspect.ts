// `wirestack inspect FILE`: tshark-like packet list, Wireshark-field JSON, or a checksum and
// re-encode verification of every frame.
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Command, Io } from '../command.ts';
import { UsageError } from '../command.ts';
import { openCaptureReader, CaptureError, type CaptureReader } from '../../pcap/index.ts';
import { dissectFrame, reencodeMismatch, type Dissection } from '../../packet/dissect.ts';
import { frameFields, type FrameFields } from '../../packet/fields.ts';
import { summarize, formatRow, formatRelTime } from '../../packet/summary.ts';
import { verifyFrame } from '../../packet/verify.ts';
import '../../packet/vxlan.ts'; // registers UDP 4789 (VXLAN) with the dissector

const help = `usage: wirestack inspect FILE [--json | --verify]

Reads a pcap or pcapng file (FILE - reads standard input) of Ethernet, raw IPv4 (101/228) or Linux
cooked (SLL/SLL2, tcpdump -i any) frames, printing each frame as it is read.
  (default)  one line per frame as tshark -n prints it: No. Time Source → Destination Protocol Length Info
  --json     an array of per-frame objects keyed by Wireshark display-filter field names (frame.number,
             eth.src, ip.ttl, udp.checksum, dns.qry.name, …) with tshark's -T fields value formats;
             a field present several times (QinQ, ICMP quotes, DNS answers) is an array of strings,
             in the order tshark joins them with ','
  --verify   checks every IPv4, ICMP and UDP checksum and that each frame re-encodes byte for byte
             from its decoded form; exit 1 naming each failing frame and why
Truncated records (snap length) are reported as truncated, not malformed; malformed frames show the
WireError name. Exit status: 0 ok, 1 a failed check or unreadable file, 2 bad usage.`;

/**
 * Where the capture comes from: a path, or '-' for standard input. A pipe or file on stdin is read as
 * a stream through /dev/stdin; a socket (as some process launchers give) cannot be opened that way on
 * Linux (ENXIO), so it is read whole first.
 */
function captureInput(file: string): string | Uint8Array {
  if (file !== '-') return file;
  try {
    closeSync(openSync('/dev/stdin', 'r'));
    return '/dev/stdin';
  } catch {
    return new Uint8Array(readFileSync(0));
  }
}

/** A file-system error in words, naming the file (no bare EISDIR/ENOENT). */
export function describeFileError(file: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory', EISDIR: 'is a directory, not a file', EACCES: 'permission denied',
    EPERM: 'operation not permitted', ENOTDIR: 'a component of the path is not a directory',
    ENOSPC: 'no space left on the device', EROFS: 'read-only file system', EMFILE: 'too many open files',
    ENAMETOOLONG: 'file name too long', EEXIST: 'already exists',
  };
  const w = (code && words[code]) ?? (e as Error).message;
  return `${file === '-' ? 'standard input' : file}: ${w}`;
}

/**
 * 6 fraction digits for microsecond pcap files, 9 for nanosecond pcap and pcapng (tshark's choice).
 * Asked of the open reader (stdin cannot be reopened to peek at the magic); PcapReader keeps its
 * resolution in a private field that is set once the header has been read.
 */
function timeDigits(reader: CaptureReader): 6 | 9 {
  if (reader.format === 'pcapng') return 9;
  return (reader as unknown as { nanos?: boolean }).nanos ? 9 : 6;
}

export interface InspectedFrame {
  number: number;
  tsNs: number;
  data: Uint8Array;
  origLen: number;
  d: Dissection;
  fields: FrameFields;
}

/**
 * Dissects the frames of a capture one at a time as they are read (nothing is held but the current
 * frame). Every complete frame is yielded before a CaptureError for later damage is thrown.
 */
export function* inspectFrames(path: string, onDigits?: (digits: 6 | 9) => void): Generator<InspectedFrame> {
  let n = 0;
  const reader = openCaptureReader(captureInput(path), { copy: true }); // callers may keep a frame past the loop
  try {
    for (;;) {
      const r = reader.next();
      if (r === null) return;
      if (typeof r === 'number') {
        const e = reader.error!;
        throw new CaptureError(e.code, e.offset, e.detail, reader.format);
      }
      if (n++ === 0) onDigits?.(timeDigits(reader));
      const d = dissectFrame(r.linktype, r.data, 0, r.data.length, r.origLen);
      const fields = frameFields({ number: n, tsSec: r.tsSec, tsFracNs: r.tsFracNs, origLen: r.origLen, capLen: r.data.length }, d);
      yield { number: n, tsNs: r.tsNs, data: r.data, origLen: r.origLen, d, fields };
    }
  } finally {
    reader.close();
  }
}

/** The packet list, one line per frame, each written as soon as its frame is read. */
export function packetList(path: string, out: (line: string) => void, err: (line: string) => void = () => {}): number {
  let digits: 6 | 9 = 9;
  let t0: number | null = null;
  let n = 0;
  for (const f of inspectFrames(path, (d) => { digits = d; })) {
    t0 ??= f.tsNs;
    if (f.d.unsupported) err(`frame ${f.number}: ${f.d.unsupported}`);
    out(formatRow(f.number, formatRelTime(f.tsNs - t0, digits), summarize(f.d), f.origLen));
    n++;
  }
  return n;
}

async function run(args: string[], io: Io): Promise<number> {
  let file: string | undefined;
  let mode: 'list' | 'json' | 'verify' = 'list';
  for (const a of args) {
    if (a === '--json' || a === '--verify') {
      if (mode !== 'list') throw new UsageError('--json and --verify exclude each other');
      mode = a === '--json' ? 'json' : 'verify';
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option "${a}"`);
    else if (file === undefined) file = a;
    else throw new UsageError(`unexpected argument "${a}"`);
  }
  if (file === undefined) throw new UsageError('missing FILE (a .pcap or .pcapng capture, or - for standard input)');
  let jsonOpen = false;
  try {
    if (mode === 'list') {
      packetList(file, (l) => io.out(l), (l) => io.err(l));
      return 0;
    }
    if (mode === 'json') {
      // streamed: '[' then one object per frame, ',\n' between them, ']' (no whole-array string)
      let first = true;
      for (const f of inspectFrames(file)) {
        if (first) { io.out('['); jsonOpen = true; }
        else io.out(',');
        io.out('  ' + JSON.stringify(f.fields).replace(/\n$/, ''));
        first = false;
      }
      io.out(first ? '[]' : ']');
      jsonOpen = false;
      return 0;
    }
    let frames = 0, failed = 0, truncated = 0;
    for (const f of inspectFrames(file)) {
      frames++;
      if (f.d.truncated) truncated++;
      const problems = verifyFrame(f.data, f.d);
      for (const p of problems) io.out(`frame ${f.number}: ${p}`);
      if (problems.length) failed++;
    }
    const tr = truncated ? ` (${truncated} truncated: checksums over missing bytes not verified)` : '';
    if (failed) {
      io.out(`${failed} of ${frames} frame${frames === 1 ? '' : 's'} failed verification${tr}`);
      return 1;
    }
    io.out(`${frames} frame${frames === 1 ? '' : 's'} verified: checksums good, byte-identical re-encoding${tr}`);
    return 0;
  } catch (e) {
    if (mode === 'json') io.out(jsonOpen ? ']' : '[]'); // what was read stays a valid array
    if (e instanceof CaptureError) {
      io.err(`wirestack inspect: ${file === '-' ? 'standard input' : file}: ${e.message}`);
      return 1;
    }
    if ((e as NodeJS.ErrnoException).code !== undefined) {
      io.err(`wirestack inspect: ${describeFileError(file, e)}`);
      return 1;
    }
    throw e;
  }
}

// re-exported for tests that check a single frame
export { reencodeMismatch };

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'print, dump as Wireshark fields (--json) or verify (--verify) the frames of a capture',
  help,
  run,
};
