import { mkdtempSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from './resolve-options.js';
import { ConfigError } from './config-error.js';
import { loadConfig, loadConfigDetailed } from './load-config.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
writeFileSync(join(dir, 'public.pem'), rsaPem);

function writeConfig(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const load = (argv: string[] = [], env: Record<string, string> = {}) => loadConfig({ argv, env, cwd: dir });

function failure(argv: string[], env: Record<string, string> = {}): string {
  try {
    load(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  it('fills every documented default and binds loopback without a key', () => {
    const options = load();
    expect(options).toEqual({
      port: 9001,
      host: '127.0.0.1',
      auth: { clockToleranceSec: 5, expiryGraceMs: 1000, allowQueryToken: true, allowAnonymous: false },
      codecs: ['json', 'msgpack'],
      metrics: true,
      shutdownGraceSec: 10,
      logLevel: 'info',
      limits: {
        maxPayload: 65_536,
        maxBackpressure: 1_048_576,
        messagesPerSecond: 100,
        messageBurst: 200,
        maxRoomsPerConnection: 100,
        presenceNoticeLimit: 1000,
        maxRoomNameLength: 128,
        maxConnectionsPerUser: 0,
        maxConnectionsPerIp: 0,
        idleTimeoutSec: 60,
        heartbeatMs: 25_000,
        maxHttpBodyBytes: 1_048_576,
        requestTimeoutMs: 0,
      },
    });
  });

  it('agrees with the defaults createServer() applies', () => {
    // Everything but the auth block (keys differ by design) and functions.
    const pick = (o: ReturnType<typeof resolveOptions>) =>
      Object.fromEntries(Object.entries(o).filter(([key, value]) => key !== 'auth' && typeof value !== 'function'));
    expect(pick(resolveOptions(load()))).toEqual(pick(resolveOptions({})));
    const keyed = load([], { SWITCHYARD_JWT_SECRET: SECRET });
    expect(pick(resolveOptions(keyed))).toEqual(pick(resolveOptions({ auth: { secret: SECRET } })));
  });

  it('binds every interface once a key is configured, and resolves the algorithms', () => {
    const options = load([], { SWITCHYARD_JWT_SECRET: SECRET });
    expect(options.host).toBe('0.0.0.0');
    expect(options.auth?.algorithms).toEqual(['HS256']);
  });
});

describe('loadConfig precedence: flags > env > file > defaults', () => {
  const file = writeConfig('precedence.json', {
    port: 1111,
    host: '10.0.0.1',
    limits: { maxPayload: 2048, heartbeatMs: 5000 },
  });

  it('takes the file over defaults', () => {
    const options = load(['--config', file]);
    expect(options.port).toBe(1111);
    expect(options.limits?.maxPayload).toBe(2048);
    expect(options.limits?.messageBurst).toBe(200);
  });

  it('takes the environment over the file', () => {
    const options = load([], { SWITCHYARD_CONFIG: file, SWITCHYARD_PORT: '2222', SWITCHYARD_MAX_PAYLOAD: '4096' });
    expect(options.port).toBe(2222);
    expect(options.limits).toMatchObject({ maxPayload: 4096, heartbeatMs: 5000 });
    expect(options.host).toBe('10.0.0.1');
  });

  it('takes flags over the environment', () => {
    const loaded = loadConfigDetailed({
      argv: ['--config', file, '--port=3333', '--host', '::1'],
      env: { SWITCHYARD_PORT: '2222' },
      cwd: dir,
    });
    expect(loaded.options.port).toBe(3333);
    expect(loaded.options.host).toBe('::1');
    expect(loaded.origins.get('port')).toBe('--port');
    expect(loaded.origins.get('limits.heartbeatMs')).toBe(`limits.heartbeatMs in ${file}`);
    expect(loaded.configFile).toBe(file);
  });

  it('prefers --config over SWITCHYARD_CONFIG', () => {
    const other = writeConfig('other.json', { port: 4444 });
    expect(load(['--config', other], { SWITCHYARD_CONFIG: file }).port).toBe(4444);
  });

  it('treats empty environment values and empty flags as unset', () => {
    const options = load(['--max-payload='], { SWITCHYARD_CONFIG: file, SWITCHYARD_PORT: '', SWITCHYARD_HOST: '  ' });
    expect(options.port).toBe(1111);
    expect(options.host).toBe('10.0.0.1');
    expect(options.limits?.maxPayload).toBe(2048);
  });

  it('ignores flags that are not config flags', () => {
    expect(load(['--sub', 'alice', '--port', '5555', 'positional']).port).toBe(5555);
  });
});

describe('loadConfig value parsing', () => {
  it('parses booleans, lists and one-or-many values from the environment', () => {
    const options = load([], {
      SWITCHYARD_METRICS: 'off',
      SWITCHYARD_ALLOW_ANONYMOUS: 'yes',
      SWITCHYARD_ALLOW_QUERY_TOKEN: 'FALSE',
      SWITCHYARD_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:3000',
      SWITCHYARD_CODECS: 'msgpack',
      SWITCHYARD_JWT_SECRET: SECRET,
      SWITCHYARD_JWT_ISSUER: 'https://auth.example',
      SWITCHYARD_JWT_AUDIENCE: 'a,b',
      SWITCHYARD_TRUSTED_PROXY_HEADER: 'X-Forwarded-For',
      SWITCHYARD_TRUSTED_PROXIES: '10.0.0.0/8',
      SWITCHYARD_IDLE_TIMEOUT: '0',
    });
    expect(options.metrics).toBe(false);
    expect(options.auth).toMatchObject({
      allowAnonymous: true,
      allowQueryToken: false,
      issuer: 'https://auth.example',
      audience: ['a', 'b'],
    });
    expect(options.allowedOrigins).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect(options.codecs).toEqual(['msgpack']);
    expect(options.trustedProxyHeader).toBe('x-forwarded-for');
    expect(options.limits?.idleTimeoutSec).toBe(0);
  });

  it('reads the public key from a file relative to cwd, and inline PEM with escaped newlines', () => {
    expect(load([], { SWITCHYARD_JWT_PUBLIC_KEY_FILE: 'public.pem' }).auth).toMatchObject({
      publicKey: rsaPem,
      algorithms: ['RS256'],
    });
    const escaped = rsaPem.replace(/\n/g, '\\n');
    expect(load([], { SWITCHYARD_JWT_PUBLIC_KEY: escaped }).auth?.publicKey).toBe(rsaPem);
  });

  it('reads the secret from a file, without its trailing newline', () => {
    writeFileSync(join(dir, 'secret.txt'), `${SECRET}\n`);
    expect(load([], { SWITCHYARD_JWT_SECRET_FILE: 'secret.txt' }).auth?.secret).toBe(SECRET);
    expect(failure([], { SWITCHYARD_JWT_SECRET_FILE: 'secret.txt', SWITCHYARD_JWT_SECRET: SECRET })).toMatch(
      /^SWITCHYARD_JWT_SECRET and SWITCHYARD_JWT_SECRET_FILE: set only one/,
    );
    // A flag for one and the environment for the other: the flag wins, as for any option.
    expect(load(['--jwt-secret', `${SECRET}-flag`], { SWITCHYARD_JWT_SECRET_FILE: 'secret.txt' }).auth?.secret).toBe(
      `${SECRET}-flag`,
    );
  });

  it('reads key-id records and room policies from the config file, key files relative to it', () => {
    const file = writeConfig('rotation.json', {
      auth: {
        secret: { old: SECRET, new: `${SECRET}-new` },
        publicKeyFile: { rsa1: 'public.pem' },
        algorithms: ['HS256', 'RS256'],
      },
      rooms: [{ pattern: 'ticker:*', slowConsumer: 'latest', clientPublish: false }],
    });
    const options = load(['--config', file]);
    expect(options.auth?.secret).toEqual({ old: SECRET, new: `${SECRET}-new` });
    expect(options.auth?.publicKey).toEqual({ rsa1: rsaPem });
    expect(options.rooms).toEqual([{ pattern: 'ticker:*', slowConsumer: 'latest', clientPublish: false }]);
  });

  it('warns about unknown SWITCHYARD_ variables', () => {
    const loaded = loadConfigDetailed({ argv: [], env: { SWITCHYARD_PROT: '1', OTHER: 'x' }, cwd: dir });
    expect(loaded.warnings).toEqual(['unknown environment variable SWITCHYARD_PROT (ignored)']);
  });
});

describe('loadConfig errors name the bad key', () => {
  it.each([
    [{ SWITCHYARD_PORT: 'abc' }, 'SWITCHYARD_PORT: expected an integer 0-65535'],
    [{ SWITCHYARD_PORT: '65536' }, 'SWITCHYARD_PORT: expected an integer 0-65535'],
    [{ SWITCHYARD_PORT: '80.5' }, 'SWITCHYARD_PORT: expected an integer 0-65535'],
    [{ SWITCHYARD_MAX_PAYLOAD: '10' }, 'SWITCHYARD_MAX_PAYLOAD: expected an integer 1024-268435456'],
    [{ SWITCHYARD_IDLE_TIMEOUT: '4' }, 'SWITCHYARD_IDLE_TIMEOUT: expected 0 or an integer 8-960'],
    [{ SWITCHYARD_METRICS: 'maybe' }, 'SWITCHYARD_METRICS: expected on or off'],
    [{ SWITCHYARD_LOG_LEVEL: 'loud' }, 'SWITCHYARD_LOG_LEVEL: expected one of fatal, error'],
    [{ SWITCHYARD_CODECS: 'json,xml' }, 'SWITCHYARD_CODECS: expected json or msgpack'],
    [
      { SWITCHYARD_CODECS: 'json,json' },
      'SWITCHYARD_CODECS: expected a comma-separated list of json/msgpack, without duplicates',
    ],
    [{ SWITCHYARD_ALLOWED_ORIGINS: 'https://a.example/' }, 'SWITCHYARD_ALLOWED_ORIGINS: expected origins such as'],
    [{ SWITCHYARD_API_KEY: 'short' }, 'SWITCHYARD_API_KEY: expected an API key of at least 16 characters'],
    [
      { SWITCHYARD_TRUSTED_PROXY_HEADER: 'x forwarded' },
      'SWITCHYARD_TRUSTED_PROXY_HEADER: expected an HTTP header name',
    ],
    [
      { SWITCHYARD_TRUSTED_PROXY_HEADER: 'x-forwarded-for' },
      'SWITCHYARD_TRUSTED_PROXY_HEADER: requires SWITCHYARD_TRUSTED_PROXIES',
    ],
    [{ SWITCHYARD_JWT_SECRET: 'short' }, 'SWITCHYARD_JWT_SECRET: must be at least 32 bytes (got 5)'],
    [
      { SWITCHYARD_JWT_ALGORITHMS: 'RS256' },
      'auth.publicKey: required by RS256 in auth.algorithms (set SWITCHYARD_JWT_PUBLIC_KEY or SWITCHYARD_JWT_PUBLIC_KEY_FILE)',
    ],
    [
      { SWITCHYARD_JWT_ALGORITHMS: 'HS512' },
      'auth.secret: required by HS512 in auth.algorithms (set SWITCHYARD_JWT_SECRET or SWITCHYARD_JWT_SECRET_FILE)',
    ],
    [
      { SWITCHYARD_JWT_ALGORITHMS: 'none', SWITCHYARD_JWT_SECRET: SECRET },
      'SWITCHYARD_JWT_ALGORITHMS: "none" is never allowed',
    ],
    [
      { SWITCHYARD_JWT_ALGORITHMS: 'RS256', SWITCHYARD_JWT_SECRET: SECRET },
      'SWITCHYARD_JWT_SECRET: set, but auth.algorithms (RS256) has no HS* algorithm',
    ],
    [{ SWITCHYARD_JWT_PUBLIC_KEY: 'hello' }, 'SWITCHYARD_JWT_PUBLIC_KEY: expected a PEM key'],
    [{ SWITCHYARD_JWT_PUBLIC_KEY_FILE: 'missing.pem' }, 'SWITCHYARD_JWT_PUBLIC_KEY_FILE: cannot read'],
    [
      { SWITCHYARD_JWT_PUBLIC_KEY_FILE: 'public.pem', SWITCHYARD_JWT_PUBLIC_KEY: 'x' },
      'SWITCHYARD_JWT_PUBLIC_KEY: expected a PEM key',
    ],
    [{ SWITCHYARD_METRICS_PORT: '9001' }, 'SWITCHYARD_METRICS_PORT: must differ from the main port (9001)'],
    [{ SWITCHYARD_CONFIG: 'nope.json' }, 'SWITCHYARD_CONFIG: cannot read'],
  ])('%o', (env, message) => {
    expect(failure([], env)).toContain(message);
  });

  it('names flags', () => {
    expect(failure(['--port', 'x'])).toBe('--port: expected an integer 0-65535');
    expect(failure(['--port'])).toBe('--port: expected a value');
    expect(failure(['--jwt-secret', 'x'])).toBe('--jwt-secret: must be at least 32 bytes (got 1)');
  });

  it('refuses an inline key and a key file from the same source', () => {
    const env = { SWITCHYARD_JWT_PUBLIC_KEY_FILE: 'public.pem', SWITCHYARD_JWT_PUBLIC_KEY: rsaPem };
    expect(failure([], env)).toMatch(/^SWITCHYARD_JWT_PUBLIC_KEY and SWITCHYARD_JWT_PUBLIC_KEY_FILE: set only one/);
  });

  it('names config file keys with the file', () => {
    const bad = writeConfig('bad.json', { limits: { maxPayload: 'big' } });
    expect(failure(['--config', bad])).toBe(`limits.maxPayload in ${bad}: expected an integer 1024-268435456`);
    const typo = writeConfig('typo.json', { limits: { maxPaylod: 1 } });
    expect(failure(['--config', typo])).toBe(`limits.maxPaylod in ${typo}: unknown option`);
    const rooms = writeConfig('rooms.json', { rooms: [{ pattern: 'a', slowConsumer: 'fast' }] });
    expect(failure(['--config', rooms])).toBe(`rooms.0.slowConsumer in ${rooms}: expected close, drop or latest`);
    const kid = writeConfig('kid.json', { auth: { secret: { k1: 'short' } } });
    expect(failure(['--config', kid])).toBe(`auth.secret.k1 in ${kid}: must be at least 32 bytes (got 5)`);
    const json = writeConfig('broken.json', '{ "port": ');
    expect(failure(['--config', json])).toMatch(new RegExp(`^--config: ${json} is not valid JSON`));
  });
});

describe('loadConfig: the cluster (Redis)', () => {
  it('takes redis.url from SWITCHYARD_REDIS_URL, --redis-url or the config file, and history room policies from the file', () => {
    expect(load([], { SWITCHYARD_REDIS_URL: 'redis://10.0.0.5:6379' }).redis).toEqual({ url: 'redis://10.0.0.5:6379' });
    expect(load(['--redis-url', 'rediss://cache:6380/2', '--redis-max-queue', '500']).redis).toEqual({
      url: 'rediss://cache:6380/2',
      maxQueue: 500,
    });
    const file = writeConfig('cluster.json', {
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'chat' },
      rooms: [{ pattern: 'hist:*', history: { size: 100, ttlSec: 300 } }],
    });
    const options = load(['--config', file]);
    expect(options.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'chat' });
    expect(options.rooms).toEqual([{ pattern: 'hist:*', history: { size: 100, ttlSec: 300 } }]);
  });

  it('refuses a URL that is not redis:// and a history policy out of range, naming the key', () => {
    expect(failure([], { SWITCHYARD_REDIS_URL: 'http://x' })).toMatch(/^SWITCHYARD_REDIS_URL: expected a Redis URL/);
    const file = writeConfig('bad-history.json', { rooms: [{ pattern: 'h:*', history: { size: 0, ttlSec: 10 } }] });
    expect(failure(['--config', file])).toMatch(/rooms\.0\.history\.size/);
  });
});
