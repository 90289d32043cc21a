#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTokenVerifier, signToken, type TokenClaims } from './auth/index.js';
import {
  ConfigError,
  CONFIG_FLAG_OPTIONS,
  loadConfigDetailed,
  redactConfig,
  type LoadedConfig,
} from './config/index.js';
import { demoInstructions, planServe } from './config/embedded-default.js';
import { formatConfigFlags } from './config/help.js';
import type { ServerOptions } from './config/options.js';
import { connectionsForDescriptors, readDescriptorLimit } from './protection/descriptor-limit.js';
import { connectableHost, listeningLine } from './config/listening-line.js';
import { riskySettings } from './config/risky-settings.js';

// Human messages go to stderr; stdout carries data (tokens, JSON config, the server's JSON logs).

const USAGE = `Usage: switchyard <command> [options]

Commands:
  serve           Start the server (no JWT key configured: ephemeral demo secret, 127.0.0.1 only)
  token           Mint a token for the configured key and print it
                    --sub <id>                 user id (required)
                    --rooms <patterns>         comma-separated room patterns, e.g. 'chat:*'
                    --publish <patterns>       comma-separated room patterns the user may publish to
                    --ttl <duration>           lifetime such as 15m, 1h, 7d, or seconds [1h]; 'none': no exp
                    --kid <id>                 key id (picks the secret when several are configured)
                    --private-key-file <file>  sign RS*/PS*/ES* tokens with this PEM private key
  check-config    Validate and print the effective configuration as JSON, secrets redacted
  help            Show this help

Options (every command; precedence: flags > SWITCHYARD_* environment > --config file > defaults):
${formatConfigFlags()}

Empty environment values count as unset. Room policies are set in the config file only.
Docs: docs/configuration.md`;

