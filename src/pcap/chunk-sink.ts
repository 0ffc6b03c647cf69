// Output side shared by the pcap and pcapng writers: records are encoded straight into one large
// chunk buffer and the chunk is handed to a sink when full, so a file capture costs one write(2)
// per chunk (default 512 KiB), never one per record.
import { closeSync, openSync, writeSync } from 'node:fs';

/** Receives a full chunk. The chunk is borrowed: it is reused after the call, so copy what you keep. */
export type ChunkSink = (chunk: Uint8Array) => void;

export const DEFAULT_CHUNK = 512 * 1024;

export class ChunkBuffer {
  buf: Uint8Array;
  pos = 0;
  /** Number of chunks handed to the sink (one write syscall each for a file sink). */
  flushes = 0;
  /** Bytes handed to the sink so far (the file offset of buf[0]). */
  flushed = 0;

  constructor(private readonly sink: ChunkSink, chunkSize = DEFAULT_CHUNK) {
    this.buf = new Uint8Array(chunkSize);
  }

  /** Makes room for `n` contiguous bytes at `pos`, flushing first if needed; returns `pos`. */
  reserve(n: number): number {
    if (this.pos + n > this.buf.length) {
      this.flush();
      // A record larger than a whole chunk (huge snaplen): grow once rather than split it.
      if (n > this.buf.length) this.buf = new Uint8Array(n);
    }
    return this.pos;
  }

  flush(): void {
    if (this.pos === 0) return;
    this.sink(this.buf.subarray(0, this.pos));
    this.flushes++;
    this.flushed += this.pos;
    this.pos = 0;
  }
}

/** A sink writing to a file with one writeSync per chunk; `close()` closes the descriptor. */
export function fileSink(path: string): { sink: ChunkSink; close(): void } {
  const fd = openSync(path, 'w');
  let open = true;
  return {
    sink(chunk) {
      let done = 0;
      while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** A sink collecting everything in memory (tests, or a CLI that writes the result elsewhere). */
export class MemorySink {
  private parts: Uint8Array[] = [];
  private total = 0;
  readonly sink: ChunkSink = (chunk) => {
    this.parts.push(chunk.slice());
    this.total += chunk.length;
  };
  /** All bytes received so far, as one array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.total);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
