import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TransportHandlers, UpgradeDecision, UpgradeRequest } from './types.js';

/** A header's value as text: '' when absent, several lines joined with `, ` (RFC 9110 §5.3). */
export function headerText(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return value === undefined ? '' : Array.isArray(value) ? value.join(', ') : value;
}

/** Splits `req.url` into path and query (without `?`). */
export function splitUrl(url: string | undefined): { path: string; query: string } {
  const raw = url ?? '/';
  const at = raw.indexOf('?');
  return at < 0 ? { path: raw, query: '' } : { path: raw.slice(0, at), query: raw.slice(at + 1) };
}

/** Copies what the core reads out of a Node upgrade request. */
export function copyUpgradeRequest(req: IncomingMessage, proxyHeader: string): UpgradeRequest {
  const { path, query } = splitUrl(req.url);
  return {
    path,
    query,
    authorization: headerText(req, 'authorization'),
    origin: headerText(req, 'origin'),
    protocols: headerText(req, 'sec-websocket-protocol'),
    forwardedFor: proxyHeader === '' ? '' : headerText(req, proxyHeader),
    remoteAddress: req.socket.remoteAddress ?? '',
    wsKey: headerText(req, 'sec-websocket-key'),
    wsVersion: headerText(req, 'sec-websocket-version'),
  };
}

/**
 * Writes a plain HTTP answer on the raw socket of a refused upgrade (no WebSocket exists yet) and
 * closes it: the same statuses, headers and bodies the uWS transport sends.
 */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (socket.destroyed || !socket.writable) return;
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Status'}\r\ncontent-type: text/plain; charset=utf-8\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  head += `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(head + body);
}

const INTERNAL: UpgradeDecision<never> = { accept: false, status: 500, body: 'internal error' };

/**
 * Decides an upgrade before any WebSocket exists: asks the core, waits for an asynchronous answer,
 * and then either refuses on the raw socket or calls `accept`. A socket that went away while the
 * decision was pending is left alone, and an accepted decision for it is reported to `abandoned`
 * (so the core releases what it reserved for the connection).
 */
export function askUpgrade<D>(
  handlers: TransportHandlers<D>,
  request: UpgradeRequest,
  socket: Duplex,
  accept: (protocol: string, data: D) => void,
  abandoned: (data: D) => void,
): void {
  const answer = (decision: UpgradeDecision<D>): void => {
    const gone = socket.destroyed || !socket.writable;
    if (decision.accept) {
      if (gone) abandoned(decision.data);
      else accept(decision.protocol, decision.data);
    } else if (!gone) {
      refuseUpgrade(socket, decision.status, decision.body, decision.headers);
    }
  };
  let decision: UpgradeDecision<D> | Promise<UpgradeDecision<D>>;
  try {
    decision = handlers.upgrade(request);
  } catch (err) {
    handlers.failed('upgrade', err);
    decision = INTERNAL;
  }
  if (decision instanceof Promise)
    decision.then(answer, (err: unknown) => {
      handlers.failed('upgrade', err);
      answer(INTERNAL);
    });
  else answer(decision);
}
