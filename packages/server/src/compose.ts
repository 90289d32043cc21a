import { composeCluster, createClusterEngine, createOutbox, startCluster, stopCluster } from './compose-cluster.js';
import { composeHttpApi } from './compose-http-api.js';
import { composeProtection } from './compose-protection.js';
import { composePublishing } from './compose-publish.js';
import { composeHub, composeRoomParts, transportSettings } from './compose-rooms.js';
import {
  createDispatcher,
  createRouter,
  sessionHandlers,
  type ConnectionEvents,
  type SessionDeps,
} from './compose-sessions.js';
import type { ServerOptions } from './config/options.js';
import { resolveOptions } from './config/resolve-options.js';
import type { Logger } from './log.js';
import { noopMetrics } from './metrics/metrics.js';
import { createPrometheusMetrics } from './metrics/prometheus.js';
import { WireFormats } from './publish/wire-formats.js';
import type { AuthorizeHook } from './rooms/authorize.js';
import { ClusterPresenceReader, LocalPresenceReader, type PresenceReader } from './rooms/presence-reader.js';
import type { ServerParts } from './server-parts.js';
import { initialServerState } from './server-state.js';
import { createNodeHttpHandler } from './transport/node-http.js';
import { createTransport } from './transport/select.js';
import type { SocketState } from './upgrade/upgrade.js';

export { WS_PATH } from './compose-rooms.js';
export type { ConnectionEvents } from './compose-sessions.js';
export type { ServerParts } from './server-parts.js';

/**
 * Builds a server's parts from its options, in dependency order: options → metrics → auth →
 * rooms → broker → publisher → sessions → transport. Each part receives what it needs as
 * arguments; nothing is looked up lazily. The transport is created before the hub (the hub
 * publishes to its topics) and serves the session handlers last.
 */
// long function: the composition root names every part once, in build order
export function compose(options: ServerOptions, logger: Logger, events: ConnectionEvents): ServerParts {
  const resolved = resolveOptions(options);
  const state = initialServerState(options);
  const metrics = options.metricsSink ?? (resolved.metrics ? createPrometheusMetrics() : noopMetrics);
  const { limits } = resolved;
  const protection = composeProtection(options, resolved, metrics, logger);

  // Rooms, over the transport's topics, and the cluster when there is one
  const formats = new WireFormats(resolved.codecs, limits.maxPayload);
  const settings = transportSettings(options, resolved);
  const transport = createTransport<SocketState>(options, settings);
  const { engine, relink } = createClusterEngine(options, metrics, logger);
  const roomDeps = { transport, formats, limits, metrics, logger, state, engine };
  const rooms = composeRoomParts(roomDeps);
  const { registry, presenceFanOut: fanOut } = rooms;
  const cluster = composeCluster({ logger, formats, registry, fanOut, engine, relink });
  const { broker, history } = cluster;
  const hub = composeHub(roomDeps, rooms, protection, cluster);
  const presence: PresenceReader =
    engine === undefined
      ? new LocalPresenceReader(hub, limits.presenceNoticeLimit)
      : new ClusterPresenceReader(engine.presence, limits.presenceNoticeLimit);

  // The one publish path
  const outbox = createOutbox(cluster, formats);
  const servesJson = formats.byId('json2') !== undefined;
  const { policies } = protection;
  const { topics } = rooms;
  const publishing = composePublishing({ hub, metrics, policies, history, outbox, topics, logger, servesJson });
  const { publisher, publishes, disconnectUser } = publishing;

  // Sessions and the HTTP API; the transport serves them last
  const router = createRouter(metrics, logger);
  const hooks: AuthorizeHook[] = options.authorize ? [options.authorize] : [];
  const sessions: SessionDeps = {
    resolved,
    state,
    protection,
    formats,
    hub,
    router,
    hooks,
    publishes,
    presence,
    history,
    metrics,
    logger,
    servesJson,
  };
  const dispatcher = createDispatcher(sessions);
  const httpApi = composeHttpApi({
    apiKey: options.apiKey,
    limits,
    roomRules: protection.roomRules,
    logger,
    metrics,
    publisher,
    policies,
    history,
    presence,
    disconnectUser,
  });
  const handlers = sessionHandlers(sessions, dispatcher, httpApi, events);
  transport.serve(handlers);
  const { httpRoutes, path: wsPath, proxyHeader } = settings;
  const httpHandler = createNodeHttpHandler(handlers, { httpRoutes, wsPath, proxyHeader });

  const started = startCluster(cluster, outbox, hub, formats, fanOut, logger);

  return {
    options: resolved,
    state,
    logger,
    metrics,
    hub,
    broker,
    publisher,
    router,
    hooks,
    publishes,
    transport,
    httpHandler,
    presence,
    started,
    disconnectUser,
    stopTimers: () => {
      rooms.roomTraffic.close();
      if (engine === undefined) void history.close();
    },
    stopCluster: () => stopCluster(cluster, logger),
  };
}
