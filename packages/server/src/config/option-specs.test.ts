import { describe, expect, it } from 'vitest';
import type { AuthOptions, LimitOptions, RedisOptions, ServerOptions } from './options.js';
import { OPTION_SPECS } from './option-specs.js';
import { isAddressOrRange, isOrigin } from './values.js';

// Options set only in code (objects, functions) or only in the config file (`rooms`).
type CodeOnly =
  | 'app'
  | 'transport'
  | 'server'
  | 'path'
  | 'perMessageDeflate'
  | 'logger'
  | 'authorize'
  | 'metricsSink'
  | 'rooms'
  | 'auth'
  | 'limits'
  | 'redis';

// Adding an option to ServerOptions fails this file's typecheck until it has an environment
// variable and a flag (OPTION_SPECS) or is listed as code-only above.
const EVERY_OPTION = {
  host: 'host',
  port: 'port',
  allowedOrigins: 'allowedOrigins',
  codecs: 'codecs',
  apiKey: 'apiKey',
  trustedProxyHeader: 'trustedProxyHeader',
  trustedProxies: 'trustedProxies',
  metrics: 'metrics',
  metricsPort: 'metricsPort',
  shutdownGraceSec: 'shutdownGraceSec',
  logLevel: 'logLevel',
} satisfies { [K in Exclude<keyof ServerOptions, CodeOnly>]-?: K };
const EVERY_AUTH_OPTION = {
  algorithms: 'auth.algorithms',
  secret: 'auth.secret',
  publicKey: 'auth.publicKey',
  issuer: 'auth.issuer',
  audience: 'auth.audience',
  clockToleranceSec: 'auth.clockToleranceSec',
  allowQueryToken: 'auth.allowQueryToken',
  allowAnonymous: 'auth.allowAnonymous',
  expiryGraceMs: 'auth.expiryGraceMs',
} satisfies { [K in keyof AuthOptions]-?: `auth.${K}` };
const EVERY_LIMIT = {
  maxPayload: 'limits.maxPayload',
  maxBackpressure: 'limits.maxBackpressure',
  maxBufferedBytes: 'limits.maxBufferedBytes',
  messagesPerSecond: 'limits.messagesPerSecond',
  messageBurst: 'limits.messageBurst',
  maxRoomsPerConnection: 'limits.maxRoomsPerConnection',
  maxRoomNameLength: 'limits.maxRoomNameLength',
  maxConnections: 'limits.maxConnections',
  maxConnectionsPerUser: 'limits.maxConnectionsPerUser',
  maxConnectionsPerIp: 'limits.maxConnectionsPerIp',
  idleTimeoutSec: 'limits.idleTimeoutSec',
  heartbeatMs: 'limits.heartbeatMs',
  maxHttpBodyBytes: 'limits.maxHttpBodyBytes',
  requestTimeoutMs: 'limits.requestTimeoutMs',
  presenceNoticeLimit: 'limits.presenceNoticeLimit',
} satisfies { [K in keyof LimitOptions]-?: `limits.${K}` };
const EVERY_REDIS_OPTION = {
  url: 'redis.url',
  prefix: 'redis.prefix',
  maxQueue: 'redis.maxQueue',
} satisfies { [K in keyof RedisOptions]-?: `redis.${K}` };

describe('OPTION_SPECS', () => {
  it('covers every option of ServerOptions that is not code-only', () => {
    const keys = new Set(OPTION_SPECS.map((spec) => spec.key));
    for (const key of [
      ...Object.values(EVERY_OPTION),
      ...Object.values(EVERY_AUTH_OPTION),
      ...Object.values(EVERY_LIMIT),
      ...Object.values(EVERY_REDIS_OPTION),
    ]) {
      expect(keys, key).toContain(key);
    }
  });

  it('gives every option unique names, the flag being the variable in kebab case', () => {
    for (const field of ['key', 'env', 'flag'] as const) {
      const names = OPTION_SPECS.map((spec) => spec[field]);
      expect(new Set(names).size).toBe(names.length);
    }
    for (const spec of OPTION_SPECS) expect(spec.env).toBe(`SWITCHYARD_${spec.flag.toUpperCase().replace(/-/g, '_')}`);
  });

  it('has defaults that pass their own validation', () => {
    for (const spec of OPTION_SPECS) {
      if (spec.default !== undefined) expect(spec.type.schema.safeParse(spec.default).success, spec.key).toBe(true);
    }
  });
});

describe('value checks', () => {
  it.each([
    ['https://app.example.com', true],
    ['http://localhost:3000', true],
    ['https://app.example.com/', false],
    ['https://app.example.com/path', false],
    ['app.example.com', false],
    ['null', false],
  ])('isOrigin(%s) = %s', (value, expected) => {
    expect(isOrigin(value)).toBe(expected);
  });

  it.each([
    ['10.0.0.1', true],
    ['10.0.0.0/8', true],
    ['fd00::/8', true],
    ['::1', true],
    ['10.0.0.0/33', false],
    ['10.0.0.0/8/1', false],
    ['proxy.local', false],
    ['10.0.0.0/x', false],
  ])('isAddressOrRange(%s) = %s', (value, expected) => {
    expect(isAddressOrRange(value)).toBe(expected);
  });
});
