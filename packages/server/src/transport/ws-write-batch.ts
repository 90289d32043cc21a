import type { Writable } from 'node:stream';

/**
 * Holds the writes of one event-loop turn per socket and lets each socket's writes leave in one
 * system call: a socket is corked on its first write of the turn and uncorked once, on the next
 * tick. A burst of pushes to the same socket (a publish batch, a presence wave, a replay) then
 * costs one `writev` instead of one `write` per message.
 */
export class WriteBatch {
  readonly #held = new Set<Writable>();
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    for (const socket of this.#held) socket.uncork();
    this.#held.clear();
  };

  /** Corks `socket` until the end of this turn (once, however often it is called). */
  hold(socket: Writable): void {
    if (this.#held.has(socket)) return;
    socket.cork();
    this.#held.add(socket);
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#flush);
    }
  }

  /** Writes everything held now, for a socket about to close. */
  release(socket: Writable): void {
    if (this.#held.delete(socket)) socket.uncork();
  }
}
