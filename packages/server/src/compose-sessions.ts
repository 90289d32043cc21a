import { CloseCode } from '@switchyard/protocol';
import type { ResolvedOptions } from './config/resolve-options.js';
import type { Protection } from './compose-protection.js';
import type { ServerParts } from './server-parts.js';
import { isReady } from './server-state.js';
import type { RoomHistory } from './history/room-history.js';
import { answerHttp } from './http/health-routes.js';
import { createTransportApi, type HttpApi } from './http/index.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics/metrics.js';
import { ConnectionLimits } from './protection/connection-limits.js';
import { PublishGate } from './publish/publish-gate.js';
import type { WireFormats } from './publish/wire-formats.js';
import type { DisconnectInfo } from './server-types.js';
import { ClientDispatcher, type HandlerContext } from './session/client-messages.js';
import { ServerConnection } from './session/connection.js';
import { CorkedWriter } from './session/corked-writer.js';
import { Router } from './session/router.js';
import {
  onSocketClose,
  onSocketMessage,
  onSocketOpen,
  welcomeLimits,
  type SocketEventDeps,
} from './session/socket-events.js';
import type { TransportHandlers } from './transport/types.js';
import { ConnectionIds } from './upgrade/connection-id.js';
import { timedUpgrade, type SocketState, type UpgradeDeps } from './upgrade/upgrade.js';

/** Where the composed parts report connections opening and closing (the server's listeners). */
export interface ConnectionEvents {
  connected(conn: ServerConnection): void;
  disconnected(conn: ServerConnection, info: DisconnectInfo): void;
}

/** The handler router: a handler that throws is counted and logged, a rejected event payload logged. */
export function createRouter(metrics: ServerMetrics, logger: Logger): Router<HandlerContext> {
  return new Router<HandlerContext>({
    handlerFailed: (kind, name, err) => {
      metrics.handlerError(kind);
      logger.error({ event: 'handler_failed', kind, name, err }, 'handler threw');
    },
    eventRejected: (name, err) => {
      const message = err instanceof Error ? err.message : String(err);
      logger.info({ event: 'event_rejected', name, err: message }, 'event payload failed its parser');
    },
  });
}

/** What a session needs: the parts a connection's frames reach. */
export interface SessionDeps extends Pick<
  ServerParts,
  'state' | 'metrics' | 'logger' | 'hub' | 'router' | 'hooks' | 'publishes' | 'presence'
> {
  readonly resolved: ResolvedOptions;
  readonly protection: Protection;
  readonly formats: WireFormats;
  /** The server serves JSON, which cannot carry binary data (the publish gate refuses bytes). */
  readonly servesJson: boolean;
  readonly history: RoomHistory;
}

/** The dispatcher of a connection's client messages: rate limit, room rules, authorize hooks. */
export function createDispatcher(deps: SessionDeps): ClientDispatcher {
  const { protection, hub, router, hooks, publishes, presence, history, metrics, logger, servesJson } = deps;
  return new ClientDispatcher({
    hub,
    router,
    hooks,
    verifier: protection.verifier,
    rules: protection.roomRules,
    policies: protection.policies,
    publishes,
    publishGate: new PublishGate(protection.policies, servesJson),
    presence,
    history,
    metrics,
    logger,
  });
}

/** Everything an upgrade reads, built once: every upgrade reads the same dependencies. */
export function createUpgradeDeps(deps: SessionDeps): UpgradeDeps {
  const { resolved, protection, formats, metrics, logger, state } = deps;
  return {
    options: resolved,
    codecs: formats.codecs,
    // A client that offers no codec speaks version 1 JSON, as it always has.
    fallbackCodec: formats.fallback,
    verifier: protection.verifier,
    origins: protection.origins,
    clientIp: protection.clientIp,
    limits: new ConnectionLimits(resolved.limits),
    slow: protection.slow,
    metrics,
    logger,
    ids: new ConnectionIds(),
    writer: new CorkedWriter(),
    isShuttingDown: () => state.shuttingDown,
  };
}

/** The transport's handlers: upgrades, the session's socket events, and the HTTP routes. */
export function sessionHandlers(
  deps: SessionDeps,
  dispatcher: ClientDispatcher,
  httpApi: HttpApi,
  events: ConnectionEvents,
): TransportHandlers<SocketState> {
  const { resolved, state, protection, hub, metrics, logger } = deps;
  const socketEvents: SocketEventDeps = {
    hub,
    metrics,
    logger,
    welcomeLimits: welcomeLimits(resolved.limits),
    dispatcher,
    isShuttingDown: () => state.shuttingDown,
    connected: (conn) => events.connected(conn),
    disconnected: (conn, info) => events.disconnected(conn, info),
  };
  const upgradeDeps = createUpgradeDeps(deps);
  return {
    upgrade: (req) => timedUpgrade(upgradeDeps, req),
    open: (socket, socketState) => {
      const init = socketState.init;
      if (!init) {
        // Unreachable: every upgrade stores an init. Never leave a socket with no connection.
        socket.end(CloseCode.INTERNAL_ERROR, 'internal error');
        return;
      }
      // The connection copies what it keeps; holding `init` in the user data would pin the rest.
      socketState.init = undefined;
      onSocketOpen(socketEvents, new ServerConnection(init, socket, hub), socketState);
    },
    message: (socketState, frame, isBinary) => onSocketMessage(socketEvents, socketState, frame, isBinary),
    drain: (socketState) => {
      if (socketState.conn) hub.checkBackpressure(socketState.conn);
    },
    close: (socketState, code, message) => onSocketClose(socketEvents, socketState, code, message),
    http: (path) => answerHttp({ isReady: () => isReady(state), metrics, metricsEnabled: resolved.metrics }, path),
    ...(httpApi.enabled || !state.embedded ? { api: createTransportApi(httpApi, protection.clientIp) } : {}),
    failed: (where, err, socketState) => {
      const connectionId = socketState?.conn?.id ?? socketState?.init?.id;
      logger.error({ event: 'handler_failed', where, connectionId, err }, 'transport handler threw');
    },
  };
}
