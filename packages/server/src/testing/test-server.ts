import { randomBytes } from 'node:crypto';
import type { AnyContract, Contract } from '@switchyard/protocol';
import { signToken } from '../auth/index.js';
import { createLogger } from '../log.js';
import type { ServerOptions } from '../config/options.js';
import { createServer, type SwitchyardServer } from '../server.js';

/** Options of {@link startTestServer}: server options plus the HS256 secret to use. */
export type TestServerOptions = ServerOptions & {
  /** HS256 secret for tokens. @default a random secret */
  secret?: string;
};

/**
 * The transport a test server runs on when the options name none: `SWITCHYARD_TEST_TRANSPORT`
 * (`uws` or `ws`), so one suite runs against both transports; unset: `uws`.
 */
export function testTransport(): 'uws' | 'ws' {
  const chosen = process.env['SWITCHYARD_TEST_TRANSPORT'];
  if (chosen === undefined || chosen === '' || chosen === 'uws') return 'uws';
  if (chosen === 'ws') return 'ws';
  throw new Error(`SWITCHYARD_TEST_TRANSPORT must be uws or ws, got ${chosen}`);
}

/** A running server for tests, bound to 127.0.0.1 on a free port. */
export interface TestServer<C extends Contract = AnyContract> {
  readonly server: SwitchyardServer<C>;
  readonly port: number;
  /** WebSocket endpoint, `ws://127.0.0.1:PORT/ws`. */
  readonly url: string;
  /** HTTP base, `http://127.0.0.1:PORT`. */
  readonly httpUrl: string;
  /** The HS256 secret the server verifies with. */
  readonly secret: string;
  /** Mints a token for `sub` (extra claims such as `rooms` allowed). */
  token(sub: string, claims?: Record<string, unknown>, options?: { expiresIn?: string | number }): string;
  /** Shuts the server down (grace 1 s). */
  close(): Promise<void>;
}

/**
 * Starts a real server on 127.0.0.1, port 0, with an HS256 secret, for integration tests.
 * Logging is silent unless `logLevel` or `logger` is given; Prometheus metrics are on. The
 * transport is `options.transport`, else `SWITCHYARD_TEST_TRANSPORT` (see {@link testTransport}).
 * @example
 * const t = await startTestServer();
 * const ws = new WebSocket(t.url, ['switchyard.v2.json'], { headers: { authorization: `Bearer ${t.token('alice')}` } });
 * await t.close();
 */
export async function startTestServer<C extends Contract = AnyContract>(
  options: TestServerOptions = {},
): Promise<TestServer<C>> {
  const { secret: given, ...rest } = options;
  const secret = given ?? options.auth?.secret;
  const hsSecret = typeof secret === 'string' ? secret : randomBytes(32).toString('hex');
  const transport =
    rest.transport ?? (rest.server !== undefined || rest.app !== undefined ? undefined : testTransport());
  const server = createServer<C>({
    ...(transport === undefined ? {} : { transport }),
    ...rest,
    auth: { secret: hsSecret, algorithms: ['HS256'], ...rest.auth },
    logger: rest.logger ?? createLogger(rest.logLevel ?? 'silent'),
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    server,
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    secret: hsSecret,
    token: (sub, claims = {}, opts = {}) =>
      signToken(
        { ...claims, sub },
        { secret: hsSecret, ...(opts.expiresIn === undefined ? {} : { expiresIn: opts.expiresIn }) },
      ),
    close: () => server.close({ graceMs: 1000 }),
  };
}
