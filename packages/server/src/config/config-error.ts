/** Where a configuration value came from: a command-line flag, an environment variable, the config file, or `createServer()` options. */
export type ConfigSource = 'flag' | 'env' | 'file' | 'option';

/** What a {@link ConfigError} knows besides its message. */
export interface ConfigErrorDetails {
  /** The option path in `ServerOptions` (`limits.maxPayload`, `rooms.0.pattern`), when the value is an option. */
  readonly path?: string | undefined;
  /** Where the value came from, when known. */
  readonly source?: ConfigSource | undefined;
  /** The underlying error (a zod error, a file-system error, a key parser's error). */
  readonly cause?: unknown;
}

/**
 * A configuration value cannot be used: thrown by `createServer()`, `loadConfig()` and the CLI alike.
 * The message starts with the offending key as the user wrote it (`SWITCHYARD_PORT`, `--port`,
 * `limits.maxPayload in /etc/switchyard.json`, or the option path for `createServer()`), followed
 * by what is expected.
 *
 * @example
 * new ConfigError('SWITCHYARD_PORT', 'expected an integer 0-65535', { path: 'port', source: 'env' }).message
 * // 'SWITCHYARD_PORT: expected an integer 0-65535'
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The offending key as the user wrote it: an option path, an environment variable or a flag. */
  readonly key: string;
  /** What is wrong with it, without the key. */
  readonly problem: string;
  /** The option path (`limits.maxPayload`), when the key names an option. */
  readonly path: string | undefined;
  /** Where the value came from, when known. */
  readonly source: ConfigSource | undefined;

  constructor(key: string, problem: string, details: ConfigErrorDetails = {}) {
    super(`${key}: ${problem}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.key = key;
    this.problem = problem;
    this.path = details.path;
    this.source = details.source;
  }
}

/** A {@link ConfigError} about the option at `path` (the key is the path itself). */
export function optionError(
  path: string,
  problem: string,
  details: Omit<ConfigErrorDetails, 'path'> = {},
): ConfigError {
  return new ConfigError(path, problem, { ...details, path });
}
