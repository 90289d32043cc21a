import { z } from 'zod';
import { CODEC_NAMES } from '@switchyard/protocol';
import { JWT_ALGORITHMS } from '../auth/algorithms.js';
import {
  addressOrRange,
  redisUrl,
  boolean,
  integer,
  keyed,
  list,
  oneOf,
  oneOrMany,
  origin,
  pem,
  text,
  type ValueType,
} from './values.js';

/** One configurable option and every name it goes by. docs/configuration.md is the prose version. */
export interface OptionSpec {
  /** Dotted key in the config file, for example `limits.maxPayload`. */
  readonly key: string;
  /** Environment variable, for example `SWITCHYARD_MAX_PAYLOAD`. */
  readonly env: string;
  /** Flag without its dashes, for example `max-payload`. */
  readonly flag: string;
  readonly type: ValueType;
  /** Schema in the config file when it accepts more than the environment (key-id records). */
  readonly fileSchema?: z.ZodType;
  /** The value is a path to a file whose content is the value of {@link OptionSpec.target}. */
  readonly readsFile?: boolean;
  /** The option path the value lands on; defaults to {@link OptionSpec.key}. */
  readonly target?: string;
  /** Value when no source sets it; absent for options that default to unset. */
  readonly default?: unknown;
  /** Redacted by `redactConfig` and `check-config`. */
  readonly secret?: boolean;
  /** One line for `switchyard --help`. */
  readonly summary: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const algorithmName = z.string().min(1);
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/, { error: 'expected an HTTP header name such as x-forwarded-for' })
  .transform((h) => h.toLowerCase());

