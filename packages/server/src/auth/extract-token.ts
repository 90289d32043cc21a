import { BEARER_SUBPROTOCOL_PREFIX } from '@switchyard/protocol';

/** What the transport copied out of an upgrade request, synchronously, before any `await`. */
export interface UpgradeCredentials {
  /** The `Authorization` header, or `''`. */
  readonly authorization: string;
  /** The `Sec-WebSocket-Protocol` header as sent (entries separated by commas), or `''`. */
  readonly protocols: string;
  /** The query string, with or without its leading `?`, or `''`. */
  readonly query: string;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Finds the token of an upgrade request. Sources, first match wins:
 * 1. `Authorization: Bearer <jwt>` (servers and Node clients);
 * 2. a `switchyard.bearer.<jwt>` subprotocol entry (browsers cannot set headers);
 * 3. `?token=<jwt>`, URL-decoded, only when `allowQueryToken` is on (URLs end up in logs).
 *
 * An `Authorization` header with another scheme is ignored, not an error.
 * @returns the token, or `undefined` when none of the allowed sources carries one.
 */
export function extractToken(
  credentials: UpgradeCredentials,
  options: { allowQueryToken: boolean },
): string | undefined {
  const header = BEARER.exec(credentials.authorization.trim());
  if (header?.[1] !== undefined) return header[1];

  // Most upgrades carry no bearer entry: look before splitting the header.
  if (credentials.protocols.includes(BEARER_SUBPROTOCOL_PREFIX)) {
    for (const entry of credentials.protocols.split(',')) {
      const protocol = entry.trim();
      if (protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX) && protocol.length > BEARER_SUBPROTOCOL_PREFIX.length) {
        return protocol.slice(BEARER_SUBPROTOCOL_PREFIX.length);
      }
    }
  }
  if (options.allowQueryToken && credentials.query !== '') {
    const token = queryToken(credentials.query.startsWith('?') ? credentials.query.slice(1) : credentials.query);
    if (token !== null && token !== '') return token;
  }
  return undefined;
}

/**
 * The first `token` parameter of a query string, as `URLSearchParams.get('token')` reads it. A
 * query with no `%` or `+` needs no decoding, so it is scanned in place instead of being parsed
 * into a list of every parameter; anything else goes through `URLSearchParams` itself.
 */
function queryToken(query: string): string | null {
  if (query.includes('%') || query.includes('+')) return new URLSearchParams(query).get('token');
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    if (query.startsWith('token', start)) {
      if (end === start + 5) return '';
      if (query.charCodeAt(start + 5) === 61 /* = */) return query.slice(start + 6, end);
    }
    start = end + 1;
  }
  return null;
}
