/**
 * The only module that imports uWebSockets.js. Rules it keeps (each has a test):
 *
 * 1. Copy everything out of `req` synchronously: it is stack-allocated and invalid after the
 *    handler returns or awaits.
 * 2. Attach `res.onAborted` before any asynchronous step, re-check the flag after it, and write
 *    a late answer inside `res.cork()`; a response is never touched after it was aborted. An
 *    answer ready before the handler returns is written there and then (uWS corks it already).
 * 3. `res.upgrade()` echoes only the negotiated codec subprotocol.
 * 4. Frames are handed to the core inside `message`, before any await: uWS neuters the
 *    ArrayBuffer when the callback returns.
 * 5. Per-socket state lives in the UserData generic; a socket is never touched after `close`
 *    (the wrapper keeps a closed flag and turns every call into a no-op).
 * 6. Rooms are topics: `app.publish` reaches every subscriber, `ws.publish` all but the sender.
 * 7. `send()` results are reported (0 backpressure, 2 dropped) so the core can count them.
 * 8. `cork()` on the socket whose `message` handler is running calls back directly: uWS has
 *    corked that socket for the handler already.
 * 9. A list header sent as several lines (`Sec-WebSocket-Protocol`, the proxy header; RFC 7230
 *    §3.2.2) is read
 *    whole: `req.getHeader()` returns only the first line, so the lines are joined with `, `.
 * 10. A HEAD request gets the headers of the GET answer and no body; every GET route is also
 *    registered for HEAD.
 * 11. A handler that throws (or whose promise rejects) is reported once through
 *    `handlers.failed(where, error, data)`; nothing escapes into uWS and nothing is dropped.
 */
import uWS from 'uWebSockets.js';
import type {
  HttpRequest,
  HttpResponse,
  TemplatedApp,
  WebSocket,
  us_listen_socket,
  us_socket_context_t,
} from 'uWebSockets.js';
import { assertNativeUws } from './uws-guard.js';
import { serveApi } from './uws-http-api.js';
import { endResponse, isHead, listHeader } from './uws-request.js';
import type {
  HandlerStage,
  HttpReply,
  OutgoingFrame,
  SendResult,
  Transport,
  TransportHandlers,
  TransportSettings,
  TransportSocket,
  UpgradeDecision,
  UpgradeRequest,
} from './types.js';

/**
 * A uWebSockets.js app (`uWS.App()` or `uWS.SSLApp()`), for embedding Switchyard next to your
 * own routes. This is the one place a uWS type appears in the public API.
 */
export type UwsApp = TemplatedApp;

interface UserData<D> {
  readonly data: D;
  socket: UwsSocket<D> | undefined;
}

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

function statusLine(status: number): string {
  return STATUS_TEXT[status] ?? `${status} Status`;
}

// The socket whose `message` handler is running, if any.
let receiving: UwsSocket<unknown> | undefined;

class UwsSocket<D> implements TransportSocket {
  readonly #ws: WebSocket<UserData<D>>;
  closed = false;

  constructor(ws: WebSocket<UserData<D>>) {
    this.#ws = ws;
  }

  send(frame: OutgoingFrame, binary: boolean): SendResult {
    if (this.closed) return 'closed';
    const result = this.#ws.send(frame, binary);
    return result === 1 ? 'ok' : result === 0 ? 'backpressure' : 'dropped';
  }

  publish(topic: string, frame: OutgoingFrame, binary: boolean): void {
    if (!this.closed) this.#ws.publish(topic, frame, binary);
  }

  subscribe(topic: string): void {
    if (!this.closed) this.#ws.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    if (!this.closed) this.#ws.unsubscribe(topic);
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.#ws.getBufferedAmount();
  }

  cork(fn: () => void): void {
    if (this.closed) return;
    // uWS already corks a socket while its message handler runs (two sends there leave in one
    // write), so corking it again would only be a round trip through the native side.
    if (receiving === this) fn();
    else this.#ws.cork(fn);
  }

