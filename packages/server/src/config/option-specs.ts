import { z } from 'zod';
import { CODEC_NAMES } from '@switchyard/protocol';
import { addressOrRange, redisUrl, boolean, integer, list, oneOf, origin, text } from './values.js';
import type { OptionSpec } from './option-spec.js';
import { AUTH_OPTION_SPECS } from './option-specs-auth.js';
import { LIMIT_OPTION_SPECS } from './option-specs-limits.js';

export type { OptionSpec } from './option-spec.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
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
  ...AUTH_OPTION_SPECS,
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
  ...LIMIT_OPTION_SPECS,
];

/** Names of the option that points at the config file itself. */
export const CONFIG_FILE_SPEC = { env: 'SWITCHYARD_CONFIG', flag: 'config' } as const;
