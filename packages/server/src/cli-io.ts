import { parseArgs } from 'node:util';
import { CONFIG_FLAG_OPTIONS, loadConfigDetailed, type LoadedConfig } from './config/index.js';
import type { ServerOptions } from './config/options.js';
import { connectionsForDescriptors, readDescriptorLimit } from './protection/descriptor-limit.js';

// Human messages go to stderr; stdout carries data (tokens, JSON config, the server's JSON logs).

/** Where the CLI writes and what it reads; `process` in production. */
export interface Io {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** A command line the CLI cannot run: answered with exit code 2 and a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

// The `token` command's own flags (the configuration flags are shared by every command).
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

/** Checks a command's flags (every configuration flag and `--help`); a bad one is a {@link UsageError}. */
export function parseConfigFlags(argv: readonly string[]): void {
  parse(argv, {});
}

/** Parses the `token` command's flags, and checks the configuration flags beside them. */
export function parseTokenFlags(argv: readonly string[]) {
  return parse(argv, TOKEN_FLAGS).values;
}

/** Loads the configuration from flags, environment and file, printing its warnings to stderr. */
export function load(io: Io, argv: readonly string[]): LoadedConfig {
  const loaded = loadConfigDetailed({ argv, env: io.env, cwd: io.cwd });
  for (const warning of loaded.warnings) io.err(`warning: ${warning}`);
  return loaded;
}

/** One line on the descriptor limit and the connection cap it implies, for `serve` and `check-config`. */
export function descriptorNote(options: ServerOptions): string {
  const limit = readDescriptorLimit();
  const configured = options.limits?.maxConnections;
  const cap = configured ?? connectionsForDescriptors(limit);
  const shown = limit === undefined ? 'unknown' : Number.isFinite(limit) ? String(limit) : 'unlimited';
  const capText = cap === 0 ? 'no server-wide connection cap' : `at most ${cap} connections, then upgrades get 503`;
  const source = configured === undefined ? 'derived' : 'limits.maxConnections';
  return `descriptor limit (ulimit -n): ${shown}; ${capText} (${source})`;
}
