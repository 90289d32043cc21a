import { BodyCollector } from './body-collector.js';
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

type ApiUrl = { method: string; path: string; query: string; proxyHeader: string };

function apiRequest(req: IncomingMessage, url: ApiUrl): ApiRequest {
  return {
    method: url.method,
    path: url.path,
    query: url.query,
    authorization: headerText(req, 'authorization'),
    contentLength: headerText(req, 'content-length'),
    remoteAddress: req.socket.remoteAddress ?? '',
    forwardedFor: url.proxyHeader === '' ? '' : headerText(req, url.proxyHeader),
  };
}

/** Writes one reply at most; `closeConnection` when the body was left unread. */
class ReplyWriter {
  /** A reply was written, or the request was abandoned. */
  done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly method: string,
  ) {}

  write(reply: ApiReply, closeConnection: boolean): void {
    if (this.done) return;
    this.done = true;
    if (this.res.destroyed) return;
    const headers: Record<string, string | number> = {
      ...reply.headers,
      'content-length': Buffer.byteLength(reply.body),
    };
    // Answering before the body was read: close, or the unread body would be parsed as the next request.
    if (closeConnection) headers['connection'] = 'close';
    this.res.writeHead(reply.status, headers);
    this.res.end(this.method === 'HEAD' ? undefined : reply.body);
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
  url: ApiUrl,
  failed: (error: unknown) => void,
): void {
  const request = apiRequest(req, url);
  const reply = new ReplyWriter(res, url.method);
  let early: ApiReply | undefined;
  try {
    early = api.head(request);
  } catch (err) {
    failed(err);
    early = INTERNAL_API;
  }
  if (early !== undefined) {
    reply.write(early, request.contentLength !== '' && request.contentLength !== '0');
    return;
  }
  const body = new BodyCollector(api.maxBodyBytes);
  req.on('data', (chunk: Buffer) => {
    if (reply.done || body.push(chunk)) return;
    reply.write(api.tooLarge(request), true);
    req.pause();
  });
  req.on('end', () => {
    if (reply.done) return;
    api.handle(request, body.bytes()).then(
      (answer) => reply.write(answer, false),
      (err: unknown) => {
        failed(err);
        reply.write(INTERNAL_API, false);
      },
    );
  });
  req.on('error', () => {
    // The peer went away mid-body: nothing to answer.
    reply.done = true;
  });
}
