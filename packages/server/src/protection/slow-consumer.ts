import { LatestValues, type ConflatedEntry } from './conflation.js';

/** What to do with a socket whose send buffer is over `maxBackpressure`. */
export type SlowConsumerPolicy = 'close' | 'drop' | 'latest';

/** Per-connection slow-consumer state; create one per connection with {@link SlowConsumers.newConsumer}. */
export interface SlowConsumerState {
  /** Rooms this connection is paused in, with the room sequence number when it was paused. */
  paused: Map<string, number> | undefined;
}

/** What a room's connection receives when it catches up. */
export interface Catchup<T> {
  readonly room: string;
  readonly policy: 'drop' | 'latest';
  /** Messages the connection will never see (the `missed` of the `GAP` notice); 0: send no notice. */
  readonly missed: number;
  /** Newest values per (event, key) to send before resubscribing (`latest` only), oldest first. */
  readonly replay: readonly ConflatedEntry<T>[];
}

/** What to do with a connection whose send buffer went over the limit. */
export type OverLimitAction = 'close' | 'pause';

/** Settings of {@link SlowConsumers}. */
export interface SlowConsumerSettings {
  /** Send buffer size above which a connection is slow, bytes (`limits.maxBackpressure`). */
  readonly maxBackpressure: number;
  /** A paused connection resumes once its buffer is at or below this. @default maxBackpressure / 2 */
  readonly resumeBelow?: number;
  /** Distinct (event, key) slots kept per room for `latest`. @default 1000 */
  readonly maxLatestKeys?: number;
  /** The slow-consumer policy of a room. */
  readonly policyFor: (room: string) => SlowConsumerPolicy;
  /**
   * Reports messages skipped for paused connections as each publish skips them, one per paused
   * connection (`ServerMetrics.backpressureDropped`).
   */
  readonly onDropped?: (policy: 'drop' | 'latest', count: number) => void;
  /** Reports skipped messages of `latest` rooms replayed on catch-up (`ServerMetrics.backpressureReplayed`). */
  readonly onReplayed?: (count: number) => void;
}

interface RoomStream<T> {
  seq: number;
  pausedCount: number;
  readonly policy: SlowConsumerPolicy;
  readonly latest: LatestValues<T> | undefined;
}

/**
 * The slow-consumer policy, without any socket code.
 *
 * A connection whose send buffer passes `maxBackpressure` is slow. If any of its rooms uses
 * `close` (the default), or it is in no room, it is closed with 4201 `SLOW_CONSUMER`. Otherwise it
 * is paused: the caller unsubscribes it from its rooms' topics, so room fan-out skips it without
 * per-recipient work, and this class remembers each room's sequence number. Rooms count their
 * publishes only while someone is paused in them, so the common case costs one map lookup per
 * publish. When the buffer drains below `resumeBelow`, {@link SlowConsumers.resume} says, per room,
 * how many messages were missed (sequence delta) and, for `latest` rooms, which newest values per
 * (event, key) to replay; the caller sends those, a `GAP` notice when `missed > 0`, and resubscribes.
 */
export class SlowConsumers<T> {
  readonly #max: number;
  readonly #resumeBelow: number;
  readonly #maxLatestKeys: number;
  readonly #policyFor: (room: string) => SlowConsumerPolicy;
  readonly #onDropped: (policy: 'drop' | 'latest', count: number) => void;
  readonly #onReplayed: (count: number) => void;
  readonly #streams = new Map<string, RoomStream<T>>();

  constructor(settings: SlowConsumerSettings) {
    this.#max = settings.maxBackpressure;
    this.#resumeBelow = settings.resumeBelow ?? Math.floor(settings.maxBackpressure / 2);
    this.#maxLatestKeys = settings.maxLatestKeys ?? 1000;
    this.#policyFor = settings.policyFor;
    this.#onDropped = settings.onDropped ?? (() => {});
    this.#onReplayed = settings.onReplayed ?? (() => {});
  }

  /** A fresh per-connection state. */
  newConsumer(): SlowConsumerState {
    return { paused: undefined };
  }

  /** True when a connection with `buffered` bytes queued is over the limit (0 disables the limit). */
  isOverLimit(buffered: number): boolean {
    return this.#max > 0 && buffered > this.#max;
  }

  /** True when `consumer` is paused and `buffered` is low enough to resume. */
  canResume(consumer: SlowConsumerState, buffered: number): boolean {
    return consumer.paused !== undefined && buffered <= this.#resumeBelow;
  }

