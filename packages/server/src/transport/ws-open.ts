import type WebSocket from 'ws';
import type { Duplex } from 'node:stream';
import { WsSocket, type WsSocketShared } from './ws-socket.js';
import type { HandlerStage, TransportHandlers } from './types.js';

/** Wraps an accepted `ws` socket, wires its events to the core's handlers and reports it open. */
export function openSocket<D>(
  ws: WebSocket,
  raw: Duplex,
  data: D,
  handlers: TransportHandlers<D>,
  shared: WsSocketShared,
  sockets: Set<WsSocket>,
): void {
  ws.binaryType = 'arraybuffer';
  const closed = (code: number, message: string): void => {
    if (socket.closed) return;
    sockets.delete(socket);
    socket.markClosed();
    guarded(handlers, 'close', data, () => handlers.close(data, code, message));
  };
  const socket = new WsSocket(ws, raw, shared, closed);
  sockets.add(socket);
  ws.on('message', (frame: ArrayBuffer, isBinary: boolean) => {
    // Frames that were already in flight when the server closed the socket are not read.
    if (socket.closed) return;
    socket.lastSeen = Date.now();
    guarded(handlers, 'message', data, () => handlers.message(data, frame, isBinary));
  });
  ws.on('pong', () => {
    socket.lastSeen = Date.now();
  });
  ws.on('error', (err: Error & { code?: string }) => {
    socket.ownReason = OWN_REASONS[err.code ?? ''] ?? socket.ownReason;
  });
  raw.on('drain', () => {
    if (!socket.closed) guarded(handlers, 'drain', data, () => handlers.drain(data));
  });
  ws.on('close', (code: number, reason: Buffer) => {
    if (socket.ownReason !== '') closed(1006, socket.ownReason);
    else closed(code, reason.toString());
  });
  guarded(handlers, 'open', data, () => handlers.open(socket, data));
}

/** Runs a socket handler; what it throws is reported once through `failed`, never into `ws`'s emitter. */
function guarded<D>(handlers: TransportHandlers<D>, where: HandlerStage, data: D, run: () => void): void {
  try {
    run();
  } catch (err) {
    handlers.failed(where, err, data);
  }
}

// `ws` error codes for the closes it makes itself, in the words uWS reports for the same cases.
const OWN_REASONS: Readonly<Record<string, string>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'Received too big message',
  WS_ERR_INVALID_UTF8: 'Received invalid UTF-8',
};
