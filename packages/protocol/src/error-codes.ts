/**
 * Codes carried by an error reply (`{ t: 'reply', ok: false, error: { code } }`).
 * A reply error never closes the connection.
 */
export const ErrorCode = {
  /** The payload or arguments were malformed or failed the handler's parser. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The token is missing, invalid or expired (in-band refresh). */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** The principal may not do this (join, publish, presence). */
  FORBIDDEN: 'FORBIDDEN',
  /** No handler is registered under that request name. */
  NOT_FOUND: 'NOT_FOUND',
  /** No reply arrived within the caller's timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The per-connection message rate was exceeded; retry later. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The message exceeds the advertised `maxPayload`. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A configured limit was reached (rooms per connection, queue size). */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** The connection dropped before a reply arrived (raised locally by clients). */
  DISCONNECTED: 'DISCONNECTED',
  /** The server is shutting down or not ready. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** The handler failed; details are logged on the server, never sent. */
  INTERNAL: 'INTERNAL',
} as const;
/** A reply error code. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ERROR_CODE_SET: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** True when `value` is one of the documented reply error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ERROR_CODE_SET.has(value);
}

/** Codes of server notices (`{ t: 'notice' }`): information, never an error. */
export const NoticeCode = {
  /** Messages for a room were dropped for this connection (slow consumer); `missed` counts them. */
  GAP: 'GAP',
  /** The token expires soon; refresh it in band. */
  TOKEN_EXPIRING: 'TOKEN_EXPIRING',
  /** The server is shutting down; reconnect elsewhere. */
  SHUTDOWN: 'SHUTDOWN',
  /** The connection left `room`: a refreshed token's `rooms` claim no longer allows it. */
  ROOM_REVOKED: 'ROOM_REVOKED',
} as const;
/** A server notice code. */
export type NoticeCode = (typeof NoticeCode)[keyof typeof NoticeCode];

const NOTICE_CODE_SET: ReadonlySet<string> = new Set(Object.values(NoticeCode));

/** True when `value` is a documented notice code. */
export function isNoticeCode(value: unknown): value is NoticeCode {
  return typeof value === 'string' && NOTICE_CODE_SET.has(value);
}
