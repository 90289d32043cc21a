/**
 * The only module that imports uWebSockets.js (with the `uws-*.ts` beside it: upgrades in
 * uws-upgrade.ts, the HTTP routes in uws-http.ts and uws-http-api.ts). Rules it keeps (each has a test):
 *
 * 1. Copy everything out of `req` synchronously: it is stack-allocated and invalid after the
 *    handler returns or awaits.
 * 2. Attach `res.onAborted` before any asynchronous step, re-check the flag after it, and write
 *    a late answer inside `res.cork()`; a response is never touched after it was aborted. An
 *    answer ready before the handler returns is written there and then (uWS corks it already).
 *    An acceptance that arrives after the abort is released through `close` (1006).
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
import type { TemplatedApp, WebSocket, us_listen_socket } from 'uWebSockets.js';
import { assertNativeUws } from './uws-guard.js';
import { installHttpRoutes, installSideRoutes } from './uws-http.js';
import { handleUpgrade, type HeldSocket, type UserData } from './uws-upgrade.js';
import type {
  HandlerStage,
  OutgoingFrame,
  SendResult,
  Transport,
  TransportHandlers,
  TransportSettings,
} from './types.js';

/**
 * A uWebSockets.js app (`uWS.App()` or `uWS.SSLApp()`), for embedding Switchyard next to your
 * own routes. This is the one place a uWS type appears in the public API.
 */
export type UwsApp = TemplatedApp;

// The socket whose `message` handler is running, if any.
let receiving: HeldSocket | undefined;

class UwsSocket<D> implements HeldSocket {
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
      installSideRoutes(side, handlers, routes);
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
    upgrade: (res, req, context) => handleUpgrade(handlers, settings.proxyHeader, res, req, context),
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

  installHttpRoutes(theApp, ownsApp, handlers, settings);
}
