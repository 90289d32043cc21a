/**
 * A minimal listener registry keyed by name. `on` returns the function that removes the listener.
 * A throwing listener does not stop the others; its error goes to `onListenerError`.
 */
export class Emitter<A extends unknown[]> {
  readonly #listeners = new Map<string, Set<(...args: A) => void>>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; returns its unsubscribe function. */
  on(name: string, fn: (...args: A) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.#listeners.get(name) === set) this.#listeners.delete(name);
    };
  }

  /** True when `name` has a listener. */
  has(name: string): boolean {
    return this.#listeners.has(name);
  }

  /** Calls every listener of `name`; false when it has none. */
  emit(name: string, ...args: A): boolean {
    const set = this.#listeners.get(name);
    if (!set) return false;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
    return true;
  }
}
