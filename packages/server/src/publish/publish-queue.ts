/**
 * Defers work to one `setImmediate` batch. Measured on our uWS build: more than ~32 publishes
 * issued inside one `message` callback make fan-out collapse about tenfold (subscribers get one
 * message per syscall); the same publishes issued from a `setImmediate` batch, outside the
 * callback, do not. Client publishes go through this queue, in arrival order.
 */
export class DeferredQueue<T> {
  #items: T[] = [];
  #scheduled = false;
  readonly #run: (item: T) => void;
  readonly #onError: (error: unknown) => void;

  constructor(run: (item: T) => void, onError: (error: unknown) => void) {
    this.#run = run;
    this.#onError = onError;
  }

  /** Queues an item for the next batch. */
  push(item: T): void {
    this.#items.push(item);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Runs every queued item now, in order (also used on shutdown). */
  flush(): void {
    this.#scheduled = false;
    const items = this.#items;
    this.#items = [];
    for (const item of items) {
      try {
        this.#run(item);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  get size(): number {
    return this.#items.length;
  }
}
