import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerText, splitUrl } from './ask-upgrade.js';
import type { ApiReply, ApiRequest, HttpReply, TransportApi, TransportHandlers } from './types.js';

/**
 * A Node request handler for Switchyard's HTTP routes (`/healthz`, `/readyz`, `/metrics`, the
 * backend API under `/v1/`), to mount in Express, Fastify, Koa, NestJS or a plain `node:http`
 * server. It answers the requests that are Switchyard's and returns true; any other request goes
 * to `next` when given (Express and Connect style), otherwise it is answered 404, and false is
 * returned.
 */
export type NodeHttpHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => boolean;

/** Which requests the handler serves. */
export interface NodeHttpRoutes {
  /** GET/HEAD routes answered through `handlers.http`. */
  readonly httpRoutes: readonly string[];
  /** The WebSocket path: a plain request there is a broken handshake (400). */
  readonly wsPath: string;
  /** Header to copy into `forwardedFor`, lowercase; '' for none. */
  readonly proxyHeader: string;
}

const TEXT = 'text/plain; charset=utf-8';
const INTERNAL_TEXT: HttpReply = { status: 500, contentType: TEXT, body: 'internal error' };
const INTERNAL_API: ApiReply = {
  status: 500,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: '{"error":{"code":"INTERNAL","message":"internal error"}}',
};

function writeText(req: IncomingMessage, res: ServerResponse, reply: HttpReply): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': Buffer.byteLength(reply.body) });
  res.end(req.method === 'HEAD' ? undefined : reply.body);
}

/** Builds the handler over the transport handlers the core serves. */
export function createNodeHttpHandler<D>(handlers: TransportHandlers<D>, routes: NodeHttpRoutes): NodeHttpHandler {
  return (req, res, next) => {
    const { path, query } = splitUrl(req.url);
    const method = req.method ?? 'GET';
    if ((method === 'GET' || method === 'HEAD') && routes.httpRoutes.includes(path)) {
      serveRoute(handlers, req, res, path);
      return true;
    }
    const api = handlers.api;
    if (api !== undefined && path.startsWith(api.prefix)) {
      serveApi(api, req, res, { method, path, query, proxyHeader: routes.proxyHeader }, (err) =>
        handlers.failed('api', err),
      );
      return true;
    }
    if (path === routes.wsPath) {
      // The upgrade goes through the server's 'upgrade' event; a plain request here is a broken handshake.
      writeText(req, res, { status: 400, contentType: TEXT, body: 'invalid WebSocket handshake' });
      return true;
    }
    if (next !== undefined) next();
    else writeText(req, res, { status: 404, contentType: TEXT, body: 'not found' });
    return false;
  };
}

function serveRoute<D>(handlers: TransportHandlers<D>, req: IncomingMessage, res: ServerResponse, path: string): void {
  let reply: HttpReply | Promise<HttpReply> | undefined;
  try {
    reply = handlers.http(path) ?? { status: 404, contentType: TEXT, body: 'not found' };
  } catch (err) {
    handlers.failed('http', err);
    reply = INTERNAL_TEXT;
  }
  if (reply instanceof Promise) {
    reply.then(
      (r) => writeText(req, res, r),
      (err: unknown) => {
        handlers.failed('http', err);
        writeText(req, res, INTERNAL_TEXT);
      },
    );
  } else {
    writeText(req, res, reply);
  }
}

/**
 * One backend API request: the head is checked before the body is read, the body is collected up
 * to `maxBodyBytes` and refused with 413 (closing the connection, so the rest is never read) past it.
 */
function serveApi(
  api: TransportApi,
  req: IncomingMessage,
  res: ServerResponse,
  url: { method: string; path: string; query: string; proxyHeader: string },
  failed: (error: unknown) => void,
): void {
  const request: ApiRequest = {
    method: url.method,
    path: url.path,
    query: url.query,
    authorization: headerText(req, 'authorization'),
    contentLength: headerText(req, 'content-length'),
    remoteAddress: req.socket.remoteAddress ?? '',
    forwardedFor: url.proxyHeader === '' ? '' : headerText(req, url.proxyHeader),
  };
  let done = false;
  const write = (reply: ApiReply, closeConnection: boolean): void => {
    if (done) return;
    done = true;
    if (res.destroyed) return;
    const headers: Record<string, string | number> = {
      ...reply.headers,
      'content-length': Buffer.byteLength(reply.body),
    };
    // Answering before the body was read: close, or the unread body would be parsed as the next request.
    if (closeConnection) headers['connection'] = 'close';
    res.writeHead(reply.status, headers);
    res.end(url.method === 'HEAD' ? undefined : reply.body);
  };

  let early: ApiReply | undefined;
  try {
    early = api.head(request);
  } catch (err) {
    failed(err);
    early = INTERNAL_API;
  }
  if (early !== undefined) {
    write(early, request.contentLength !== '' && request.contentLength !== '0');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    if (done) return;
    size += chunk.byteLength;
    if (size > api.maxBodyBytes) {
      chunks.length = 0;
      write(api.tooLarge(request), true);
      req.pause();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (done) return;
    api.handle(request, Buffer.concat(chunks, size)).then(
      (reply) => write(reply, false),
      (err: unknown) => {
        failed(err);
        write(INTERNAL_API, false);
      },
    );
  });
  req.on('error', () => {
    done = true;
  });
}
