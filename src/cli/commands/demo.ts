// `wirestack demo` (what `npm start` runs): first the primer's walkthrough (namespaces → veth →
// bridge → gateway) in a lab with every interface captured to one pcapng, then the sample capture
// crafted from a built-in spec, verified and printed as tshark would — the two main jobs in one go.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScript } from './run.ts';
import type { Command, Io } from '../command.ts';
import { UsageError } from '../command.ts';
import { parseSpecText, craftToFile } from './craft.ts';
import { packetList, inspectFrames } from './inspect.ts';
import { verifyFrame } from '../../packet/verify.ts';

// the same spec as examples/craft/sample.yaml, built in so the demo works from any directory
const SPEC = `
packets:
  - layers: [{ether: {src: "02:00:00:00:00:01"}}, {arp: {op: request, psrc: 10.0.0.1, pdst: 10.0.0.254}}]
  - layers:
      - ether: {src: "02:00:00:00:00:fe", dst: "02:00:00:00:00:01"}
      - arp: {op: reply, psrc: 10.0.0.254, hwdst: "02:00:00:00:00:01", pdst: 10.0.0.1}
  - layers:
      - ether: {src: "02:00:00:00:00:01", dst: "02:00:00:00:00:fe"}
      - vlan: {vid: 10, pcp: 5}
      - ipv4: {src: 10.0.0.1, dst: 10.0.0.254, id: 7, df: true}
      - icmp: {type: 8, id: 0x1234, seq: 1}
      - raw: {text: "wirestack ping!"}
  - layers:
      - ether: {src: "02:00:00:00:00:01", dst: "02:00:00:00:00:fe"}
      - ipv4: {src: 10.0.0.1, dst: 10.0.0.53, id: 8}
      - udp: {sport: 40000, dport: 53}
      - dns: {id: 0xbeef, qd: [www.example.com]}
  - layers:
      - ether: {src: "02:00:00:00:00:fe", dst: "02:00:00:00:00:01"}
      - ipv4: {src: 10.0.0.53, dst: 10.0.0.1, id: 9}
      - udp: {sport: 53, dport: 40000}
      - dns:
          {id: 0xbeef, qr: true, aa: true, qd: [www.example.com],
           an: [{name: www.example.com, type: CNAME, ttl: 300, data: web.example.com},
                {name: web.example.com, type: A, ttl: 60, data: 10.1.2.3}]}
  - layers:
      - ether: {src: "02:00:00:00:00:fe", dst: "02:00:00:00:00:01"}
      - ipv4: {src: 10.0.0.254, dst: 10.0.0.1, id: 10}
      - icmp: {type: 3, code: 4, mtu: 1400, quote: 28}
      - ipv4: {src: 10.0.0.1, dst: 192.0.2.9, id: 11, df: true}
      - udp: {sport: 5000, dport: 6000}
      - raw: {len: 1472, fill: 0x61}
  - count: 3
    layers:
      - ether: {src: "02:00:00:00:00:01", dst: "02:00:00:00:00:fe"}
      - ipv4: {src: {start: 10.0.0.1, step: 1}, dst: 10.0.0.254, id: {start: 100, step: 1}}
      - udp: {sport: {start: 30000, step: 1}, dport: 9}
      - raw: {text: hello}
`;

// The walkthrough is the corrected primer example, read from the package so there is one copy.
const WALKTHROUGH = fileURLToPath(new URL('../../../examples/primer/04-bridge-corrected.sh', import.meta.url));

const help = `usage: wirestack demo [--out DIR]

Runs the primer's walkthrough (examples/primer/04-bridge-corrected.sh: two namespaces on a
bridge, the bridge as their gateway, pings) in a lab, capturing every interface into
DIR/primer.pcapng. Then crafts a sample capture (ARP, a VLAN-tagged ping, DNS over UDP, an ICMP error, a burst with
incrementing fields) into DIR/demo.pcapng (default ./out), verifies every checksum and re-encoding,
and prints the frames as tshark would. Open the file in Wireshark to compare.`;

async function run(args: string[], io: Io): Promise<number> {
  let dir = 'out';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out') {
      const v = args[++i];
      if (v === undefined) throw new UsageError('--out needs a directory');
      dir = v;
    } else throw new UsageError(`unknown argument "${args[i]}"`);
  }
  mkdirSync(dir, { recursive: true });
  const primer = join(dir, 'primer.pcapng');
  io.out(`$ wirestack run examples/primer/04-bridge-corrected.sh --pcapng ${primer}`);
  const script = readFileSync(WALKTHROUGH, 'utf8');
  const res = await runScript(script, { pcapng: primer }, {
    out: (s) => io.out(s.replace(/\n$/, "")),
    err: (s) => io.err(s.replace(/\n$/, '')),
  });
  const primerLines: string[] = [];
  packetList(primer, (l) => primerLines.push(l));
  io.out(`\n$ wirestack inspect ${primer}   (${primerLines.length} frames on all interfaces; first 8)`);
  io.out(primerLines.slice(0, 8).join('\n'));
  io.out('');
  if (res.exit !== 0) io.err(`the walkthrough failed (exit ${res.exit})`);
  const file = join(dir, 'demo.pcapng');
  const r = craftToFile(parseSpecText(SPEC), file);
  io.out(`$ wirestack craft <built-in spec> -o ${file}\nwrote ${r.frames} frames (${r.bytes} bytes)\n`);
  io.out(`$ wirestack inspect ${file}`);
  const lines: string[] = [];
  packetList(file, (l) => lines.push(l));
  io.out(lines.join('\n'));
  let bad = 0;
  for (const f of inspectFrames(file)) bad += verifyFrame(f.data, f.d).length ? 1 : 0;
  io.out(`\n$ wirestack inspect --verify ${file}\n${bad ? `${bad} frames failed` : `${r.frames} frames verified: checksums good, byte-identical re-encoding`}`);
  io.out(`\nNext: wirestack inspect --json ${file}   |   tshark -r ${file}   |   wirestack craft --help`);
  return bad || res.exit !== 0 ? 1 : 0;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the primer walkthrough in a lab, then a crafted sample capture (what npm start runs)',
  help,
  run,
};
