import type { ServerOptions } from './options.js';

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

function hide(
  value: string | Readonly<Record<string, string>> | undefined,
): string | Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return REDACTED;
  // Key ids are not secret and tell the operator which keys are loaded.
  return Object.fromEntries(Object.keys(value).map((kid) => [kid, REDACTED]));
}

/**
 * A copy of the options safe to print or log: JWT secrets, public keys and the API key become
 * `"[redacted]"` (key ids stay visible); everything else is unchanged.
 */
export function redactConfig(options: ServerOptions): ServerOptions {
  const copy: ServerOptions = { ...options };
  if (options.apiKey !== undefined) copy.apiKey = REDACTED;
  if (options.redis !== undefined) copy.redis = { ...options.redis, url: redactUrl(options.redis.url) };
  if (options.auth !== undefined) {
    const auth = { ...options.auth };
    const secret = hide(options.auth.secret);
    const publicKey = hide(options.auth.publicKey);
    if (secret !== undefined) auth.secret = secret;
    if (publicKey !== undefined) auth.publicKey = publicKey;
    copy.auth = auth;
  }
  return copy;
}

/** A URL with its password (if any) replaced by {@link REDACTED}. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = REDACTED;
    return url.toString();
  } catch {
    return REDACTED;
  }
}
