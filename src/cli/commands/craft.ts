// `wirestack craft SPEC -o FILE`: frames from a YAML/JSON layer-stack spec into a pcap or pcapng file.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Command, Io } from '../command.ts';
import { UsageError } from '../command.ts';
import { openCaptureWriter, formatForPath } from '../../pcap/index.ts';
import { craftFrames } from '../../packet/build.ts';
import { SpecError } from '../../packet/spec.ts';
import { describeFileError } from './inspect.ts';

const help = `usage: wirestack craft SPEC -o FILE

Builds frames from SPEC (YAML or JSON) and writes them to FILE: pcap for .pcap/.cap, pcapng for .pcapng.
SPEC is a list of packets (or {packets: [...], start: SECONDS, interval: SECONDS}); each packet is
  - layers: [{ether: {src: 02:00:00:00:00:01}}, {vlan: {vid: 10}}, {ipv4: {dst: 10.0.0.2, df: true}},
             {udp: {sport: 1234, dport: 53}}, {dns: {qd: [www.example.com]}}]
    count: N            repeat (fields may increment: src: {start: 10.0.0.1, step: 1})
    time: SECONDS       absolute time of this packet (default: previous + interval, first at start)
    snaplen: N          store only the first N bytes (a truncated record)
    comment: TEXT       pcapng opt_comment
Layers and their fields (anything not given is filled in; anything given is written as is):
  ether    dst src type pad(true: zero-pad to 60 bytes)
  vlan     vid pcp dei tpid(0x8100 | 0x88a8 | 802.1ad) type
  arp      op(request|reply|N) hwsrc psrc hwdst pdst hwtype ptype hwlen plen
  ipv4     src dst ttl id tos dscp ecn rf df mf frag len checksum proto version ihl options
  icmp     type code checksum id seq mtu gateway pointer unused rest quote(N bytes of the inner stack)
  udp      sport dport len checksum(0 = none)
  dns      id qr opcode aa tc rd ra ad cd rcode qd[] an[] ns[] ar[] edns{size,do} compress
  raw      hex | text | len [fill]
  padding  hex | len   (after the outermost datagram; counted in no length field)
Exit status: 0 written, 2 bad usage or a bad spec (the message names the key path).`;

export interface CraftResult { frames: number; bytes: number }

/** Parses a spec file's text: YAML (a superset of JSON). */
export function parseSpecText(text: string): unknown {
  return parseYaml(text);
}

/** Crafts `spec` into the capture file `out`. Throws SpecError on a bad spec. */
export function craftToFile(spec: unknown, out: string): CraftResult {
  // build everything first so a bad spec leaves no half-written file behind
  const frames = [...craftFrames(spec)];
  mkdirSync(dirname(out), { recursive: true }); // -o captures/today/x.pcap makes its folders
  const w = openCaptureWriter(out);
  const ifId = w.addInterface('craft0');
  let bytes = 0;
  for (const f of frames) {
    w.write(ifId, f.tsNs, f.bytes, 0, f.capLen, { origLen: f.bytes.length, comment: f.comment });
    bytes += f.bytes.length;
  }
  w.close();
  return { frames: frames.length, bytes };
}

async function run(args: string[], io: Io): Promise<number> {
  let specPath: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '--output') {
      out = args[++i];
      if (out === undefined) throw new UsageError(`${a} needs a file name`);
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option "${a}"`);
    else if (specPath === undefined) specPath = a;
    else throw new UsageError(`unexpected argument "${a}"`);
  }
  if (specPath === undefined) throw new UsageError('missing SPEC (a YAML or JSON file)');
  if (out === undefined) throw new UsageError('missing -o FILE (.pcap or .pcapng)');
  if (!formatForPath(out)) throw new UsageError(`-o ${out}: the extension must be .pcap or .pcapng`);
  let text: string;
  try {
    text = readFileSync(specPath === '-' ? 0 : specPath, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${describeFileError(specPath, e)}`);
  }
  const bin = binaryAt(text);
  if (bin >= 0) throw new UsageError(`${specPath}: not a YAML/JSON text file (binary data at character ${bin})`);
  let spec: unknown;
  try {
    spec = parseSpecText(text);
  } catch (e) {
    throw new UsageError(`${specPath}: not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    const r = craftToFile(spec, out);
    io.out(`wrote ${r.frames} frame${r.frames === 1 ? '' : 's'} (${r.bytes} bytes) to ${out}`);
    return 0;
  } catch (e) {
    if (e instanceof SpecError) throw new UsageError(`${specPath}: ${e.message}`);
    if ((e as NodeJS.ErrnoException).code !== undefined) {
      io.err(`wirestack craft: cannot write ${describeFileError(out, e)}`);
      return 1;
    }
    throw e;
  }
}

/** Index of the first NUL, other C0 control (not tab/CR/LF) or invalid UTF-8 (U+FFFD), or -1. */
function binaryAt(text: string): number {
  const m = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.exec(text);
  return m ? m.index : -1;
}

export const craftCommand: Command = {
  name: 'craft',
  summary: 'build frames from a YAML/JSON layer spec into a pcap/pcapng file',
  help,
  run,
};
