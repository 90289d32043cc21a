import { CloseCode, ProtocolError, closeClass, type Limits, type WelcomeEnvelope } from '@switchyard/protocol';
import type { ClientDispatcher } from './client-messages.js';
import type { ServerConnection } from './connection.js';
import type { Hub } from '../rooms/hub.js';
import { logsAt, type Logger } from '../log.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import { transportCloseReason } from '../protection/close-reason.js';
import type { ResolvedLimits } from '../config/resolve-options.js';
import type { DisconnectInfo } from '../server-types.js';
import type { SocketState } from '../upgrade/upgrade.js';

/** What the socket lifecycle reads and reports to. */
export interface SocketEventDeps {
  readonly hub: Hub;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** The `limits` of every welcome, from {@link welcomeLimits}. */
  readonly welcomeLimits: Limits;
  readonly dispatcher: ClientDispatcher;
  isShuttingDown(): boolean;
  connected(conn: ServerConnection): void;
  disconnected(conn: ServerConnection, info: DisconnectInfo): void;
}

/**
 * How many bytes past `limits.maxPayload` the transport still reads. uWebSockets.js drops a larger
 * frame without a close frame (the client sees 1006); a frame within this slack reaches the
 * decoder, which refuses it with `TOO_LARGE` and close code 4004. Beyond the slack uWS still drops
 * it (1006, counted as `payload_too_large`): the slack bounds how much a client can make the
 * server buffer.
 */
export const FRAME_SLACK_BYTES = 65_536;

/** The largest frame the transport reads for a `maxPayload` (see {@link FRAME_SLACK_BYTES}). */
export function transportFrameLimit(maxPayload: number): number {
  return maxPayload + FRAME_SLACK_BYTES;
}

/** The limits advertised in `welcome`: the same for every connection, so built once. */
export function welcomeLimits(limits: ResolvedLimits): Limits {
  return Object.freeze({
    maxPayload: limits.maxPayload,
    heartbeatMs: limits.heartbeatMs,
    maxRooms: limits.maxRoomsPerConnection,
    messagesPerSecond: limits.messagesPerSecond,
  });
}

/** A socket opened: register it, send `welcome`, arm the expiry timer, tell the listeners. */
export function onSocketOpen(deps: SocketEventDeps, conn: ServerConnection, state: SocketState): void {
  state.conn = conn;
  deps.hub.add(conn);
  deps.metrics.connectionOpened(conn.codec);
  const welcome: WelcomeEnvelope =
    conn.expiresAt === undefined
      ? {
          t: 'welcome',
          v: conn.protocolVersion,
          connectionId: conn.id,
          userId: conn.userId,
          limits: deps.welcomeLimits,
        }
      : {
          t: 'welcome',
          v: conn.protocolVersion,
          connectionId: conn.id,
          userId: conn.userId,
          expiresAt: conn.expiresAt,
          limits: deps.welcomeLimits,
        };
  conn.send(welcome);
  conn.scheduleExpiry();
  if (logsAt(deps.logger, 'info'))
    deps.logger.info(
      {
        event: 'connection_opened',
        connectionId: conn.id,
        userId: conn.userId,
        ip: conn.ip,
        origin: conn.origin || undefined,
        codec: conn.codec,
        protocolVersion: conn.protocolVersion,
      },
      'connection opened',
    );
  if (deps.isShuttingDown()) {
    conn.end(CloseCode.GOING_AWAY, 'server shutting down', 'shutdown');
    return;
  }
  deps.connected(conn);
}

/**
 * A frame arrived. It is decoded first, synchronously: uWS neuters `frame` when the callback
 * returns. An invalid frame closes the connection with the ProtocolError's close code.
 */
export function onSocketMessage(
  deps: SocketEventDeps,
  state: SocketState,
  frame: ArrayBuffer,
  isBinary: boolean,
): void {
  const conn = state.conn;
  if (!conn || conn.closed) return;
  let envelope;
  try {
    envelope = conn.codecImpl.decodeFromClient(frame, isBinary);
  } catch (error) {
    if (error instanceof ProtocolError) {
      deps.logger.info(
        { event: 'protocol_error', connectionId: conn.id, code: error.code, closeCode: error.closeCode },
        'protocol error',
      );
      conn.end(
        error.closeCode,
        error.code,
        error.closeCode === CloseCode.MESSAGE_TOO_LARGE ? 'payload_too_large' : 'protocol_error',
      );
    } else {
      deps.logger.error({ event: 'decode_failed', connectionId: conn.id, err: error }, 'decoder threw');
      conn.end(CloseCode.INTERNAL_ERROR, 'internal error', 'protocol_error');
    }
    return;
  }
  deps.metrics.messageReceived(conn.codec, envelope.t, frame.byteLength);
  deps.dispatcher.handle(conn, envelope);
}

/** A socket closed (any reason): leave every room, settle pending requests, count, log, tell. */
export function onSocketClose(deps: SocketEventDeps, state: SocketState, code: number, message: string): void {
  const conn = state.conn;
  if (!conn) {
    state.init?.lease.release();
    return;
  }
  conn.markClosed();
  deps.hub.remove(conn);
  conn.lease.release();
  const reason =
    conn.closeReason ?? transportCloseReason(code, message) ?? (code === CloseCode.ABNORMAL ? 'abnormal' : 'client');
  deps.metrics.connectionClosed(closeClass(code), reason);
  if (logsAt(deps.logger, 'info'))
    deps.logger.info(
      {
        event: 'connection_closed',
        connectionId: conn.id,
        userId: conn.userId,
        ip: conn.ip,
        origin: conn.origin || undefined,
        code,
        reason,
      },
      'connection closed',
    );
  deps.disconnected(conn, { code, reason });
}
