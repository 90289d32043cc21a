import { CloseCode } from './close-codes.js';
import type { ErrorCode } from './error-codes.js';

/** Why an incoming frame was refused. Each closes the connection with {@link ProtocolError.closeCode}. */
export const ProtocolErrorCode = {
  /** Text frame that is not valid UTF-8 or not valid JSON. */
  INVALID_JSON: 'INVALID_JSON',
  /** Binary frame that is not valid msgpack (truncated, bad lengths, trailing bytes). */
  INVALID_MSGPACK: 'INVALID_MSGPACK',
  /** msgpack extension types are not part of the protocol. */
  UNSUPPORTED_EXTENSION: 'UNSUPPORTED_EXTENSION',
  /** The decoded value is not a plain object. */
  NOT_AN_OBJECT: 'NOT_AN_OBJECT',
  /** The `t` field is missing or names no envelope kind. */
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  /** The envelope kind may not be sent in this direction. */
  WRONG_DIRECTION: 'WRONG_DIRECTION',
  /** A required field is missing. */
  MISSING_FIELD: 'MISSING_FIELD',
  /** A field has the wrong type or is out of range. */
  INVALID_FIELD: 'INVALID_FIELD',
  /** Nesting deeper than the protocol allows. */
  TOO_DEEP: 'TOO_DEEP',
  /** The frame is larger than the decoder accepts. */
  TOO_LARGE: 'TOO_LARGE',
  /** A key that could change an object's prototype (`__proto__`, `constructor`, `prototype`). */
  FORBIDDEN_KEY: 'FORBIDDEN_KEY',
  /** A text frame on a msgpack connection, or a binary frame on a JSON connection. */
  WRONG_FRAME_TYPE: 'WRONG_FRAME_TYPE',
} as const;
/** A protocol error code. */
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/**
 * An incoming frame was not a valid envelope. The connection is closed with `closeCode`.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  /** Why the frame was refused. */
  readonly code: ProtocolErrorCode;
  /** The WebSocket close code to close the connection with. */
  readonly closeCode: number;

  constructor(code: ProtocolErrorCode, message: string, closeCode: number = defaultCloseCode(code)) {
    super(message);
    this.code = code;
    this.closeCode = closeCode;
  }
}

function defaultCloseCode(code: ProtocolErrorCode): number {
  if (code === ProtocolErrorCode.WRONG_FRAME_TYPE) return CloseCode.UNSUPPORTED_FRAME;
  if (code === ProtocolErrorCode.TOO_LARGE) return CloseCode.MESSAGE_TOO_LARGE;
  return CloseCode.PROTOCOL_ERROR;
}

/**
 * A handler's deliberate failure: the peer receives an error reply with `code` and `message`,
 * and the connection stays open. Any other thrown value becomes `INTERNAL` with a generic message.
 *
 * @example
 * throw new RpcError('FORBIDDEN', 'only moderators may delete messages');
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  /** The reply error code. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
