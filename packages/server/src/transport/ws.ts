/**
 * The `ws` transport: Switchyard on any Node `http.Server` or `https.Server` (Express, Fastify,
 * Koa, NestJS or plain `node:http`), attached to its `upgrade` event, or on a server of its own.
 * With its `ws-*.ts` parts, the only modules that import `ws`. Rules it keeps (each has a test):
 *
 * 1. The upgrade is decided before a WebSocket exists: a refusal is an HTTP answer written on the
 *    raw socket with the uWS transport's statuses and bodies (ask-upgrade.ts).
 * 2. A socket that went away while an asynchronous decision was pending is never upgraded, and
 *    what the core reserved for it is released through `close`.
 * 3. Only the negotiated codec subprotocol is echoed; permessage-deflate is refused unless
 *    configured.
 * 4. Rooms are topics (ws-topics.ts); a publish frames its message once and writes the same bytes
 *    to each subscriber, corked per turn (ws-frame.ts, ws-write-batch.ts).
 * 5. Slow consumers: `ws`'s buffered amount stands in for uWS's; past `maxBackpressure` a send is
 *    dropped and reported, and the raw socket's `drain` is the core's `drain`.
 * 6. Closes the transport makes itself (idle timeout, oversize frame, invalid UTF-8) are reported
 *    in uWS's words (1006 and its texts), so both transports classify them alike.
 * 7. Attached to a caller's server it answers only its own path's upgrades and leaves the rest
 *    (another listener's) alone; it never listens, and never closes that server.
 */
import http, { type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { askUpgrade, copyUpgradeRequest, refuseUpgrade, splitUrl } from './ask-upgrade.js';
import { createNodeHttpHandler, type NodeHttpHandler } from './node-http.js';
import type { WsSocket, WsSocketShared } from './ws-socket.js';
import { openSocket } from './ws-open.js';
import { IdleSweep } from './ws-idle.js';
import { WsTopics } from './ws-topics.js';
import { WriteBatch } from './ws-write-batch.js';
import type { Transport, TransportHandlers, TransportSettings } from './types.js';

/** A Node HTTP or HTTPS server to attach to. */
export type NodeServer = HttpServer | HttpsServer;

/** permessage-deflate settings (RFC 7692), passed to `ws`. */
export interface PerMessageDeflateOptions {
  /** Messages smaller than this many bytes are sent uncompressed. @default 1024 */
  threshold?: number;
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
  clientMaxWindowBits?: number;
}

/** What the `ws` transport needs beyond the common settings. */
export interface WsTransportOptions {
  /** Attach to this server instead of creating one; `listen()` is then the caller's. */
  readonly server?: NodeServer | undefined;
  /** Offer permessage-deflate. @default false */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions | undefined;
}

/**
 * Creates the `ws` transport; its routes are installed by `serve(handlers)`.
 * @example
 * const transport = createWsTransport(settings, { server: httpServer });
 */
// long function: the transport's methods close over the handlers served and the servers it owns
export function createWsTransport<D>(settings: TransportSettings, options: WsTransportOptions = {}): Transport<D> {
  const deflate = options.perMessageDeflate ?? false;
  const shared = {
    topics: new WsTopics<WsSocket>(),
    batch: new WriteBatch(),
    maxBackpressure: settings.maxBackpressure,
    deflate: deflate !== false,
  };
  const sockets = new Set<WsSocket>();
  const owned: HttpServer[] = [];
  const slot = { protocol: '' };
  const wss = createWebSocketServer(settings, deflate, slot);
  const idle = new IdleSweep(sockets, settings.idleTimeoutSec);
  let served: TransportHandlers<D> | undefined;
  let detach = (): void => {};
  const handlersOf = (): TransportHandlers<D> => {
    if (served === undefined) throw new Error('the transport serves no handlers yet: call serve() first');
    return served;
  };

  const upgrades: WsUpgrades = { settings, wss, slot, shared, sockets };
  // `attachedTo` is the caller's server, undefined on a server of the transport's own.
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, attachedTo?: NodeServer): void =>
    upgrade(upgrades, handlersOf(), req, socket, head, attachedTo);

  const ownServer = (listener: NodeHttpHandler, upgrades: boolean): HttpServer => {
    const server = ownHttpServer(listener, upgrades ? onUpgrade : undefined);
    owned.push(server);
    return server;
  };

  return {
    serve: (handlers) => {
      if (served !== undefined) throw new Error('serve() was already called');
      served = handlers;
      const attachTo = options.server;
      if (attachTo === undefined) return;
      const listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void =>
        onUpgrade(req, socket, head, attachTo);
      attachTo.on('upgrade', listener);
      detach = () => attachTo.off('upgrade', listener);
    },
    publish: (topic, frame, binary) => shared.topics.publish(topic, frame, binary),
    numSubscribers: (topic) => shared.topics.numSubscribers(topic),
    listen: async (host, port) => {
      const handlers = handlersOf();
      if (options.server !== undefined) {
        throw new Error('this server is attached to an HTTP server: call listen() on that server instead');
      }
      const listener = createNodeHttpHandler(handlers, {
        httpRoutes: settings.httpRoutes,
        wsPath: settings.path,
        proxyHeader: settings.proxyHeader,
      });
      return listenOn(ownServer(listener, true), host, port);
    },
    listenSideHttp: async (host, port, routes) => {
      const handlers = handlersOf();
      const listener = createNodeHttpHandler(
        { ...handlers, api: undefined },
        { httpRoutes: routes, wsPath: '', proxyHeader: '' },
      );
      return listenOn(ownServer(listener, false), host, port);
    },
    stopListening: () => {
      idle.stop();
      detach();
      // Like closing uWS's listen socket: no new connections, while kept-alive ones still get the
      // 503s of a shutdown (http.Server#close would also cut the idle ones).
      for (const server of owned.splice(0)) net.Server.prototype.close.call(server);
    },
  };
}

