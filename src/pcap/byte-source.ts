// Input side shared by the readers: a window over a file read in large chunks (or over bytes already in
// memory). Memory stays bounded by the chunk size plus the largest single record, which the readers cap
// (MAX_RECORD) before asking for it, so a corrupt length can neither allocate gigabytes nor read past the end.
import { closeSync, openSync, readSync } from 'node:fs';

export const READ_CHUNK = 1024 * 1024;

export class ByteSource {
  buf: Uint8Array;
  /** Index in buf of the current position; bytes [start, end) are valid. */
  start = 0;
  end = 0;
  /** File offset of buf[0]. */
  private base = 0;
  private eof: boolean;
  private fd: number;
  /** Number of read calls made (for tests). */
  reads = 0;

  private constructor(fd: number, data: Uint8Array | null, chunk: number) {
    this.fd = fd;
    if (data) {
      this.buf = data;
      this.end = data.length;
      this.eof = true;
    } else {
      this.buf = new Uint8Array(chunk);
      this.eof = false;
    }
  }

  static file(path: string, chunk = READ_CHUNK): ByteSource {
    return new ByteSource(openSync(path, 'r'), null, chunk);
  }
  static bytes(data: Uint8Array): ByteSource {
    return new ByteSource(-1, data, 0);
  }

  /** File offset of the current position. */
  get pos(): number {
    return this.base + this.start;
  }
  get available(): number {
    return this.end - this.start;
  }

  /** Makes at least n bytes available at `start`; false if the input ends first. */
  ensure(n: number): boolean {
    if (this.end - this.start >= n) return true;
    if (this.eof) return false;
    if (this.start + n > this.buf.length) {
      // Slide the unread tail to the front; grow only when one record is bigger than the buffer.
      const keep = this.end - this.start;
      const target = n > this.buf.length ? new Uint8Array(Math.max(n, this.buf.length * 2)) : this.buf;
      if (target === this.buf) this.buf.copyWithin(0, this.start, this.end);
      else target.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = target;
      this.base += this.start;
      this.start = 0;
      this.end = keep;
    }
    while (this.end - this.start < n) {
      const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      this.reads++;
      if (got === 0) {
        this.eof = true;
        return false;
      }
      this.end += got;
    }
    return true;
  }

  /** Advances n bytes, reading and discarding input beyond the window (skipped blocks). */
  skip(n: number): boolean {
    while (n > 0) {
      const have = this.end - this.start;
      if (have >= n) {
        this.start += n;
        return true;
      }
      this.start = this.end;
      n -= have;
      if (!this.ensure(1)) return false;
    }
    return true;
  }

  /** True when no byte is left. */
  atEnd(): boolean {
    return !this.ensure(1);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.eof = true;
  }
}
