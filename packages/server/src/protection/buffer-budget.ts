/** Settings of a {@link BufferBudget}. */
export interface BufferBudgetSettings<C> {
  /** Bytes all send buffers together may hold (`limits.maxBufferedBytes`); 0: no cap. */
  readonly maxBytes: number;
  /** Reads a connection's send buffer now, bytes. */
  readonly read: (conn: C) => number;
  /** Closes a connection to bring the total back under the cap (4201 `SLOW_CONSUMER`). */
  readonly shed: (conn: C) => void;
}

/**
 * The server-wide cap on bytes waiting in send buffers (`limits.maxBufferedBytes`).
 *
 * Each connection's buffer is limited by `maxBackpressure`, but a thousand clients that stop
 * reading hold a thousand of those. The budget keeps the last reading of every buffer that is not
 * empty (readings come where buffers are read anyway: after room traffic, on `drain`, on a send
 * that met backpressure) and their total. When the total passes the cap, it reads those buffers
 * again (a reading can be stale) and closes the connections furthest behind, the largest buffers
 * first, until the total is at or under the cap. An idle server holds no entry.
 */
export class BufferBudget<C> {
  readonly #max: number;
  readonly #read: (conn: C) => number;
  readonly #shed: (conn: C) => void;
  readonly #bytes = new Map<C, number>();
  #total = 0;
  #shedding = false;

  constructor(settings: BufferBudgetSettings<C>) {
    this.#max = settings.maxBytes;
    this.#read = settings.read;
    this.#shed = settings.shed;
  }

  /** Bytes in the send buffers, as last read. */
  get total(): number {
    return this.#total;
  }

  /** Records that `conn`'s send buffer holds `bytes`; past the cap, closes the furthest behind. */
  record(conn: C, bytes: number): void {
    this.#set(conn, bytes);
    if (this.#max > 0 && this.#total > this.#max && !this.#shedding) this.#enforce();
  }

  /** Forgets a closed connection. */
  forget(conn: C): void {
    this.#set(conn, 0);
  }

  #set(conn: C, bytes: number): void {
    const before = this.#bytes.get(conn) ?? 0;
    if (bytes > 0) this.#bytes.set(conn, bytes);
    else this.#bytes.delete(conn);
    this.#total += bytes - before;
  }

  #enforce(): void {
    this.#shedding = true;
    try {
      for (const conn of [...this.#bytes.keys()]) this.#set(conn, this.#read(conn));
      if (this.#total <= this.#max) return;
      const behind = [...this.#bytes].sort((a, b) => b[1] - a[1]);
      for (const [conn] of behind) {
        if (this.#total <= this.#max) break;
        this.forget(conn);
        this.#shed(conn);
      }
    } finally {
      this.#shedding = false;
    }
  }
}
