// Test frames for the capture tests, built once with scapy 2.5 (correct IP/UDP/ICMP checksums, so tshark's
// checksum validation passes) and embedded as hex, plus a tshark helper.
import { fromHex } from '../../src/bytes.ts';
import { run } from '../helpers/peers.ts';

// Ether(src=02:..:01, dst=02:..:02)/IP(10.0.0.1 > 10.0.0.2, id=1)/UDP(40000 > 9999)/Raw(b'hello wirestack')
export const UDP = fromHex('02000000000202000000000108004500002b00010000401166bf0a0000010a0000029c40270f0017bad468656c6c6f2077697265737461636b');
// Ether/IP(10.0.0.2 > 10.0.0.1, id=2, ttl=63)/ICMP(echo-request id=0x1234 seq=1)/Raw(b'abcdefghijklmnop')
export const ICMP = fromHex('02000000000102000000000208004500002c000200003f0167cd0a0000020a0000010800a27f123400016162636465666768696a6b6c6d6e6f70');
// Ether(dst=broadcast)/ARP(who-has 10.0.0.2 tell 10.0.0.1)
export const ARP = fromHex('ffffffffffff020000000001080600010800060400010200000000010a0000010000000000000a000002');
// Ether/IP(id=3)/UDP(40001 > 9999)/Raw(bytes(range(256))*4): 1066 bytes, for snap-length truncation
export const BIG = (() => {
  const head = fromHex('02000000000202000000000108004500041c00030000401162cc0a0000010a0000029c41270f04081f8c');
  const b = new Uint8Array(head.length + 1024);
  b.set(head);
  for (let i = 0; i < 1024; i++) b[head.length + i] = i & 0xff;
  return b;
})();
// IP(192.168.1.1 > 192.168.1.2, id=4)/UDP(1000 > 2000)/Raw(b'raw ip'): a bare IPv4 datagram (LINKTYPE_RAW)
export const RAWIP = fromHex('45000022000400004011f773c0a80101c0a8010203e807d0000e1dd4726177206970');

/** Runs tshark -r FILE -T fields with the given fields (tab-separated, one line per frame). */
export function tsharkFields(file: string, fields: string[], extra: string[] = []): string[][] {
  const args = ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', ...extra];
  for (const f of fields) args.push('-e', f);
  const r = run('tshark', args);
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

/** tshark's expert summary: returns the lines naming errors or warnings (malformed, checksum …). */
export function tsharkExpertProblems(file: string): string[] {
  const r = run('tshark', ['-r', file, '-q', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-z', 'expert']);
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  const bad = r.stdout.split('\n').filter((l) => /^(Errors|Warnings)\s*\(/.test(l.trim()) || /malformed|checksum/i.test(l));
  return bad;
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';

/** A fresh temporary directory removed when the test ends; returns a path maker. */
export function tempDir(t: Test): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), 'wirestack-pcap-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return (name) => join(dir, name);
}

/** tshark's frame.time_epoch text for a time in whole seconds + ns (tshark 4.0 prints 9 decimals). */
export function epochText(sec: number, fracNs: number): string {
  return `${sec}.${String(fracNs).padStart(9, '0')}`;
}

/** Hand-built pcapng pieces in either byte order, for files our writer never produces (BE, SPB, 2^-n …). */
export class NgBuilder {
  private parts: number[] = [];
  constructor(private le = true) {}
  u16(v: number): number[] {
    return this.le ? [v & 255, (v >>> 8) & 255] : [(v >>> 8) & 255, v & 255];
  }
  u32(v: number): number[] {
    return this.le ? [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24] : [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  }
  opt(code: number, value: ArrayLike<number>): number[] {
    const v = Array.from(value);
    while (v.length % 4) v.push(0);
    return [...this.u16(code), ...this.u16(value.length), ...v];
  }
  block(type: number, body: number[]): this {
    const len = 12 + body.length;
    this.parts.push(...this.u32(type), ...this.u32(len), ...body, ...this.u32(len));
    return this;
  }
  shb(le = this.le): this {
    this.le = le;
    return this.block(0x0a0d0d0a, [...this.u32(0x1a2b3c4d), ...this.u16(1), ...this.u16(0), 255, 255, 255, 255, 255, 255, 255, 255]);
  }
  idb(linktype: number, snaplen: number, opts: number[] = []): this {
    return this.block(1, [...this.u16(linktype), 0, 0, ...this.u32(snaplen), ...opts, ...(opts.length ? [0, 0, 0, 0] : [])]);
  }
  epb(ifId: number, hi: number, lo: number, data: Uint8Array, origLen = data.length, opts: number[] = []): this {
    const d = Array.from(data);
    while (d.length % 4) d.push(0);
    return this.block(6, [...this.u32(ifId), ...this.u32(hi), ...this.u32(lo), ...this.u32(data.length), ...this.u32(origLen), ...d, ...opts, ...(opts.length ? [0, 0, 0, 0] : [])]);
  }
  spb(data: Uint8Array, origLen = data.length): this {
    const d = Array.from(data);
    while (d.length % 4) d.push(0);
    return this.block(3, [...this.u32(origLen), ...d]);
  }
  raw(bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
