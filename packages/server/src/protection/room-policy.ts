import { optionError } from '../config/config-error.js';
import type { HistoryPolicy, RoomPolicy, SlowConsumerPolicy } from '../config/options.js';

/** A room's settings after defaults are applied. */
export interface ResolvedRoomPolicy {
  /** @default 'close' */
  readonly slowConsumer: SlowConsumerPolicy;
  /** @default false */
  readonly clientPublish: boolean;
  /** @default true */
  readonly presence: boolean;
  /** Unset: the room keeps no history. */
  readonly history?: Readonly<HistoryPolicy>;
}

/** Settings for rooms no pattern matches. */
export const DEFAULT_ROOM_POLICY: ResolvedRoomPolicy = Object.freeze({
  slowConsumer: 'close',
  clientPublish: false,
  presence: true,
});

const SLOW_CONSUMER_POLICIES: ReadonlySet<string> = new Set(['close', 'drop', 'latest']);

/** A compiled room pattern. */
export interface RoomPattern {
  /** True when `room` matches the whole pattern. */
  test(room: string): boolean;
}

/**
 * Compiles a room pattern: `*` matches any run of characters (also none), everything else
 * literally. Matching takes linear time: a regular expression with several `.*` backtracks
 * polynomially, so a pattern such as `*a*a*a*a*b` (from a token's `rooms` claim) against a
 * client-chosen room name could block the event loop for minutes.
 */
export function compileRoomPattern(pattern: string): RoomPattern {
  const parts = pattern.split('*');
  const head = parts[0] ?? '';
  if (parts.length === 1) return { test: (room) => room === head };
  const tail = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1).filter((part) => part !== '');
  return {
    test(room) {
      if (room.length < head.length + tail.length || !room.startsWith(head) || !room.endsWith(tail)) return false;
      // Leftmost placement of each middle part leaves the most room for the rest, so it never needs revisiting.
      let at = head.length;
      const end = room.length - tail.length;
      for (const part of middle) {
        const found = room.indexOf(part, at);
        if (found === -1 || found + part.length > end) return false;
        at = found + part.length;
      }
      return true;
    },
  };
}

// Resolutions are cached per room; the cache is cleared when it grows past this many names so a
// client cycling through random room names cannot grow memory without bound.
const CACHE_LIMIT = 10_000;

const MAX_HISTORY_SIZE = 100_000;
const MAX_HISTORY_TTL_SEC = 604_800;

function checkHistory(history: HistoryPolicy, i: number): HistoryPolicy {
  const { size, ttlSec } = history;
  if (!Number.isInteger(size) || size < 1 || size > MAX_HISTORY_SIZE) {
    throw optionError(`rooms.${i}.history.size`, `expected an integer 1-${MAX_HISTORY_SIZE}, got ${String(size)}`);
  }
  if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > MAX_HISTORY_TTL_SEC) {
    throw optionError(
      `rooms.${i}.history.ttlSec`,
      `expected an integer 1-${MAX_HISTORY_TTL_SEC}, got ${String(ttlSec)}`,
    );
  }
  return { size, ttlSec };
}

/** Resolves a room's settings: the first `RoomPolicy` whose pattern matches wins. */
export class RoomPolicies {
  readonly #compiled: ReadonlyArray<{ readonly re: RoomPattern; readonly policy: ResolvedRoomPolicy }>;
  readonly #cache = new Map<string, ResolvedRoomPolicy>();

  /** @throws ConfigError (`rooms.<i>.pattern`, …) when a pattern is not a non-empty string or a `slowConsumer` value is unknown. */
  constructor(policies: readonly RoomPolicy[] = []) {
    this.#compiled = policies.map((p, i) => {
      if (typeof p.pattern !== 'string' || p.pattern.length === 0) {
        throw optionError(`rooms.${i}.pattern`, 'expected a room pattern such as chat:*');
      }
      if (p.slowConsumer !== undefined && !SLOW_CONSUMER_POLICIES.has(p.slowConsumer)) {
        throw optionError(`rooms.${i}.slowConsumer`, `expected close, drop or latest, got ${String(p.slowConsumer)}`);
      }
      return {
        re: compileRoomPattern(p.pattern),
        policy: Object.freeze({
          slowConsumer: p.slowConsumer ?? DEFAULT_ROOM_POLICY.slowConsumer,
          clientPublish: p.clientPublish ?? DEFAULT_ROOM_POLICY.clientPublish,
          presence: p.presence ?? DEFAULT_ROOM_POLICY.presence,
          ...(p.history === undefined ? {} : { history: Object.freeze({ ...checkHistory(p.history, i) }) }),
        }),
      };
    });
  }

  /** The settings for `room`. */
  resolve(room: string): ResolvedRoomPolicy {
    // Without patterns every room has the defaults: nothing to cache per room name.
    if (this.#compiled.length === 0) return DEFAULT_ROOM_POLICY;
    const cached = this.#cache.get(room);
    if (cached !== undefined) return cached;
    const found = this.#compiled.find((c) => c.re.test(room))?.policy ?? DEFAULT_ROOM_POLICY;
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(room, found);
    return found;
  }
}
