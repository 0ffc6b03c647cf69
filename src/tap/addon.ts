// Lazy loader for the native addon (src/tap/native/tap.c, built by node-gyp into
// build/Release/wirestack_tap.node on `npm ci`). Nothing else in wirestack imports the addon
// eagerly: everything except TAP and raw sockets works when it is missing or failed to build,
// and the first use explains why it is unavailable instead of crashing at import time.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Offsets/lengths of a batch: meta[2i] = offset of frame i in the arena, meta[2i+1] = its length. */
export interface NativeReader {
  /** Stops polling (the fd stays open; close it afterwards). Idempotent. */
  stop(): void;
  /** Whether the poll handle keeps the event loop alive (default true). */
  ref(on: boolean): void;
}

export interface NativeReaderOptions {
  /** Free bytes left in front of every frame in the arena. */
  headroom?: number;
  /** Bytes offered to each read(2); a batch ends when the arena cannot offer this many more. */
  maxFrame?: number;
  /** Batches drained per readiness event before yielding to the event loop. */
  budget?: number;
  /** Only report readiness (count 0) and let JS read; the naive path the bench compares against. */
  notifyOnly?: boolean;
}

export interface TapAddon {
  /** persist: 1 set, 0 clear, -1 leave as is (TUNSETPERSIST). */
  tapOpen(name: string, persist: -1 | 0 | 1, nonBlocking: boolean): {
    fd: number;
    name: string;
    mtu: number;
    mac: Uint8Array;
    existed: boolean;
  };
  rawOpen(protocol: number): number;
  /** Bytes written or -errno. */
  write(fd: number, buf: Uint8Array, off: number, len: number): number;
  /** Bytes sent or -errno; `dst` is the IPv4 destination as a uint32. */
  sendTo(fd: number, buf: Uint8Array, off: number, len: number, dst: number): number;
  /** Bytes read or -errno (-11 = EAGAIN when nothing is waiting). */
  read(fd: number, buf: Uint8Array, off: number, len: number): number;
  close(fd: number): number;
  setBlocking(fd: number, blocking: boolean): number;
  Reader: new (
    fd: number,
    arena: Uint8Array,
    meta: Int32Array,
    onBatch: (count: number) => void,
    opts?: NativeReaderOptions,
  ) => NativeReader;
}

export const TAP_PREFIX = 'TAP needs Linux and CAP_NET_ADMIN: ';
export const RAW_PREFIX = 'raw IPv4 sockets need Linux and CAP_NET_RAW: ';

const CAP_NET_ADMIN = 12n;
const CAP_NET_RAW = 13n;

export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../../build/Release/wirestack_tap.node', import.meta.url));

/** Effective capability set of this process (capabilities(7)), or null if unknown. */
export function effectiveCaps(): bigint | null {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt('0x' + m[1]) : null;
  } catch {
    return null;
  }
}

export interface LoadOptions {
  path?: string;
  platform?: string;
  caps?: bigint | null;
  need?: 'tap' | 'raw';
}

/**
 * Loads the addon without caching, checking platform, file and capability first so the error says
 * what is wrong. Throws an Error whose message starts with TAP_PREFIX (or RAW_PREFIX).
 */
export function loadAddonUncached(o: LoadOptions = {}): TapAddon {
  const need = o.need ?? 'tap';
  const prefix = need === 'tap' ? TAP_PREFIX : RAW_PREFIX;
  const platform = o.platform ?? process.platform;
  const path = o.path ?? DEFAULT_ADDON_PATH;
  if (platform !== 'linux') throw new Error(`${prefix}this is ${platform}; TAP devices and raw sockets are Linux-only here`);
  if (!existsSync(path))
    throw new Error(`${prefix}the native addon ${path} is missing (it is built on npm ci; run \`npx node-gyp rebuild\` and read its errors)`);
  const caps = o.caps === undefined ? effectiveCaps() : o.caps;
  const bit = need === 'tap' ? CAP_NET_ADMIN : CAP_NET_RAW;
  if (caps !== null && ((caps >> bit) & 1n) === 0n)
    throw new Error(`${prefix}this process lacks ${need === 'tap' ? 'CAP_NET_ADMIN' : 'CAP_NET_RAW'} (run as root or grant it, e.g. setcap cap_net_admin,cap_net_raw+ep $(which node))`);
  try {
    return createRequire(import.meta.url)(path) as TapAddon;
  } catch (e) {
    throw new Error(`${prefix}cannot load ${path}: ${(e as Error).message}`);
  }
}

let cached: TapAddon | null = null;
const checked = new Set<string>();

/** The addon for TAP (`need` 'tap') or raw socket ('raw') use; loaded on first call. */
export function loadAddon(need: 'tap' | 'raw' = 'tap'): TapAddon {
  if (cached && checked.has(need)) return cached;
  cached = loadAddonUncached({ need });
  checked.add(need);
  return cached;
}
