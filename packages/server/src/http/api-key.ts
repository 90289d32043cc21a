import { createHash, timingSafeEqual } from 'node:crypto';
import { optionError } from '../config/config-error.js';

/**
 * Checks `Authorization: Bearer <key>` against the configured API key in constant time.
 * Both sides are hashed with SHA-256 first, so `timingSafeEqual` always compares 32 bytes and
 * neither the comparison time nor an early length mismatch reveals the key's length.
 */
export class ApiKeyCheck {
  readonly #digest: Buffer;

  /** @throws ConfigError (`apiKey`) when `apiKey` is empty. */
  constructor(apiKey: string) {
    if (typeof apiKey !== 'string' || apiKey.length === 0) throw optionError('apiKey', 'expected a non-empty string');
    this.#digest = sha256(apiKey);
  }

  /** True when `authorization` (the raw header, possibly absent) carries the right key. */
  verify(authorization: string | undefined): boolean {
    const presented = bearer(authorization);
    // Hash even when nothing was presented, so the work done does not depend on the input.
    const ok = timingSafeEqual(sha256(presented ?? ''), this.#digest);
    return ok && presented !== undefined;
  }
}

/** The credential of a `Bearer` authorization header; `undefined` for any other shape. */
export function bearer(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match?.[1];
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
