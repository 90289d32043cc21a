import type { CodecName } from '@switchyard/protocol';
import { totalmem } from 'node:os';
import type { AuthOptions, LimitOptions, ServerOptions } from './options.js';
import { connectionsForDescriptors, readDescriptorLimit } from '../protection/descriptor-limit.js';
import { ConfigError } from './config-error.js';
import { validateServerOptions } from './validate-options.js';

/** Limits with every default filled in. */
export interface ResolvedLimits {
  readonly maxPayload: number;
  readonly maxBackpressure: number;
  /** Server-wide cap on send-buffered bytes (0: none), derived from the system's memory unless set. */
  readonly maxBufferedBytes: number;
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  readonly maxRoomsPerConnection: number;
  /** Users in a room above which presence notices are counts (0: no limit). */
  readonly presenceNoticeLimit: number;
  readonly maxRoomNameLength: number;
  /** Server-wide connection cap (0: none), derived from the descriptor limit unless set. */
  readonly maxConnections: number;
  readonly maxConnectionsPerUser: number;
  readonly maxConnectionsPerIp: number;
  readonly idleTimeoutSec: number;
  readonly heartbeatMs: number;
  /** Largest backend HTTP API body, bytes. */
  readonly maxHttpBodyBytes: number;
  readonly requestTimeoutMs: number;
}

/** Server options with every default filled in. */
export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly auth: AuthOptions;
  readonly allowQueryToken: boolean;
  readonly allowAnonymous: boolean;
  readonly expiryGraceMs: number;
  readonly codecs: readonly CodecName[];
  readonly limits: ResolvedLimits;
  readonly metrics: boolean;
  readonly metricsPort: number | undefined;
  readonly shutdownGraceMs: number;
  /** The process's open-file limit read at start-up (`Infinity`: unlimited; undefined: unknown). */
  readonly descriptorLimit: number | undefined;
}

/**
 * Thrown by `createServer()` when an option is out of range.
 * @deprecated Every bad option is a {@link ConfigError} now; this is the same class under its old name.
 */
export const InvalidOptionsError = ConfigError;
/** @deprecated Use {@link ConfigError}. */
export type InvalidOptionsError = ConfigError;

const MIN_DERIVED_BUFFERED_BYTES = 64 * 1024 * 1024;

/** The default of `limits.maxBufferedBytes`: 1/8 of the system's memory, at least 64 MiB. */
export function bufferedBytesForMemory(totalMemory: number): number {
  return Math.max(MIN_DERIVED_BUFFERED_BYTES, Math.floor(totalMemory / 8));
}

/**
 * Validates {@link ServerOptions} with the schema the CLI uses (`validate-options.ts`) and fills
 * in the defaults of `OPTION_SPECS`. The process's descriptor limit (read when not given) sets
 * the default of `limits.maxConnections`, the system's memory that of `limits.maxBufferedBytes`.
 * @throws ConfigError naming the option path, with source `option`.
 */
export function resolveOptions(
  options: ServerOptions,
  process: { readonly descriptorLimit: number | undefined; readonly totalMemory?: number } = {
    descriptorLimit: readDescriptorLimit(),
  },
): ResolvedOptions {
  const { descriptorLimit, totalMemory = totalmem() } = process;
  // Every option with a default is set from here on: OPTION_SPECS is the one place defaults live.
  const filled = validateServerOptions(options);
  const auth = filled.auth as Required<Pick<AuthOptions, DefaultedAuth>> & AuthOptions;
  const hasKey = auth.secret !== undefined || auth.publicKey !== undefined;
  const l = filled.limits as Required<Omit<LimitOptions, 'maxConnections' | 'maxBufferedBytes'>> & LimitOptions;
  const limits: ResolvedLimits = {
    maxPayload: l.maxPayload,
    maxBackpressure: l.maxBackpressure,
    maxBufferedBytes: l.maxBufferedBytes ?? bufferedBytesForMemory(totalMemory),
    messagesPerSecond: l.messagesPerSecond,
    messageBurst: l.messageBurst,
    maxRoomsPerConnection: l.maxRoomsPerConnection,
    presenceNoticeLimit: l.presenceNoticeLimit,
    maxRoomNameLength: l.maxRoomNameLength,
    maxConnections: l.maxConnections ?? connectionsForDescriptors(descriptorLimit),
    maxConnectionsPerUser: l.maxConnectionsPerUser,
    maxConnectionsPerIp: l.maxConnectionsPerIp,
    idleTimeoutSec: l.idleTimeoutSec,
    heartbeatMs: l.heartbeatMs,
    maxHttpBodyBytes: l.maxHttpBodyBytes,
    requestTimeoutMs: l.requestTimeoutMs,
  };
  return {
    host: filled.host ?? (hasKey ? '0.0.0.0' : '127.0.0.1'),
    port: filled.port as number,
    auth,
    allowQueryToken: auth.allowQueryToken,
    allowAnonymous: auth.allowAnonymous,
    expiryGraceMs: auth.expiryGraceMs,
    codecs: filled.codecs as readonly CodecName[],
    limits,
    metrics: filled.metrics as boolean,
    metricsPort: filled.metricsPort,
    shutdownGraceMs: (filled.shutdownGraceSec as number) * 1000,
    descriptorLimit,
  };
}

type DefaultedAuth = 'allowQueryToken' | 'allowAnonymous' | 'expiryGraceMs' | 'clockToleranceSec';
