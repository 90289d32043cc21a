import type { CodecName } from '@switchyard/protocol';
import type { AuthOptions, ServerOptions } from './options.js';
import { totalmem } from 'node:os';
import { connectionsForDescriptors, readDescriptorLimit } from '../protection/descriptor-limit.js';

/** Limits with every default filled in. */
export interface ResolvedLimits {
  readonly maxPayload: number;
  readonly maxBackpressure: number;
  /** Server-wide cap on send-buffered bytes (0: none), derived from the system's memory unless set. */
  readonly maxBufferedBytes: number;
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  readonly maxRoomsPerConnection: number;
  readonly maxRoomNameLength: number;
  /** Server-wide connection cap (0: none), derived from the descriptor limit unless set. */
  readonly maxConnections: number;
  readonly maxConnectionsPerUser: number;
  readonly maxConnectionsPerIp: number;
  readonly idleTimeoutSec: number;
  readonly heartbeatMs: number;
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

/** Thrown by `createServer()` when an option is out of range. */
export class InvalidOptionsError extends Error {
  override readonly name = 'InvalidOptionsError';
}

/** Why `trustedProxyHeader` alone is refused; shared with the CLI's configuration check. */
export const TRUSTED_PROXIES_REQUIRED =
  'trustedProxyHeader requires trustedProxies: without it any client that reaches the server directly ' +
  'chooses its own IP (and escapes the per-IP limit). List the addresses or CIDR ranges of your proxies, ' +
  "for example trustedProxies: ['10.0.0.0/8']";

const MIN_DERIVED_BUFFERED_BYTES = 64 * 1024 * 1024;

/** The default of `limits.maxBufferedBytes`: 1/8 of the system's memory, at least 64 MiB. */
export function bufferedBytesForMemory(totalMemory: number): number {
  return Math.max(MIN_DERIVED_BUFFERED_BYTES, Math.floor(totalMemory / 8));
}

function nonNegativeInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0) throw new InvalidOptionsError(`${name} must be a non-negative integer, got ${v}`);
  return v;
}

/**
 * Fills in the defaults of {@link ServerOptions} and validates ranges. The process's descriptor
 * limit (read when not given) sets the default of `limits.maxConnections`, the system's memory
 * that of `limits.maxBufferedBytes`.
 */
export function resolveOptions(
  options: ServerOptions,
  process: { readonly descriptorLimit: number | undefined; readonly totalMemory?: number } = {
    descriptorLimit: readDescriptorLimit(),
  },
): ResolvedOptions {
  const { descriptorLimit, totalMemory = totalmem() } = process;
  const auth = options.auth ?? {};
  const hasKey = auth.secret !== undefined || auth.publicKey !== undefined;
  const l = options.limits ?? {};
  const limits: ResolvedLimits = {
    maxPayload: nonNegativeInt('limits.maxPayload', l.maxPayload, 65_536),
    maxBackpressure: nonNegativeInt('limits.maxBackpressure', l.maxBackpressure, 1_048_576),
    maxBufferedBytes: nonNegativeInt(
      'limits.maxBufferedBytes',
      l.maxBufferedBytes,
      bufferedBytesForMemory(totalMemory),
    ),
    messagesPerSecond: nonNegativeInt('limits.messagesPerSecond', l.messagesPerSecond, 100),
    messageBurst: nonNegativeInt('limits.messageBurst', l.messageBurst, 200),
    maxRoomsPerConnection: nonNegativeInt('limits.maxRoomsPerConnection', l.maxRoomsPerConnection, 100),
    maxRoomNameLength: nonNegativeInt('limits.maxRoomNameLength', l.maxRoomNameLength, 128),
    maxConnections: nonNegativeInt(
      'limits.maxConnections',
      l.maxConnections,
      connectionsForDescriptors(descriptorLimit),
    ),
    maxConnectionsPerUser: nonNegativeInt('limits.maxConnectionsPerUser', l.maxConnectionsPerUser, 0),
    maxConnectionsPerIp: nonNegativeInt('limits.maxConnectionsPerIp', l.maxConnectionsPerIp, 0),
    idleTimeoutSec: nonNegativeInt('limits.idleTimeoutSec', l.idleTimeoutSec, 60),
    heartbeatMs: nonNegativeInt('limits.heartbeatMs', l.heartbeatMs, 25_000),
    requestTimeoutMs: nonNegativeInt('limits.requestTimeoutMs', l.requestTimeoutMs, 0),
  };
  if (limits.maxPayload < 1024) throw new InvalidOptionsError('limits.maxPayload must be at least 1024 bytes');
  // uWebSockets.js aborts the process (std::terminate) on values outside this range.
  if (limits.idleTimeoutSec !== 0 && (limits.idleTimeoutSec < 8 || limits.idleTimeoutSec > 960)) {
    throw new InvalidOptionsError(
      `limits.idleTimeoutSec must be 0 (off) or between 8 and 960, got ${limits.idleTimeoutSec}`,
    );
  }
  if (options.trustedProxyHeader !== undefined && (options.trustedProxies ?? []).length === 0) {
    throw new InvalidOptionsError(TRUSTED_PROXIES_REQUIRED);
  }
  const codecs = options.codecs ?? ['json', 'msgpack'];
  if (codecs.length === 0) throw new InvalidOptionsError('codecs must name at least one codec');
  return {
    host: options.host ?? (hasKey ? '0.0.0.0' : '127.0.0.1'),
    port: nonNegativeInt('port', options.port, 9001),
    auth,
    allowQueryToken: auth.allowQueryToken ?? true,
    allowAnonymous: auth.allowAnonymous ?? false,
    expiryGraceMs: nonNegativeInt('auth.expiryGraceMs', auth.expiryGraceMs, 1000),
    codecs,
    limits,
    metrics: options.metrics ?? true,
    metricsPort: options.metricsPort,
    shutdownGraceMs: nonNegativeInt('shutdownGraceSec', options.shutdownGraceSec, 10) * 1000,
    descriptorLimit,
  };
}
