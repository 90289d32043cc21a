import { randomBytes } from 'node:crypto';

/**
 * Makes connection ids: a random prefix drawn once per source, then a counter. Ids stay unique
 * across processes (the prefix has 72 random bits, so two servers behind one broker do not collide,
 * and neither do the `anonymous:<id>` users built from them), while each id costs a string
 * concatenation instead of `randomUUID()`'s formatting, which matters in a connection storm.
 * Ids are opaque: nothing may parse them, and they are not secrets.
 */
export class ConnectionIds {
  readonly #prefix = `${randomBytes(9).toString('base64url')}-`;
  #next = 0;

  /** A new id, for example `Xk3v9q0aBc1d-1a`. */
  next(): string {
    this.#next += 1;
    return this.#prefix + this.#next.toString(36);
  }
}