  end(code: number, reason: string): void {
    if (!this.closed) this.#ws.end(code, reason);
  }
}

const addressDecoder = new TextDecoder();

function copyUpgradeRequest(req: HttpRequest, res: HttpResponse, proxyHeader: string): UpgradeRequest {
  return {
    path: req.getUrl(),
    query: req.getQuery() ?? '',
    authorization: req.getHeader('authorization'),
    origin: req.getHeader('origin'),
    protocols: listHeader(req, 'sec-websocket-protocol'),
    forwardedFor: proxyHeader === '' ? '' : listHeader(req, proxyHeader),
    remoteAddress: addressDecoder.decode(res.getRemoteAddressAsText()),
    wsKey: req.getHeader('sec-websocket-key'),
    wsVersion: req.getHeader('sec-websocket-version'),
  };
}

function answerUpgrade<D>(
  res: HttpResponse,
  decision: UpgradeDecision<D>,
  key: string,
  extensions: string,
  context: us_socket_context_t,
): void {
  if (decision.accept) {
    const userData: UserData<D> = { data: decision.data, socket: undefined };
    res.upgrade(userData, key, decision.protocol, extensions, context);
    return;
  }
  res.writeStatus(statusLine(decision.status)).writeHeader('content-type', 'text/plain; charset=utf-8');
  for (const [name, value] of Object.entries(decision.headers ?? {})) res.writeHeader(name, value);
  res.end(decision.body);
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

// uSockets sets SO_REUSEPORT unless told otherwise, so a second server on a busy port would
// silently share it; LIBUS_LISTEN_EXCLUSIVE_PORT makes that a clear failure. SO_REUSEADDR stays
// on, so a restart still binds while old connections sit in TIME_WAIT.
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

// The typings lack the (host, port, options, cb) overload that the native module accepts.
type ListenWithOptions = (
  host: string,
  port: number,
  options: number,
  cb: (token: us_listen_socket | false) => void,
) => TemplatedApp;

function listenOn(app: TemplatedApp, host: string, port: number): Promise<us_listen_socket> {
  return new Promise((resolve, reject) => {
    (app.listen as unknown as ListenWithOptions).call(app, host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (token) => {
      if (token === false) reject(new Error(`could not listen on ${host}:${port}`));
      else resolve(token);
    });
  });
}

/**
 * Creates the uWebSockets.js transport; its routes are installed by `serve(handlers)`. With `app`,
 * routes are added to the caller's app and no catch-all is installed (the caller owns every other
 * path); without it, a new app is created and every other path answers 404.
 * @throws TransportUnavailableError when uWebSockets.js is the JavaScript fallback.
 */
export function createUwsTransport<D>(settings: TransportSettings, app?: UwsApp): Transport<D> {
  assertNativeUws(uWS);
  const ownsApp = app === undefined;
  const theApp = app ?? uWS.App();
  const listenSockets: us_listen_socket[] = [];
  let served: TransportHandlers<D> | undefined;
  const handlersOf = (): TransportHandlers<D> => {
    if (served === undefined) throw new Error('the transport serves no handlers yet: call serve() first');
    return served;
  };

  return {
    serve: (handlers) => {
      if (served !== undefined) throw new Error('serve() was already called');
      served = handlers;
      installRoutes(theApp, ownsApp, handlers, settings);
    },
    publish: (topic, frame, binary) => {
      theApp.publish(topic, frame, binary);
    },
    numSubscribers: (topic) => theApp.numSubscribers(topic),
    listen: async (host, port) => {
      handlersOf();
      const token = await listenOn(theApp, host, port);
      listenSockets.push(token);
      return uWS.us_socket_local_port(token);
    },
    listenSideHttp: async (host, port, routes) => {
      const handlers = handlersOf();
      const side = uWS.App();
      for (const route of routes) {
        side.get(route, (res) => serveHttp(handlers, res, route, false));
        side.head(route, (res) => serveHttp(handlers, res, route, true));
      }
      side.any('/*', (res, req) => {
        const head = isHead(req);
        res.cork(() => {
          res.writeStatus(statusLine(404)).writeHeader('content-type', 'text/plain; charset=utf-8');
          endResponse(res, 'not found', head);
        });
      });
      const token = await listenOn(side, host, port);
      listenSockets.push(token);
      return uWS.us_socket_local_port(token);
    },
    stopListening: () => {
      for (const token of listenSockets.splice(0)) uWS.us_listen_socket_close(token);
    },
  };
}

/** Runs a socket handler; a throw is reported through `failed`, never into uWS (rule 11). */
function guarded<D>(handlers: TransportHandlers<D>, where: HandlerStage, data: D, run: () => void): void {
  try {
    run();
  } catch (error) {
    handlers.failed(where, error, data);
  }
}

function installRoutes<D>(
  theApp: TemplatedApp,
  ownsApp: boolean,
  handlers: TransportHandlers<D>,
  settings: TransportSettings,
): void {
  theApp.ws<UserData<D>>(settings.path, {
    maxPayloadLength: settings.maxPayload,
    maxBackpressure: settings.maxBackpressure,
    // The core closes slow consumers itself, with the slow-consumer close code.
    closeOnBackpressureLimit: 0,
    idleTimeout: settings.idleTimeoutSec,
    sendPingsAutomatically: true,
    compression: uWS.DISABLED,
    upgrade: (res, req, context) => {
      const request = copyUpgradeRequest(req, res, settings.proxyHeader);
      const extensions = req.getHeader('sec-websocket-extensions');
      let decision: UpgradeDecision<D> | Promise<UpgradeDecision<D>>;
      try {
        decision = handlers.upgrade(request);
      } catch (error) {
        handlers.failed('upgrade', error);
        decision = { accept: false, status: 500, body: 'internal error' };
      }
      // A decision made synchronously is written at once, still inside the handler (where uWS
      // corks), so it needs neither `onAborted` nor closures.
      if (!(decision instanceof Promise)) {
        answerUpgrade(res, decision, request.wsKey, extensions, context);
        return;
      }
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      const finish = (answer: UpgradeDecision<D>): void => {
        if (aborted) return;
        res.cork(() => answerUpgrade(res, answer, request.wsKey, extensions, context));
      };
      decision.then(finish, (error: unknown) => {
        handlers.failed('upgrade', error);
        finish({ accept: false, status: 500, body: 'internal error' });
      });
    },
    open: (ws) => {
      const userData = ws.getUserData();
      const socket = new UwsSocket(ws);
      userData.socket = socket;
      guarded(handlers, 'open', userData.data, () => handlers.open(socket, userData.data));
    },
    message: (ws, message, isBinary) => {
      const userData = ws.getUserData();
      receiving = userData.socket;
      try {
        guarded(handlers, 'message', userData.data, () => handlers.message(userData.data, message, isBinary));
      } finally {
        receiving = undefined;
      }
    },
    drain: (ws) => {
      const { data } = ws.getUserData();
      guarded(handlers, 'drain', data, () => handlers.drain(data));
    },
    close: (ws, code, message) => {
      const userData = ws.getUserData();
      if (userData.socket) userData.socket.closed = true;
      const reason = Buffer.from(message).toString();
      guarded(handlers, 'close', userData.data, () => handlers.close(userData.data, code, reason));
    },
  });

  for (const route of settings.httpRoutes) {
    theApp.get(route, (res) => serveHttp(handlers, res, route, false));
    theApp.head(route, (res) => serveHttp(handlers, res, route, true));
  }
  const api = handlers.api;
  if (api !== undefined) {
    const failed = (error: unknown): void => handlers.failed('api', error);
    theApp.any(`${api.prefix}*`, (res, req) => serveApi(api, res, req, { statusLine, failed }, settings.proxyHeader));
  }
  if (ownsApp) {
    theApp.any('/*', (res, req) => {
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
