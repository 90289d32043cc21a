import type { ErrorCode } from '@switchyard/protocol';
import { NORMAL_CLOSE, type StatusEvent } from './connection-machine.js';

/**
 * A failed client call, or the end of a session. `code` says why: `TIMEOUT`, `DISCONNECTED`,
 * `PAYLOAD_TOO_LARGE`, `LIMIT_EXCEEDED` (offline queue full) and `UNAUTHORIZED` (the upgrade was
 * refused for its token, or `maxRefusals` attempts were) are raised locally; any other code is
 * the server's error reply (`FORBIDDEN`, `NOT_FOUND`, `BAD_REQUEST`, …).
 *
 * @example
 * try { await client.request('chat:send', msg); }
 * catch (err) { if (err instanceof ClientError && err.code === 'TIMEOUT') retryLater(); }
 */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  /** Why the call failed. */
  readonly code: ErrorCode;
  /** After the session ended (`DISCONNECTED`, `UNAUTHORIZED`): the WebSocket close code that ended it. */
  readonly closeCode: number | undefined;

  constructor(code: ErrorCode, message: string, closeCode?: number) {
    super(message);
    this.code = code;
    this.closeCode = closeCode;
  }
}

/** The error a session ended with, from its `closed` status event. */
export function endedError({ code = NORMAL_CLOSE, reason, unauthorized }: StatusEvent): ClientError {
  const cause = `${code}${reason ? `: ${reason}` : ''}`;
  return unauthorized
    ? new ClientError('UNAUTHORIZED', `gave up: every attempt was refused (last ${cause})`, code)
    : new ClientError('DISCONNECTED', `connection closed (${cause})`, code);
}
