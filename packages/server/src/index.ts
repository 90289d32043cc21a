export { createServer, WS_PATH } from './server.js';
export type { SwitchyardServer, RequestContext, DisconnectInfo, ServerEvents } from './server-types.js';
export type { Connection, ServerRequestOptions, JoinOptions } from './session/connection.js';
export type { BroadcastOperator, EmitOptions, UserOperator } from './publish/broadcast.js';
export { BinaryDataError } from './publish/binary-data.js';
export type { AuthorizeHook, AuthorizeContext, RoomAction } from './rooms/authorize.js';
export type { RoomInfo } from './rooms/hub.js';
export type { Parser, HandlerOptions } from './session/router.js';
export type { ServerOptions, AuthOptions, LimitOptions, RoomPolicy, SlowConsumerPolicy } from './config/options.js';
export type {
  ServerMetrics,
  GaugeSource,
  FormatCount,
  CloseReason,
  LimitKind,
  UpgradeRejectReason,
  RequestDirection,
  RequestOutcome,
  DeliveryKind,
  AnsweredKind,
  OperationKind,
  HttpApiRoute,
} from './metrics/metrics.js';
export { noopMetrics } from './metrics/metrics.js';
export { createPrometheusMetrics } from './metrics/prometheus.js';
export { createLogger, type Logger } from './log.js';
export { HEALTH_PATH, READY_PATH, METRICS_PATH } from './http/health-routes.js';
/** @deprecated Every bad option is a {@link ConfigError}; this is the same class under its old name. */
export { InvalidOptionsError } from './config/resolve-options.js';
export { TransportUnavailableError } from './transport/uws-guard.js';
export type { UwsApp } from './transport/uws.js';
export type { NodeServer, PerMessageDeflateOptions } from './transport/ws.js';
export type { NodeHttpHandler } from './transport/node-http.js';
export type { TransportKind } from './transport/select.js';
export { signToken, AuthError, type Principal, type AuthFailureReason } from './auth/index.js';
export { createTokenVerifier, type TokenVerifier, type TokenClaims, type SignTokenOptions } from './auth/index.js';
export {
  loadConfig,
  redactConfig,
  ConfigError,
  type ConfigSources,
  type ConfigSource,
  type ConfigErrorDetails,
} from './config/index.js';
export {
  RpcError,
  ProtocolError,
  ErrorCode,
  CloseCode,
  type AnyContract,
  type Contract,
  type PresenceSnapshot,
  type PresenceMember,
} from '@switchyard/protocol';
