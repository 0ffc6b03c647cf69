// The `inspect --verify` checks for one dissected frame: every checksum we can see, and that the frame
// re-encodes byte for byte from its decoded reprs. Returns the problems as sentences (empty = good).
import { reencodeMismatch, type Dissection } from './dissect.ts';
import { hex } from './fields.ts';

export function verifyFrame(data: Uint8Array, d: Dissection): string[] {
  const problems: string[] = [];
  if (d.unsupported) return [d.unsupported];
  if (d.error) problems.push(`malformed ${d.error.proto}: ${d.error.name}`);
  for (const l of d.layers) {
    const c = l.checksum;
    if (c && c.status === 'bad') {
      const where = l.quoted ? ` (in ICMP quote)` : '';
      problems.push(`bad ${l.proto} checksum${where} ${hex(c.stored, 4)}, expected ${hex(c.computed!, 4)}`);
    }
  }
  if (!d.error) {
    const at = reencodeMismatch(data, 0, data.length, d);
    if (at >= 0) problems.push(`re-encoding differs at byte ${at} (${layerAt(d, at)})`);
  }
  return problems;
}

function layerAt(d: Dissection, at: number): string {
  let name = 'no layer';
  for (const l of d.layers) if (at >= l.off && at < l.off + l.len) name = l.proto;
  return name;
}
