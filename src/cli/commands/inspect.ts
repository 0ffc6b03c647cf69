// `wirestack inspect FILE`: tshark-like packet list, Wireshark-field JSON, or a checksum and
// re-encode verification of every frame.
import { openSync, readSync, closeSync } from 'node:fs';
import type { Command, Io } from '../command.ts';
import { UsageError } from '../command.ts';
import { readCapture, CaptureError, LinkType } from '../../pcap/index.ts';
import { dissect, reencodeMismatch, type Dissection } from '../../packet/dissect.ts';
import { frameFields, type FrameFields } from '../../packet/fields.ts';
import { summarize, formatRow, formatRelTime } from '../../packet/summary.ts';
import { verifyFrame } from '../../packet/verify.ts';

const help = `usage: wirestack inspect FILE [--json | --verify]

Reads a pcap or pcapng file (Ethernet link type).
  (default)  one line per frame as tshark -n prints it: No. Time Source → Destination Protocol Length Info
  --json     an array of per-frame objects keyed by Wireshark display-filter field names (frame.number,
             eth.src, ip.ttl, udp.checksum, dns.qry.name, …) with tshark's -T fields value formats;
             a field present several times (QinQ, ICMP quotes, DNS answers) is an array of strings,
             in the order tshark joins them with ','
  --verify   checks every IPv4, ICMP and UDP checksum and that each frame re-encodes byte for byte
             from its decoded form; exit 1 naming each failing frame and why
Truncated records (snap length) are reported as truncated, not malformed; malformed frames show the
WireError name. Exit status: 0 ok, 1 a failed check or unreadable file, 2 bad usage.`;

/** 6 fraction digits for microsecond pcap files, 9 for nanosecond pcap and pcapng (tshark's choice). */
function timeDigits(path: string): 6 | 9 {
  const fd = openSync(path, 'r');
  const b = new Uint8Array(4);
  try { readSync(fd, b, 0, 4, 0); } finally { closeSync(fd); }
  const le = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  const be = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return le === 0xa1b2c3d4 || be === 0xa1b2c3d4 ? 6 : 9;
}

export interface InspectedFrame {
  number: number;
  tsNs: number;
  data: Uint8Array;
  origLen: number;
  d: Dissection;
  fields: FrameFields;
}

/** Dissects every frame of a capture file (streaming). Throws CaptureError on a damaged file. */
export function* inspectFrames(path: string): Generator<InspectedFrame> {
  let n = 0;
  for (const r of readCapture(path)) {
    n++;
    const d = r.linktype === LinkType.ETHERNET
      ? dissect(r.data, 0, r.data.length, r.origLen)
      : { layers: [], error: null, truncated: r.truncated };
    const fields = frameFields({ number: n, tsSec: r.tsSec, tsFracNs: r.tsFracNs, origLen: r.origLen, capLen: r.data.length }, d);
    yield { number: n, tsNs: r.tsNs, data: r.data, origLen: r.origLen, d, fields };
  }
}

/** The packet list, one line per frame. */
export function packetList(path: string, out: (line: string) => void): number {
  const digits = timeDigits(path);
  let t0: number | null = null;
  let n = 0;
  for (const f of inspectFrames(path)) {
    t0 ??= f.tsNs;
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
    } else if (a.startsWith('-')) throw new UsageError(`unknown option "${a}"`);
    else if (file === undefined) file = a;
    else throw new UsageError(`unexpected argument "${a}"`);
  }
  if (file === undefined) throw new UsageError('missing FILE (a .pcap or .pcapng capture)');
  try {
    openSync(file, 'r');
  } catch (e) {
    io.err(`wirestack inspect: cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  try {
    if (mode === 'list') {
      const lines: string[] = [];
      packetList(file, (l) => lines.push(l));
      if (lines.length) io.out(lines.join('\n'));
      return 0;
    }
    if (mode === 'json') {
      const parts: string[] = [];
      for (const f of inspectFrames(file)) parts.push('  ' + JSON.stringify(f.fields));
      io.out(parts.length ? `[\n${parts.join(',\n')}\n]` : '[]');
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
    if (e instanceof CaptureError) {
      io.err(`wirestack inspect: ${file}: ${e.message}`);
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
