import { ErrorCode, type ClientEnvelope, type ErrorCode as ErrorCodeType, type RequestId } from '@switchyard/protocol';
import type { ServerConnection } from './connection.js';
import { refuseBinary } from '../publish/binary-data.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { RoomRuleViolation } from '../protection/room-rules.js';

/** Answers request `id` with an error. */
export function replyError(conn: ServerConnection, id: RequestId, code: ErrorCodeType, message: string): void {
  conn.send({ t: 'reply', id, ok: false, error: { code, message } });
}

/**
 * Answers request `id` with success, and `data` when there is any.
 * @throws BinaryDataError when `data` holds bytes and the connection speaks JSON (nothing is sent)
 */
export function replyOk(conn: ServerConnection, id: RequestId, data?: unknown): void {
  // JSON would turn bytes into {"0":1,…}: the caller answers INTERNAL instead of changing them.
  if (!conn.codecImpl.binary) refuseBinary(data);
  conn.send(data === undefined ? { t: 'reply', id, ok: true } : { t: 'reply', id, ok: true, data });
}

/** The request id of an envelope that has one. */
export function idOf(envelope: ClientEnvelope): RequestId | undefined {
  return 'id' in envelope ? envelope.id : undefined;
}

/** Counts a refused room name or a room limit reached. */
export function countRuleViolation(metrics: ServerMetrics, violation: RoomRuleViolation): void {
  metrics.limitRejected(violation.code === ErrorCode.LIMIT_EXCEEDED ? 'rooms_per_connection' : 'room_name');
}

/** Logs an unexpected failure of an asynchronous step instead of leaving a rejection unhandled. */
export function logDispatchFailure(logger: Logger, conn: ServerConnection, err: unknown): void {
  logger.error({ event: 'dispatch_failed', connectionId: conn.id, err }, 'handling a client message failed');
}