/** Every option settable from flags, environment and config file, in documentation order. */
export const OPTION_SPECS: readonly OptionSpec[] = [
  {
    key: 'port',
    env: 'SWITCHYARD_PORT',
    flag: 'port',
    type: integer(0, 65535),
    default: 9001,
    summary: 'port to listen on (0: any free port)',
  },
  {
    key: 'host',
    env: 'SWITCHYARD_HOST',
    flag: 'host',
    type: text('a host name or IP address'),
    summary: 'interface to bind (default 127.0.0.1 without a JWT key, else 0.0.0.0)',
  },
  {
    key: 'auth.secret',
    env: 'SWITCHYARD_JWT_SECRET',
    flag: 'jwt-secret',
    type: text('a secret of at least 32 bytes'),
    fileSchema: keyed(z.string().min(1), 'a secret'),
    secret: true,
    summary: 'HMAC secret for HS256/384/512 tokens',
  },
  {
    key: 'auth.secretFile',
    env: 'SWITCHYARD_JWT_SECRET_FILE',
    flag: 'jwt-secret-file',
    type: text('a file path'),
    fileSchema: keyed(z.string().min(1), 'a file path'),
    readsFile: true,
    target: 'auth.secret',
    summary: 'file holding the HMAC secret (Docker/Kubernetes secrets)',
  },
  {
    key: 'auth.publicKey',
    env: 'SWITCHYARD_JWT_PUBLIC_KEY',
    flag: 'jwt-public-key',
    type: pem,
    fileSchema: keyed(pem.schema as z.ZodType<string>, 'a PEM key'),
    secret: true,
    summary: 'PEM public key for RS*/PS*/ES* tokens, inline',
  },
  {
    key: 'auth.publicKeyFile',
    env: 'SWITCHYARD_JWT_PUBLIC_KEY_FILE',
    flag: 'jwt-public-key-file',
    type: text('a file path'),
    fileSchema: keyed(z.string().min(1), 'a file path'),
    readsFile: true,
    target: 'auth.publicKey',
    summary: 'file holding the PEM public key',
  },
  {
    key: 'auth.algorithms',
    env: 'SWITCHYARD_JWT_ALGORITHMS',
    flag: 'jwt-algorithms',
    type: list(algorithmName, JWT_ALGORITHMS.join('/')),
    summary: 'accepted algorithms (default: inferred from the keys)',
  },
  {
    key: 'auth.issuer',
    env: 'SWITCHYARD_JWT_ISSUER',
    flag: 'jwt-issuer',
    type: oneOrMany('an issuer'),
    summary: 'required iss claim',
  },
  {
    key: 'auth.audience',
    env: 'SWITCHYARD_JWT_AUDIENCE',
    flag: 'jwt-audience',
    type: oneOrMany('an audience'),
    summary: 'accepted aud claim(s)',
  },
  {
    key: 'auth.clockToleranceSec',
    env: 'SWITCHYARD_JWT_CLOCK_TOLERANCE',
    flag: 'jwt-clock-tolerance',
    type: integer(0, 600),
    default: 5,
    summary: 'seconds of leeway on exp and nbf',
  },
  {
    key: 'auth.expiryGraceMs',
    env: 'SWITCHYARD_JWT_EXPIRY_GRACE_MS',
    flag: 'jwt-expiry-grace-ms',
    type: integer(0, 3_600_000),
    default: 1000,
    summary: 'ms after exp before an unrefreshed connection closes',
  },
  {
    key: 'auth.allowQueryToken',
    env: 'SWITCHYARD_ALLOW_QUERY_TOKEN',
    flag: 'allow-query-token',
    type: boolean,
    default: true,
    summary: 'accept ?token= in the upgrade URL',
  },
  {
    key: 'auth.allowAnonymous',
    env: 'SWITCHYARD_ALLOW_ANONYMOUS',
    flag: 'allow-anonymous',
    type: boolean,
    default: false,
    summary: 'accept connections without a token',
  },
  {
    key: 'allowedOrigins',
    env: 'SWITCHYARD_ALLOWED_ORIGINS',
    flag: 'allowed-origins',
    type: list(origin, 'origins'),
    summary: 'exact browser origins allowed (default: all)',
  },
  {
    key: 'codecs',
    env: 'SWITCHYARD_CODECS',
    flag: 'codecs',
    type: list(z.enum(CODEC_NAMES, { error: `expected ${CODEC_NAMES.join(' or ')}` }), CODEC_NAMES.join('/')),
    default: [...CODEC_NAMES],
    summary: 'codecs offered',
  },
  {
    key: 'apiKey',
    env: 'SWITCHYARD_API_KEY',
    flag: 'api-key',
    type: text('an API key of at least 16 characters', 16),
    secret: true,
    summary: 'API key for /v1/* (API off when unset)',
  },
  {
    key: 'trustedProxyHeader',
    env: 'SWITCHYARD_TRUSTED_PROXY_HEADER',
    flag: 'trusted-proxy-header',
    type: { fromString: (raw) => raw.trim(), schema: headerName, syntax: 'header name' },
    summary: 'header carrying the client IP from a trusted proxy',
  },
  {
    key: 'trustedProxies',
    env: 'SWITCHYARD_TRUSTED_PROXIES',
    flag: 'trusted-proxies',
    type: list(addressOrRange, 'addresses or CIDR ranges'),
    summary: 'proxies whose header hops are skipped',
  },
  {
    key: 'metrics',
    env: 'SWITCHYARD_METRICS',
    flag: 'metrics',
    type: boolean,
    default: true,
    summary: 'serve /metrics',
  },
  {
    key: 'metricsPort',
    env: 'SWITCHYARD_METRICS_PORT',
    flag: 'metrics-port',
    type: integer(0, 65535),
    summary: 'serve /metrics on this port instead',
  },
  {
    key: 'shutdownGraceSec',
    env: 'SWITCHYARD_SHUTDOWN_GRACE',
    flag: 'shutdown-grace',
    type: integer(0, 3600),
    default: 10,
    summary: 'seconds to wait for sockets on shutdown',
  },
  {
    key: 'redis.url',
    env: 'SWITCHYARD_REDIS_URL',
    flag: 'redis-url',
    type: redisUrl,
    secret: true,
    summary: 'join a cluster through this Redis (unset: a single node in memory)',
  },
  {
    key: 'redis.prefix',
    env: 'SWITCHYARD_REDIS_PREFIX',
    flag: 'redis-prefix',
    type: text('a key prefix'),
    summary: 'prefix of the Redis keys and channels of this cluster [switchyard]',
  },
  {
    key: 'redis.maxQueue',
    env: 'SWITCHYARD_REDIS_MAX_QUEUE',
    flag: 'redis-max-queue',
    type: integer(1, 10_000_000),
    summary: 'messages held for other nodes while Redis is unreachable [10000]',
  },
  {
    key: 'logLevel',
    env: 'SWITCHYARD_LOG_LEVEL',
    flag: 'log-level',
    type: oneOf(LOG_LEVELS),
    default: 'info',
    summary: 'log level',
  },
  {
    key: 'limits.maxPayload',
    env: 'SWITCHYARD_MAX_PAYLOAD',
    flag: 'max-payload',
    type: integer(1024, 268_435_456),
    default: 65_536,
    summary: 'largest accepted frame, bytes',
  },
  {
    key: 'limits.maxBackpressure',
    env: 'SWITCHYARD_MAX_BACKPRESSURE',
    flag: 'max-backpressure',
    type: integer(1024, 2_147_483_647),
    default: 1_048_576,
    summary: 'per-socket send buffer limit, bytes',
  },
  {
    key: 'limits.maxBufferedBytes',
    env: 'SWITCHYARD_MAX_BUFFERED_BYTES',
    flag: 'max-buffered-bytes',
    type: integer(0, 1_099_511_627_776),
    summary:
      'bytes all send buffers may hold, then the furthest behind close with 4201 (0: no cap; default: 1/8 of memory, at least 64 MiB)',
  },
  {
    key: 'limits.messagesPerSecond',
    env: 'SWITCHYARD_MESSAGES_PER_SECOND',
    flag: 'messages-per-second',
    type: integer(0, 1_000_000),
    default: 100,
    summary: 'sustained messages/s per connection (0: off)',
  },
  {
    key: 'limits.messageBurst',
    env: 'SWITCHYARD_MESSAGE_BURST',
    flag: 'message-burst',
    type: integer(1, 10_000_000),
    default: 200,
    summary: 'messages allowed back to back (bucket size, not added to the rate)',
  },
  {
    key: 'limits.maxRoomsPerConnection',
    env: 'SWITCHYARD_MAX_ROOMS_PER_CONNECTION',
    flag: 'max-rooms-per-connection',
    type: integer(0, 1_000_000),
    default: 100,
    summary: 'rooms one connection may be in (0: unlimited)',
  },
  {
    key: 'limits.presenceNoticeLimit',
    env: 'SWITCHYARD_PRESENCE_NOTICE_LIMIT',
    flag: 'presence-notice-limit',
    type: integer(0, 1_000_000),
    default: 1000,
    summary: 'users in a room above which presence notices are counts (0: no limit)',
  },
  {
    key: 'limits.maxRoomNameLength',
    env: 'SWITCHYARD_MAX_ROOM_NAME_LENGTH',
    flag: 'max-room-name-length',
    type: integer(1, 4096),
    default: 128,
    summary: 'longest room name, characters',
  },
  {
    key: 'limits.maxConnections',
    env: 'SWITCHYARD_MAX_CONNECTIONS',
    flag: 'max-connections',
    type: integer(0, 10_000_000),
    summary: 'open connections in the server (0: no cap; default: descriptor limit minus a reserve)',
  },
  {
    key: 'limits.maxConnectionsPerUser',
    env: 'SWITCHYARD_MAX_CONNECTIONS_PER_USER',
    flag: 'max-connections-per-user',
    type: integer(0, 10_000_000),
    default: 0,
    summary: 'connections per user id (0: unlimited)',
  },
  {
    key: 'limits.maxConnectionsPerIp',
    env: 'SWITCHYARD_MAX_CONNECTIONS_PER_IP',
    flag: 'max-connections-per-ip',
    type: integer(0, 10_000_000),
    default: 0,
    summary: 'connections per client IP (0: unlimited)',
  },
  {
    key: 'limits.idleTimeoutSec',
    env: 'SWITCHYARD_IDLE_TIMEOUT',
    flag: 'idle-timeout',
    type: integer(8, 960, true),
    default: 60,
    summary: 'seconds without traffic before closing (0: off)',
  },
  {
    key: 'limits.heartbeatMs',
    env: 'SWITCHYARD_HEARTBEAT_MS',
    flag: 'heartbeat-ms',
    type: integer(1000, 3_600_000),
    default: 25_000,
    summary: 'heartbeat interval advertised to clients, ms',
  },
  {
    key: 'limits.maxHttpBodyBytes',
    env: 'SWITCHYARD_MAX_HTTP_BODY',
    flag: 'max-http-body',
    type: integer(1024, 268_435_456),
    default: 1_048_576,
    summary: 'largest /v1/* request body, bytes',
  },
  {
    key: 'limits.requestTimeoutMs',
    env: 'SWITCHYARD_REQUEST_TIMEOUT_MS',
    flag: 'request-timeout-ms',
    type: integer(0, 2_147_483_647),
    default: 0,
    summary: 'answer TIMEOUT to requests whose handler runs longer, ms (0: no limit)',
  },
];

/** Names of the option that points at the config file itself. */
export const CONFIG_FILE_SPEC = { env: 'SWITCHYARD_CONFIG', flag: 'config' } as const;
