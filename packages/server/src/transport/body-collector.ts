/**
 * Collects a request body in chunks and refuses it as soon as it passes `maxBytes`, so an
 * oversize body never sits in memory whole. Chunks are copied: uWS reuses the buffer it passes
 * to `onData` once the callback returns (a `ws`/`node:http` transport may pass its own buffers).
 */
export class BodyCollector {
  readonly #max: number;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #overflow = false;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  /** Adds a chunk; returns false (and keeps nothing more) once the body is over the limit. */
  push(chunk: ArrayBuffer | Uint8Array): boolean {
    if (this.#overflow) return false;
    const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
    this.#size += bytes.byteLength;
    if (this.#size > this.#max) {
      this.#overflow = true;
      this.#chunks.length = 0;
      return false;
    }
    if (bytes.byteLength > 0) this.#chunks.push(Buffer.from(bytes));
    return true;
  }

  /** True once the body passed the limit. */
  get overflowed(): boolean {
    return this.#overflow;
  }

  /** The whole body. @throws RangeError when it passed the limit (nothing was kept). */
  bytes(): Buffer {
    if (this.#overflow) throw new RangeError(`the body is larger than ${this.#max} bytes`);
    return Buffer.concat(this.#chunks, this.#size);
  }
}
