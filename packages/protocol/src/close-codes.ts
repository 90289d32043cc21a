/**
 * WebSocket close codes. Application codes come in ranges that tell a client what to do:
 *
 * - 4000–4099 terminal: do not reconnect, surface the error.
 * - 4100–4199 re-authenticate: obtain a new token, then reconnect.
 * - 4200–4299 reconnect with slow backoff.
 * - everything else (1001, 1006, 1011, 1012, 1013, …): reconnect with normal backoff.
 *
 * `1000` is a deliberate close by the client and ends the session.
 */
export const CloseCode = {
  /** Normal closure, initiated by the client. */
  NORMAL: 1000,
  /** The server is shutting down or restarting: reconnect (elsewhere). */
  GOING_AWAY: 1001,
  /** No close frame was received (network loss, or uWS closing an oversize frame). */
  ABNORMAL: 1006,
  /** Unexpected server failure. */
  INTERNAL_ERROR: 1011,

  /** A frame could not be decoded or was not a valid envelope. */
  PROTOCOL_ERROR: 4000,
  /** The frame type does not match the negotiated codec (binary on JSON, text on msgpack). */
  UNSUPPORTED_FRAME: 4001,
  /** Closed by the server or an operator (for example `POST /v1/users/:id/disconnect`). */
  KICKED: 4002,
  /** The principal is not allowed on this server any more. */
  FORBIDDEN: 4003,
  /** A message was larger than the advertised `maxPayload`. */
  MESSAGE_TOO_LARGE: 4004,

  /** The token expired and was not refreshed in band. */
  TOKEN_EXPIRED: 4100,
  /** The token was rejected during an in-band refresh or revoked. */
  TOKEN_INVALID: 4101,

  /** Sustained message rate over the limit. */
  RATE_LIMITED: 4200,
  /** The connection could not keep up with its traffic (slow consumer). */
  SLOW_CONSUMER: 4201,
  /** The server is overloaded; try again later. */
  TRY_AGAIN_LATER: 4202,
  /** No traffic and no answer to heartbeats within the idle timeout. */
  IDLE_TIMEOUT: 4203,
} as const;
/** A close code Switchyard sends or interprets. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Terminal close codes (4000–4099): do not reconnect. */
export function isTerminalClose(code: number): boolean {
  return code >= 4000 && code <= 4099;
}

/** Re-authenticate close codes (4100–4199): get a fresh token, then reconnect. */
export function shouldReauthenticate(code: number): boolean {
  return code >= 4100 && code <= 4199;
}

/** Slow-reconnect close codes (4200–4299): reconnect with a long backoff. */
export function shouldReconnectSlowly(code: number): boolean {
  return code >= 4200 && code <= 4299;
}

/** True when a client should reconnect after this close (every code but 1000 and 40xx). */
export function shouldReconnect(code: number): boolean {
  return code !== CloseCode.NORMAL && !isTerminalClose(code);
}

/** The class of a close code, for logs and metric labels. */
export type CloseClass = 'normal' | 'terminal' | 'reauthenticate' | 'slow' | 'reconnect';

/** Classifies a close code into one of the fixed {@link CloseClass} values. */
export function closeClass(code: number): CloseClass {
  if (code === CloseCode.NORMAL) return 'normal';
  if (isTerminalClose(code)) return 'terminal';
  if (shouldReauthenticate(code)) return 'reauthenticate';
  if (shouldReconnectSlowly(code)) return 'slow';
  return 'reconnect';
}
