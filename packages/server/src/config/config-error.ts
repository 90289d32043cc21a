/**
 * A configuration value cannot be used. The message starts with the offending key as the user
 * wrote it (`SWITCHYARD_PORT`, `--port`, `limits.maxPayload`), followed by what is expected.
 *
 * @example
 * new ConfigError('SWITCHYARD_PORT', 'expected an integer 0-65535').message
 * // 'SWITCHYARD_PORT: expected an integer 0-65535'
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The offending key: an option path, an environment variable or a flag. */
  readonly key: string;
  /** What is wrong with it, without the key. */
  readonly problem: string;

  constructor(key: string, problem: string) {
    super(`${key}: ${problem}`);
    this.key = key;
    this.problem = problem;
  }
}
