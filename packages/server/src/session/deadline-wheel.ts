/** Settings of a {@link DeadlineWheel}. */
export interface DeadlineWheelOptions<T> {
  /** Called once for each item whose deadline has passed. */
  readonly onDue: (item: T) => void;
  /** Bucket width and tick interval, ms: items fire up to this late, never early. @default 1000 */
  readonly resolutionMs?: number;
}

const DEFAULT_RESOLUTION_MS = 1_000;

/**
 * Coarse wall-clock deadlines for many items behind one shared interval: items are kept in
 * buckets keyed by deadline (rounded up to the resolution), and each tick walks the buckets that
 * have come due since the last one. Per item this costs one Set entry and one Map entry instead of
 * a `Timeout` and its closures, which matters with tens of thousands of idle connections.
 * The interval runs only while items are scheduled and never keeps the process alive.
 */
export class DeadlineWheel<T> {
  readonly #onDue: (item: T) => void;
  readonly #resolutionMs: number;
  readonly #buckets = new Map<number, Set<T>>();
  readonly #slotOf = new Map<T, number>();
  // The last slot processed; slots at or below it are never scheduled into again.
  #doneSlot: number;
  #interval: ReturnType<typeof setInterval> | undefined;

  constructor(options: DeadlineWheelOptions<T>) {
    this.#onDue = options.onDue;
    this.#resolutionMs = options.resolutionMs ?? DEFAULT_RESOLUTION_MS;
    if (!(this.#resolutionMs > 0)) throw new RangeError('resolutionMs must be > 0');
    this.#doneSlot = Math.floor(Date.now() / this.#resolutionMs);
  }

  /** Number of items scheduled. */
  get size(): number {
    return this.#slotOf.size;
  }

  /**
   * Schedules `item` at wall-clock time `at` (ms since the epoch), replacing its previous
   * deadline. A deadline already past fires on the next tick, never synchronously.
   */
  schedule(item: T, at: number): void {
    this.cancel(item);
    const slot = Math.max(Math.ceil(at / this.#resolutionMs), this.#doneSlot + 1);
    let bucket = this.#buckets.get(slot);
    if (!bucket) {
      bucket = new Set();
      this.#buckets.set(slot, bucket);
    }
    bucket.add(item);
    this.#slotOf.set(item, slot);
    this.#start();
  }

  /** Forgets `item`'s deadline; does nothing when it has none. */
  cancel(item: T): void {
    const slot = this.#slotOf.get(item);
    if (slot === undefined) return;
    this.#slotOf.delete(item);
    const bucket = this.#buckets.get(slot);
    if (bucket) {
      bucket.delete(item);
      if (bucket.size === 0) this.#buckets.delete(slot);
    }
    if (this.#slotOf.size === 0) this.#stop();
  }

  /** Fires every item whose deadline has passed; the interval calls it, tests may too. */
  tick(): void {
    const nowSlot = Math.floor(Date.now() / this.#resolutionMs);
    // Walk slot by slot (cheap: one lookup per elapsed resolution); a clock that jumped far
    // forward is walked through the bucket keys instead.
    const far = nowSlot - this.#doneSlot > this.#buckets.size;
    const due = far ? [...this.#buckets.keys()].filter((s) => s <= nowSlot).sort((a, b) => a - b) : undefined;
    const slots = due ?? range(this.#doneSlot + 1, nowSlot);
    this.#doneSlot = Math.max(this.#doneSlot, nowSlot);
    for (const slot of slots) {
      const bucket = this.#buckets.get(slot);
      if (!bucket) continue;
      this.#buckets.delete(slot);
      for (const item of bucket) {
        this.#slotOf.delete(item);
        // A callback may reschedule the item (into a later slot) or cancel others; both are safe.
        this.#onDue(item);
      }
    }
    if (this.#slotOf.size === 0) this.#stop();
  }

  /** Cancels everything and stops the interval. */
  clear(): void {
    this.#buckets.clear();
    this.#slotOf.clear();
    this.#stop();
  }

  #start(): void {
    if (this.#interval !== undefined) return;
    this.#interval = setInterval(() => this.tick(), this.#resolutionMs);
    this.#interval.unref();
  }

  #stop(): void {
    if (this.#interval === undefined) return;
    clearInterval(this.#interval);
    this.#interval = undefined;
  }
}

function* range(from: number, to: number): Generator<number> {
  for (let i = from; i <= to; i++) yield i;
}