/** Where the CLI writes and what it reads; `process` in production. */
export interface Io {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const TOKEN_FLAGS = {
  sub: { type: 'string' },
  rooms: { type: 'string' },
  publish: { type: 'string' },
  ttl: { type: 'string' },
  kid: { type: 'string' },
  'private-key-file': { type: 'string' },
} as const;

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(argv: readonly string[], extra: T) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...CONFIG_FLAG_OPTIONS, ...extra, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function load(io: Io, argv: readonly string[]): LoadedConfig {
  const loaded = loadConfigDetailed({ argv, env: io.env, cwd: io.cwd });
  for (const warning of loaded.warnings) io.err(`warning: ${warning}`);
  return loaded;
}

/** One line on the descriptor limit and the connection cap it implies, for `serve` and `check-config`. */
function descriptorNote(options: ServerOptions): string {
  const limit = readDescriptorLimit();
  const configured = options.limits?.maxConnections;
  const cap = configured ?? connectionsForDescriptors(limit);
  const shown = limit === undefined ? 'unknown' : Number.isFinite(limit) ? String(limit) : 'unlimited';
  const capText = cap === 0 ? 'no server-wide connection cap' : `at most ${cap} connections, then upgrades get 503`;
  const source = configured === undefined ? 'derived' : 'limits.maxConnections';
  return `descriptor limit (ulimit -n): ${shown}; ${capText} (${source})`;
}

function checkConfig(io: Io, argv: readonly string[]): number {
  parse(argv, {});
  const loaded = load(io, argv);
  io.out(JSON.stringify(redactConfig(loaded.options), null, 2));
  io.err(`note: ${descriptorNote(loaded.options)}`);
  if (!loaded.hasKey)
    io.err('note: no JWT key configured; `switchyard serve` would use an ephemeral secret and bind 127.0.0.1 only');
  for (const warning of riskySettings(loaded.options)) io.err(`warning: ${warning}`);
  return 0;
}

/** A comma-separated list of room patterns, blanks dropped. */
function patternList(text: string): string[] {
  return text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
}

function mintToken(io: Io, argv: readonly string[]): number {
  const { values } = parse(argv, TOKEN_FLAGS);
  if (values.sub === undefined || values.sub === '') throw new UsageError('token: --sub <user id> is required');
  const { options } = load(io, argv);
  const auth = options.auth ?? {};
  const claims: TokenClaims = { sub: values.sub };
  if (values.rooms !== undefined) claims.rooms = patternList(values.rooms);
  if (values.publish !== undefined) claims.publish = patternList(values.publish);
  const ttl = values.ttl ?? '1h';
  const first = (v: string | readonly string[] | undefined): string | undefined => (typeof v === 'string' ? v : v?.[0]);
  const common = {
    ...(ttl !== 'none' ? { expiresIn: /^\d+$/.test(ttl) ? Number(ttl) : ttl } : {}),
    ...(values.kid !== undefined ? { kid: values.kid } : {}),
    ...(first(auth.issuer) !== undefined ? { issuer: first(auth.issuer) as string } : {}),
    ...(first(auth.audience) !== undefined ? { audience: first(auth.audience) as string } : {}),
  };
  const algorithms = auth.algorithms ?? [];
  let token: string;
  try {
    if (values['private-key-file'] !== undefined) {
      const path = resolve(io.cwd, values['private-key-file']);
      let privateKey: string;
      try {
        privateKey = readFileSync(path, 'utf8');
      } catch {
        throw new ConfigError('--private-key-file', `cannot read ${path}`);
      }
      token = signWithPrivateKey(claims, privateKey, algorithms, common);
    } else {
      const { secret, kid } = pickSecret(auth.secret, values.kid);
      const algorithm = algorithms.find((a) => a.startsWith('HS')) ?? 'HS256';
      token = signToken(claims, { ...common, ...(kid !== undefined ? { kid } : {}), secret, algorithm });
    }
  } catch (error) {
    if (error instanceof ConfigError && error.key === 'expiresIn') throw new ConfigError('--ttl', error.problem);
    throw error;
  }
  // Catch a private key that does not match the configured public key before anyone relies on the token.
  if (auth.secret !== undefined || auth.publicKey !== undefined) {
    try {
      createTokenVerifier(auth).verify(token);
    } catch (error) {
      throw new ConfigError(
        'token',
        `the minted token does not verify with the configured keys (${(error as Error).message})`,
      );
    }
  }
  io.out(token);
  return 0;
}

/** The secret to sign with, and the key id to write when secrets are named. */
function pickSecret(
  secret: string | Readonly<Record<string, string>> | undefined,
  kid: string | undefined,
): { secret: string; kid?: string } {
  if (secret === undefined) {
    throw new ConfigError(
      'token',
      'no signing key: set SWITCHYARD_JWT_SECRET (or --jwt-secret), or pass --private-key-file',
    );
  }
  if (typeof secret === 'string') return { secret };
  const ids = Object.keys(secret);
  const chosen = kid ?? (ids.length === 1 ? ids[0] : undefined);
  if (chosen === undefined)
    throw new ConfigError('--kid', `several secrets are configured; pick one of ${ids.join(', ')}`);
  const value = Object.hasOwn(secret, chosen) ? secret[chosen] : undefined;
  if (value === undefined)
    throw new ConfigError('--kid', `no secret named "${chosen}" (configured: ${ids.join(', ')})`);
  return { secret: value, kid: chosen };
}

function signWithPrivateKey(
  claims: TokenClaims,
  privateKey: string,
  algorithms: readonly string[],
  common: object,
): string {
  // The first configured asymmetric algorithm the key can sign; jsonwebtoken refuses mismatches.
  let lastError: unknown;
  for (const algorithm of algorithms.filter((a) => !a.startsWith('HS'))) {
    try {
      return signToken(claims, { ...common, privateKey, algorithm });
    } catch (error) {
      lastError = error;
    }
  }
  if (lastError !== undefined && !(lastError instanceof ConfigError && lastError.key === 'signToken'))
    throw lastError as Error;
  return signToken(claims, { ...common, privateKey });
}

async function serve(io: Io, argv: readonly string[]): Promise<number> {
  parse(argv, {});
  const plan = planServe(load(io, argv));
  for (const notice of plan.notices) io.err(`warning: ${notice}`);
  // Loaded here, not at the top: only `serve` needs the native uWebSockets.js module.
  const { createServer } = await import('./server.js');
  const server = createServer(plan.options);
  const address = await server.listen(plan.options.port, plan.options.host);
  const base = `${connectableHost(address.host)}:${address.port}`;
  io.err(listeningLine(address.host, address.port));
  io.err(descriptorNote(plan.options));
  if (plan.ephemeralSecret !== undefined) {
    const token = signToken({ sub: 'demo', rooms: ['*'] }, { secret: plan.ephemeralSecret, expiresIn: '1h' });
    io.err(demoInstructions(base, token));
  }

  const graceMs = (plan.options.shutdownGraceSec ?? 10) * 1000;
  return closeOnSignals(server, graceMs, { err: io.err, signals: process, exit: (code) => process.exit(code) });
}

/** What {@link closeOnSignals} needs from its surroundings; `process` in production. */
export interface SignalIo {
  readonly err: (text: string) => void;
  readonly signals: {
    on(signal: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
    off(signal: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  };
  readonly exit: (code: number) => void;
  /** Clock for telling a forwarded duplicate from a second signal. @default Date.now */
  readonly now?: () => number;
}

// Under `npm start`, a terminal's Ctrl-C reaches the server twice: from the terminal and forwarded
// by npm a few milliseconds later. The same signal within this window is that one keypress.
const DUPLICATE_SIGNAL_MS = 500;

/**
 * Closes the server gracefully on the first SIGTERM or SIGINT and resolves with the exit code
 * (0, or 1 when closing failed). A second signal ends the process at once with 128 + its number
 * (the same signal again within half a second counts as the first one, forwarded by a parent
 * such as npm).
 *
 * Shutdown work can keep the event loop busy, and a JavaScript signal handler only runs when the
 * loop is free. So the shutdown starts once that half second has passed, after the handlers are
 * removed: from then on a signal takes the operating system's default action and terminates the
 * process at once (status 143 or 130), however busy the loop is.
 */
export function closeOnSignals(
  server: { close(options: { graceMs: number }): Promise<void> },
  graceMs: number,
  io: SignalIo,
): Promise<number> {
  return new Promise<number>((done) => {
    let closing = false;
    let first: { signal: NodeJS.Signals; at: number } | undefined;
    const now = io.now ?? Date.now;
    let backstop: NodeJS.Timeout | undefined;
    let starting: NodeJS.Timeout | undefined;
    const finish = (code: number): void => {
      clearTimeout(backstop);
      done(code);
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) {
        if (first !== undefined && signal === first.signal && now() - first.at < DUPLICATE_SIGNAL_MS) return;
        clearTimeout(backstop);
        clearTimeout(starting);
        io.err(`${signal} again: exiting now`);
        io.exit(signal === 'SIGINT' ? 130 : 143);
        return;
      }
      closing = true;
      first = { signal, at: now() };
      io.err(`${signal}: closing (grace ${graceMs / 1000}s; send again to force)`);
      // In case close() itself hangs past its grace.
      backstop = setTimeout(() => {
        io.err('shutdown did not finish in time: exiting');
        io.exit(1);
      }, graceMs + 5_000);
      backstop.unref();
      starting = setTimeout(() => {
        io.signals.off('SIGTERM', onSignal);
        io.signals.off('SIGINT', onSignal);
        server.close({ graceMs }).then(
          () => {
            io.err('switchyard closed');
            finish(0);
          },
          (error: unknown) => {
            io.err(`error while closing: ${(error as Error).message}`);
            finish(1);
          },
        );
      }, DUPLICATE_SIGNAL_MS);
    };
    io.signals.on('SIGTERM', onSignal);
    io.signals.on('SIGINT', onSignal);
  });
}

/** Runs one CLI command. @returns the process exit code. */
export async function main(io: Io): Promise<number> {
  const [command, ...rest] = io.argv;
  try {
    switch (command) {
      case 'serve':
        if (rest.includes('--help') || rest.includes('-h')) break;
        return await serve(io, rest);
      case 'token':
        if (rest.includes('--help') || rest.includes('-h')) break;
        return mintToken(io, rest);
      case 'check-config':
        if (rest.includes('--help') || rest.includes('-h')) break;
        return checkConfig(io, rest);
      case 'help':
      case '--help':
      case '-h':
        break;
      default:
        io.err(command === undefined ? 'error: missing command' : `error: unknown command "${command}"`);
        io.err(USAGE);
        return 2;
    }
    io.out(USAGE);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\nRun \`switchyard --help\` for usage.`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/**
 * Runs the CLI in this process with `process.argv`, `process.env` and the standard streams, and
 * sets the exit code: what the `switchyard` executable does.
 */
export async function runCli(): Promise<void> {
  const code = await main({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  });
  process.exitCode = code;
  // A server may leave handles behind (timers, the native loop); other commands end on their own,
  // which lets piped output drain on every platform.
  if (process.argv[2] === 'serve') process.exit(code);
}

// `node dist/cli.js …` runs the CLI; importing this module (tests, the bin launcher) does not.
function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) await runCli();
