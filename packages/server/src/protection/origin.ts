import { optionError } from '../config/config-error.js';

/**
 * Browser origin allowlist for the WebSocket upgrade.
 *
 * - `allowedOrigins` unset: every origin is allowed.
 * - Otherwise an origin is allowed only when it equals an entry exactly (scheme, host and port;
 *   compared case-insensitively because browsers lower-case scheme and host anyway).
 * - A `*` entry allows every origin; {@link OriginPolicy.warnings} then returns a loud warning the
 *   server logs at start-up, because any web page could then open sockets with a visitor's token.
 * - A request without an `Origin` header is allowed: browsers always send it on a WebSocket
 *   upgrade, so its absence means a non-browser client, which could forge any origin anyway.
 *   Such clients are held back by the token, not by the origin check.
 * - The literal origin `null` (sandboxed iframes, `file:` pages) is refused unless listed.
 */
export class OriginPolicy {
  readonly #allowed: ReadonlySet<string> | undefined;
  readonly #wildcard: boolean;

  /** @throws ConfigError (`allowedOrigins.<i>`) when an entry is not a non-empty string. */
  constructor(allowedOrigins?: readonly string[]) {
    if (allowedOrigins === undefined) {
      this.#allowed = undefined;
      this.#wildcard = false;
      return;
    }
    const set = new Set<string>();
    allowedOrigins.forEach((o, i) => {
      if (typeof o !== 'string' || o.trim().length === 0) {
        throw optionError(`allowedOrigins.${i}`, 'expected a non-empty string');
      }
      set.add(normalize(o));
    });
    this.#wildcard = set.has('*');
    this.#allowed = set;
  }

  /** True when a browser from `origin` (the `Origin` header, `undefined` or `''` when absent) may connect. */
  allows(origin: string | undefined): boolean {
    if (this.#allowed === undefined || this.#wildcard) return true;
    if (origin === undefined || origin === '') return true;
    return this.#allowed.has(normalize(origin));
  }

  /** Start-up warnings to log at `warn` level; empty when the configuration is safe. */
  warnings(): string[] {
    if (!this.#wildcard) return [];
    return [
      "allowedOrigins contains '*': ANY web page can open a WebSocket to this server with a visitor's credentials. " +
        'List the exact origins instead (for example https://app.example.com).',
    ];
  }
}

function normalize(origin: string): string {
  // Entries are often written with a trailing slash; an Origin header never has one.
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}