/** `ws`'s server, without one of its own: upgrades are handed to it once the core decided them. */
function createWebSocketServer(
  settings: TransportSettings,
  deflate: PerMessageDeflateOptions | boolean,
  slot: { protocol: string },
): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: settings.maxPayload,
    perMessageDeflate: deflate,
    // Called synchronously inside handleUpgrade, right after the core chose the subprotocol.
    handleProtocols: () => (slot.protocol === '' ? false : slot.protocol),
  });
}

/** An HTTP server of the transport's own; without `onUpgrade`, every upgrade gets 404. */
function ownHttpServer(
  listener: NodeHttpHandler,
  onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined,
): HttpServer {
  const server = http.createServer(OWN_SERVER_OPTIONS, (req, res) => listener(req, res));
  if (onUpgrade !== undefined)
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(req, socket, head));
  else server.on('upgrade', (_req, socket: Duplex) => refuseUpgrade(socket, 404, 'not found'));
  return server;
}

/** What an upgrade on the `ws` transport works with. */
interface WsUpgrades {
  readonly settings: TransportSettings;
  readonly wss: WebSocketServer;
  /** The subprotocol the core chose, read by `handleProtocols` inside `handleUpgrade`. */
  readonly slot: { protocol: string };
  readonly shared: WsSocketShared;
  readonly sockets: Set<WsSocket>;
}

/** One upgrade request: refused on the raw socket, or decided by the core and then opened. */
function upgrade<D>(
  ctx: WsUpgrades,
  handlers: TransportHandlers<D>,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  attachedTo: NodeServer | undefined,
): void {
  const { path } = splitUrl(req.url);
  if (path !== ctx.settings.path) {
    // Another listener's upgrade, unless nobody else would ever answer it.
    if (attachedTo === undefined || attachedTo.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'not found');
    return;
  }
  if (req.rawHeaders.length / 2 > MAX_UPGRADE_HEADERS) {
    refuseUpgrade(socket, 431, 'too many header fields');
    return;
  }
  if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
    refuseUpgrade(socket, 400, 'invalid WebSocket handshake');
    return;
  }
  const open = (protocol: string, data: D): void => {
    let opened = false;
    ctx.slot.protocol = protocol;
    try {
      ctx.wss.handleUpgrade(req, socket, head, (ws) => {
        opened = true;
        openSocket(ws, socket, data, handlers, ctx.shared, ctx.sockets);
      });
    } finally {
      ctx.slot.protocol = '';
    }
    // ws refused the handshake on its own (a socket that already ended, a header it cannot
    // parse; it answered 400 itself): release what the core reserved.
    if (!opened) handlers.close(data, 1006, ABANDONED);
  };
  askUpgrade(handlers, copyUpgradeRequest(req, ctx.settings.proxyHeader), socket, open, (data) =>
    handlers.close(data, 1006, ABANDONED),
  );
}

// The close reported for an accepted upgrade that never became a socket.
const ABANDONED = 'upgrade abandoned';

// Node's parser accepts up to 2,000 header lines and drops the rest; an upgrade needs a dozen, and
// uWS refuses past about 50, so a flood is refused (431) before any work is done for it.
const MAX_UPGRADE_HEADERS = 50;

// A request whose head has not arrived after 10 s is cut, as uWS cuts an idle HTTP connection
// (Node's default waits 60 s, checked every 30 s).
const OWN_SERVER_OPTIONS: http.ServerOptions = { headersTimeout: 10_000, connectionsCheckingInterval: 1_000 };

function listenOn(server: HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
