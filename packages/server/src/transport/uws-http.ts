import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { HttpReply, TransportHandlers, TransportSettings } from './types.js';
import { serveApi } from './uws-http-api.js';
import { endResponse, isHead } from './uws-request.js';

/**
 * The HTTP side of the uWebSockets.js transport (uws.ts keeps its rules): `/healthz`, `/readyz`
 * and `/metrics` on the main and the side port, the backend HTTP API routes, and the catch-all.
 */

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: '200 OK',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  413: '413 Payload Too Large',
  426: '426 Upgrade Required',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

/** The status line uWS writes for `status` (`404 Not Found`). */
export function statusLine(status: number): string {
  return STATUS_TEXT[status] ?? `${status} Status`;
}

function writeReply(res: HttpResponse, reply: HttpReply, head: boolean): void {
  res.cork(() => {
    res.writeStatus(statusLine(reply.status)).writeHeader('content-type', reply.contentType);
    endResponse(res, reply.body, head);
  });
}

const INTERNAL_ERROR: HttpReply = { status: 500, contentType: 'text/plain; charset=utf-8', body: 'internal error' };

function serveHttp<D>(handlers: TransportHandlers<D>, res: HttpResponse, path: string, head: boolean): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  const notFound: HttpReply = { status: 404, contentType: 'text/plain; charset=utf-8', body: 'not found' };
  let reply: HttpReply | Promise<HttpReply> | undefined;
  try {
    reply = handlers.http(path) ?? notFound;
  } catch (error) {
    handlers.failed('http', error);
    reply = INTERNAL_ERROR;
  }
  if (reply instanceof Promise) {
    reply.then(
      (r) => {
        if (!aborted) writeReply(res, r, head);
      },
      (error: unknown) => {
        handlers.failed('http', error);
        if (!aborted) writeReply(res, INTERNAL_ERROR, head);
      },
    );
  } else {
    writeReply(res, reply, head);
  }
}

/** Registers each route for GET and HEAD (rule 10), answered by `handlers.http`. */
function installGetRoutes<D>(app: TemplatedApp, handlers: TransportHandlers<D>, routes: readonly string[]): void {
  for (const route of routes) {
    app.get(route, (res) => serveHttp(handlers, res, route, false));
    app.head(route, (res) => serveHttp(handlers, res, route, true));
  }
}

/** The HTTP routes of the main app: the GET routes, the backend HTTP API, and (on an app of its own) the catch-all. */
export function installHttpRoutes<D>(
  app: TemplatedApp,
  ownsApp: boolean,
  handlers: TransportHandlers<D>,
  settings: TransportSettings,
): void {
  installGetRoutes(app, handlers, settings.httpRoutes);
  const api = handlers.api;
  if (api !== undefined) {
    const failed = (error: unknown): void => handlers.failed('api', error);
    app.any(`${api.prefix}*`, (res, req) => serveApi(api, res, req, { statusLine, failed }, settings.proxyHeader));
  }
  if (ownsApp) {
    app.any('/*', (res, req) => {
      // uWS hands the WebSocket route only GETs with a 24-character key; anything else for that
      // path is a broken handshake, which deserves a 400 rather than a 404.
      const broken = req.getUrl() === settings.path;
      const head = isHead(req);
      res.cork(() => {
        res.writeStatus(statusLine(broken ? 400 : 404)).writeHeader('content-type', 'text/plain; charset=utf-8');
        endResponse(res, broken ? 'invalid WebSocket handshake' : 'not found', head);
      });
    });
  }
}

/** The routes of a side app (the metrics port): the given GET routes, 404 for every other path. */
export function installSideRoutes<D>(
  app: TemplatedApp,
  handlers: TransportHandlers<D>,
  routes: readonly string[],
): void {
  installGetRoutes(app, handlers, routes);
  app.any('/*', (res, req) => {
    const head = isHead(req);
    res.cork(() => {
      res.writeStatus(statusLine(404)).writeHeader('content-type', 'text/plain; charset=utf-8');
      endResponse(res, 'not found', head);
    });
  });
}
