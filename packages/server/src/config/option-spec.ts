import type { z } from 'zod';
import type { ValueType } from './values.js';

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
