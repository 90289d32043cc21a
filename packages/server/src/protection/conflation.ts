/** One conflated value: the newest published for its (event, key) in a room. */
export interface ConflatedEntry<T> {
  readonly event: string;
  /** The publisher's conflation key; `undefined` when it gave none (one slot per event). */
  readonly key: string | undefined;
  /** The room sequence number of this value. */
  readonly seq: number;
  readonly value: T;
}

/**
 * Latest value per (event, key) for one room, for the `latest` slow-consumer policy.
 * Entries stay ordered by sequence number (an update moves its slot to the end), so
 * {@link LatestValues.since} returns them in publish order. At most `maxKeys` slots are kept;
 * past that the slot updated longest ago is evicted and counted in {@link LatestValues.evicted}.
 */
export class LatestValues<T> {
  readonly #maxKeys: number;
  readonly #slots = new Map<string, ConflatedEntry<T>>();
  #evicted = 0;

  constructor(maxKeys: number) {
    this.#maxKeys = Math.max(1, Math.floor(maxKeys));
  }

  /** Stores `value` as the newest for (event, key), replacing the previous one. */
  record(event: string, key: string | undefined, seq: number, value: T): void {
    // The length prefix makes (event, key) pairs unambiguous whatever characters they hold; the
    // leading marker keeps "no key" distinct from the empty-string key.
    const slot = key === undefined ? `-${event}` : `+${event.length}:${event}${key}`;
    this.#slots.delete(slot);
    this.#slots.set(slot, { event, key, seq, value });
    if (this.#slots.size > this.#maxKeys) {
      const oldest = this.#slots.keys().next();
      if (oldest.done !== true) {
        this.#slots.delete(oldest.value);
        this.#evicted++;
      }
    }
  }

  /** Entries with a sequence number above `seq`, oldest first. */
  since(seq: number): ConflatedEntry<T>[] {
    const out: ConflatedEntry<T>[] = [];
    for (const entry of this.#slots.values()) if (entry.seq > seq) out.push(entry);
    return out;
  }

  /** Slots held. */
  get size(): number {
    return this.#slots.size;
  }

  /** Slots evicted because the room had more than `maxKeys` distinct keys. */
  get evicted(): number {
    return this.#evicted;
  }
}
