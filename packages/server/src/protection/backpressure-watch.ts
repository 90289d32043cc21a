/** Settings of a {@link BackpressureWatch}. */
export interface BackpressureWatchSettings<C> {
  /**
   * How long after a room's first publish its members are looked at, ms: the send buffer of a
   * member can grow by at most this much of the room's traffic before the look. @default 100
   */
  readonly intervalMs?: number;
  /** The connections of a room (its members, paused ones included). */
  readonly membersOf: (room: string) => Iterable<C>;
  /** Looks at one connection's send buffer and applies the slow-consumer policy. */
  readonly check: (conn: C) => void;
}

const DEFAULT_INTERVAL_MS = 100;

/** What a fan-out tells the watch: something was published to a room's topics. */
export interface RoomTraffic {
  published(room: string): void;
}

/**
 * Finds connections falling behind through room fan-out without looking at idle ones.
 *
 * A topic publish reports nothing per recipient, and a client that stops reading altogether gets
 * no `drain` either, so a send buffer that grows through room traffic has to be read. It can only
 * grow where something was published: each room publish marks its room, and one timer, armed by
 * the first mark after a look, reads the buffers of the marked rooms' members `intervalMs` later.
 * Every publish is followed by a look at its recipients within `intervalMs`, as with a periodic
 * sweep over every connection, but the work is proportional to the members of rooms with traffic:
 * an idle server runs no timer at all. Direct sends report their own backpressure and drains come
 * from the transport; neither needs this.
 */
export class BackpressureWatch<C> implements RoomTraffic {
  readonly #intervalMs: number;
  readonly #membersOf: (room: string) => Iterable<C>;
  readonly #check: (conn: C) => void;
  // Two sets used in turn: rooms marked during a look go to the other one, for the next look.
  #marked = new Set<string>();
  #spare = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(settings: BackpressureWatchSettings<C>) {
    this.#intervalMs = settings.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.#membersOf = settings.membersOf;
    this.#check = settings.check;
  }

  /** Something was published to `room`'s topics: its members are looked at within `intervalMs`. */
  published(room: string): void {
    if (this.#closed) return;
    this.#marked.add(room);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#look, this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** True while a look is scheduled (for tests: an idle server has none). */
  get scheduled(): boolean {
    return this.#timer !== undefined;
  }

  /** Stops the timer; later publishes are ignored. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#marked.clear();
  }

  readonly #look = (): void => {
    this.#timer = undefined;
    const rooms = this.#marked;
    this.#marked = this.#spare;
    this.#spare = rooms;
    try {
      for (const room of rooms) for (const conn of this.#membersOf(room)) this.#check(conn);
    } finally {
      rooms.clear();
    }
  };
}