  /** True when `consumer` is paused in at least one room. */
  isPaused(consumer: SlowConsumerState): boolean {
    return consumer.paused !== undefined;
  }

  /**
   * Decides for a connection that went over the limit while in `rooms`. On `pause`, the caller
   * unsubscribes it from every room in `rooms`. Calling it again while paused is harmless.
   */
  overLimit(consumer: SlowConsumerState, rooms: Iterable<string>): OverLimitAction {
    const list = [...rooms];
    if (list.length === 0) return 'close';
    if (list.some((room) => this.#policyFor(room) === 'close')) return 'close';
    const paused = (consumer.paused ??= new Map());
    for (const room of list) if (!paused.has(room)) paused.set(room, this.#pauseIn(room));
    return 'pause';
  }

  /**
   * Called when a paused connection joins `room`: returns false when the caller must not
   * subscribe yet (the room joins the paused set and catches up with the others).
   */
  joined(consumer: SlowConsumerState, room: string): boolean {
    if (consumer.paused === undefined) return true;
    if (this.#policyFor(room) === 'close') return true;
    if (!consumer.paused.has(room)) consumer.paused.set(room, this.#pauseIn(room));
    return false;
  }

  /**
   * Called when a connection leaves `room` (or closes). Everything it missed there was counted as
   * dropped when published, and nothing is replayed to a connection that left.
   */
  left(consumer: SlowConsumerState, room: string): void {
    const mark = consumer.paused?.get(room);
    if (mark === undefined || consumer.paused === undefined) return;
    consumer.paused.delete(room);
    if (consumer.paused.size === 0) consumer.paused = undefined;
    this.#release(room, mark);
  }

  /** Called when a connection closes: releases every room it was paused in. */
  closed(consumer: SlowConsumerState): void {
    if (consumer.paused === undefined) return;
    for (const room of [...consumer.paused.keys()]) this.left(consumer, room);
  }

  /**
   * Ends the pause of `consumer`: per room, what it missed and what to replay. The caller
   * resubscribes it to every returned room. Replayed values are reported through `onReplayed`
   * (the skips were reported through `onDropped` as they happened).
   */
  resume(consumer: SlowConsumerState): Catchup<T>[] {
    const paused = consumer.paused;
    if (paused === undefined) return [];
    consumer.paused = undefined;
    const out: Catchup<T>[] = [];
    for (const [room, mark] of paused) {
      const done = this.#release(room, mark);
      if (done.replay.length > 0) this.#onReplayed(done.replay.length);
      out.push({ room, ...done });
    }
    return out;
  }

  /** True while a connection is paused in `room`: only then does a publish need {@link SlowConsumers.published}. */
  tracks(room: string): boolean {
    return this.#streams.has(room);
  }

  /**
   * Accounts for one message published to `room` with an optional conflation `key`: every
   * connection paused in the room skips it, and is counted as a drop now, while it is still
   * paused. Costs one map lookup unless a connection is paused in the room.
   */
  published(room: string, event: string, key: string | undefined, value: T): void {
    const stream = this.#streams.get(room);
    if (stream === undefined) return;
    stream.seq++;
    this.#onDropped(stream.policy === 'latest' ? 'latest' : 'drop', stream.pausedCount);
    stream.latest?.record(event, key, stream.seq, value);
  }

  /** Rooms with at least one paused connection (for tests and gauges). */
  get pausedRooms(): number {
    return this.#streams.size;
  }

  #pauseIn(room: string): number {
    let stream = this.#streams.get(room);
    if (stream === undefined) {
      const policy = this.#policyFor(room);
      stream = {
        seq: 0,
        pausedCount: 0,
        policy,
        latest: policy === 'latest' ? new LatestValues<T>(this.#maxLatestKeys) : undefined,
      };
      this.#streams.set(room, stream);
    }
    stream.pausedCount++;
    return stream.seq;
  }

  #release(room: string, mark: number): { policy: 'drop' | 'latest'; missed: number; replay: ConflatedEntry<T>[] } {
    const stream = this.#streams.get(room);
    if (stream === undefined) return { policy: 'drop', missed: 0, replay: [] };
    const policy = stream.policy === 'latest' ? 'latest' : 'drop';
    const replay = stream.latest?.since(mark) ?? [];
    const missed = stream.seq - mark - replay.length;
    stream.pausedCount--;
    if (stream.pausedCount === 0) this.#streams.delete(room);
    return { policy, missed, replay };
  }
}
