export { createClient } from './client.js';
export { ClientError } from './errors.js';
export { backoff } from './backoff.js';
export type { Client, Room, JoinInfo, PushListener, PushMeta, PresenceChange, RequestHandler } from './types.js';
export type { ClientOptions, RequestOptions, PublishOptions, JoinOptions } from './options.js';
export type { Status, BackoffConfig } from './connection-machine.js';
export type { StatusEvent } from './connection-machine.js';
export type { WebSocketLike, WebSocketConstructor } from './web-socket.js';
export type { Clock } from './clock.js';
export type { ClientCodec } from './json-codec.js';
export { RpcError } from '@switchyard/protocol';
export type {
  Contract,
  AnyContract,
  ErrorCode,
  JoinResult,
  StreamPosition,
  PresenceSnapshot,
  NoticeEnvelope,
  WelcomeEnvelope,
  Limits,
} from '@switchyard/protocol';
