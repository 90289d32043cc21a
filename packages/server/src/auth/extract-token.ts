import { BEARER_SUBPROTOCOL_PREFIX } from '@switchyard/protocol';

/** What the transport copied out of an upgrade request, synchronously, before any `await`. */
export interface UpgradeCredentials {
  /** The `Authorization` header, or `''`. */
  readonly authorization: string;
  /** The entries of `Sec-WebSocket-Protocol`, in the order the client offered them. */
  readonly protocols: readonly string[];
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

  for (const entry of credentials.protocols) {
    const protocol = entry.trim();
    if (protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX) && protocol.length > BEARER_SUBPROTOCOL_PREFIX.length) {
      return protocol.slice(BEARER_SUBPROTOCOL_PREFIX.length);
    }
  }

  if (options.allowQueryToken && credentials.query !== '') {
    const query = credentials.query.startsWith('?') ? credentials.query.slice(1) : credentials.query;
    const token = new URLSearchParams(query).get('token');
    if (token !== null && token !== '') return token;
  }
  return undefined;
}
