import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Descriptors kept free for everything that is not an open WebSocket: the runtime's own (about 21
 * measured: stdio, epoll, event and signal pipes), HTTP requests (`/healthz`, `/metrics`, the API),
 * broker connections, and TCP connections that have not finished their upgrade request. The
 * reserve is this many or {@link RESERVE_FRACTION} of the limit, whichever is larger.
 */
export const MIN_DESCRIPTOR_RESERVE = 64;
/** Share of the descriptor limit kept in reserve on large limits. */
export const RESERVE_FRACTION = 0.1;

/** Where {@link readDescriptorLimit} looks; injectable for tests. */
export interface DescriptorLimitSources {
  /** Reads a text file; `/proc/self/limits` on Linux. */
  readonly readFile?: (path: string) => string;
  /** Runs `sh -c 'ulimit -n'` and returns its stdout, or undefined when it cannot. */
  readonly ulimit?: () => string | undefined;
}

function shellUlimit(): string | undefined {
  const result = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2_000 });
  return result.status === 0 ? result.stdout : undefined;
}

function parseLimit(text: string): number | undefined {
  const word = text.trim();
  if (/^unlimited$/i.test(word)) return Number.POSITIVE_INFINITY;
  return /^\d+$/.test(word) ? Number(word) : undefined;
}

/**
 * The process's open-file limit (the soft `RLIMIT_NOFILE`, which Node raises to the hard limit at
 * start-up). Node has no getrlimit binding, so it is read from `/proc/self/limits` (Linux) or,
 * elsewhere, from `ulimit -n` in a child shell, which inherits this process's limits.
 * @returns the limit, `Infinity` when unlimited, `undefined` when it cannot be read.
 */
export function readDescriptorLimit(sources: DescriptorLimitSources = {}): number | undefined {
  const readFile = sources.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  try {
    const line = readFile('/proc/self/limits')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const limit = soft === undefined ? undefined : parseLimit(soft);
    if (limit !== undefined) return limit;
  } catch {
    // Not Linux: ask a shell.
  }
  try {
    const out = (sources.ulimit ?? shellUlimit)();
    return out === undefined ? undefined : parseLimit(out);
  } catch {
    return undefined;
  }
}

/**
 * The largest number of open WebSocket connections that leaves the reserve free, or 0 (no cap)
 * when the limit is unknown or unlimited.
 */
export function connectionsForDescriptors(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 0;
  const reserve = Math.max(MIN_DESCRIPTOR_RESERVE, Math.ceil(limit * RESERVE_FRACTION));
  return Math.max(1, limit - reserve);
}
