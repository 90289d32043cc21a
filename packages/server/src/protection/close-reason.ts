import type { CloseReason } from '../metrics/metrics.js';

// uWebSockets.js closes some sockets itself, without a close frame (the client sees 1006), and
// reports why only in the close message. These are its texts (uWS 20.x, WebSocketContext.h).
const TRANSPORT_REASONS: ReadonlyArray<readonly [RegExp, CloseReason]> = [
  [/too big message/i, 'payload_too_large'],
  [/timed out from inactivity/i, 'idle_timeout'],
  // uWS validates text frames before the server sees them and cannot be asked to send 1007.
  [/invalid UTF-8/i, 'protocol_error'],
];

/**
 * Why the transport closed a socket on its own, from the close code and message it reported;
 * `undefined` when the message is not one of the transport's own (a client close, for example).
 */
export function transportCloseReason(code: number, message: string): CloseReason | undefined {
  if (code !== 1006) return undefined;
  for (const [pattern, reason] of TRANSPORT_REASONS) if (pattern.test(message)) return reason;
  return undefined;
}
