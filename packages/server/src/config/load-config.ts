import type { ServerOptions } from './options.js';
import { resolveKeySet } from '../auth/key-set.js';
import { OriginPolicy } from '../protection/origin.js';
import { ConfigError, optionError } from './config-error.js';
import { setPath } from './option-paths.js';
import { combinationProblem, withDefaults } from './validate-options.js';
import { CONFIG_FILE_SPEC, OPTION_SPECS } from './option-specs.js';
import {
  configFilePath,
  describeSetting,
  envLayer,
  fileLayer,
  flagLayer,
  type Layer,
  type Setting,
} from './sources.js';

/** Where {@link loadConfig} reads from. */
export interface ConfigSources {
  /** Command-line arguments after the command name; config flags are picked out, others ignored. */
  readonly argv: readonly string[];
  /** Environment, usually `process.env`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against (flags and environment). */
  readonly cwd: string;
}

/** The effective configuration and where each value came from. */
export interface LoadedConfig {
  /** Every option with a default, filled in; `auth.algorithms` resolved when a key is set. */
  readonly options: ServerOptions;
  /** For each option path set by the user: how they named it (`SWITCHYARD_PORT`, `--port`, `port in /x.json`). */
  readonly origins: ReadonlyMap<string, string>;
  /** True when a JWT secret or public key is configured. */
  readonly hasKey: boolean;
  /** The config file read, if any. */
  readonly configFile?: string;
  /** Things worth telling the operator that are not errors (unknown `SWITCHYARD_*` variables). */
  readonly warnings: readonly string[];
}

function unknownVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  const known = new Set<string>([CONFIG_FILE_SPEC.env, ...OPTION_SPECS.map((s) => s.env)]);
  return Object.keys(env)
    .filter((name) => name.startsWith('SWITCHYARD_') && !known.has(name))
    .map((name) => `unknown environment variable ${name} (ignored)`);
}

/**
 * Loads `ServerOptions` with precedence flags > environment > config file > defaults, and
 * validates everything, key combinations included, before anything listens.
 * @throws ConfigError whose message starts with the offending key as the user wrote it,
 * e.g. `SWITCHYARD_PORT: expected an integer 0-65535`.
 * @example
 * const options = loadConfig({ argv: process.argv.slice(3), env: process.env, cwd: process.cwd() });
 */
export function loadConfig(sources: ConfigSources): ServerOptions {
  return loadConfigDetailed(sources).options;
}

/** {@link loadConfig}, plus where each value came from. */
export function loadConfigDetailed({ argv, env, cwd }: ConfigSources): LoadedConfig {
  const file = configFilePath(argv, env, cwd);
  const fromFile = file === undefined ? undefined : fileLayer(file);
  const layers: Layer[] = [fromFile?.layer ?? new Map<string, Setting>(), envLayer(env, cwd), flagLayer(argv, cwd)];

  const merged = new Map<string, Setting>();
  for (const layer of layers) for (const [path, setting] of layer) merged.set(path, setting);

  const set: Record<string, unknown> = {};
  for (const [path, setting] of merged) setPath(set, path, setting.value);
  const options: Record<string, unknown> = withDefaults(set);
  if (fromFile?.rooms !== undefined) options['rooms'] = fromFile.rooms;

  const auth = (options['auth'] ?? {}) as NonNullable<ServerOptions['auth']>;
  const hasKey = auth.secret !== undefined || auth.publicKey !== undefined;
  // Algorithms without a key are a mistake worth reporting, not a reason to fall back to the demo secret.
  if (hasKey || auth.algorithms !== undefined) {
    try {
      setPath(options, 'auth.algorithms', [...resolveKeySet(auth).algorithms]);
    } catch (error) {
      throw relabel(error, merged);
    }
  }
  options['host'] ??= hasKey ? '0.0.0.0' : '127.0.0.1';

  const combination = combinationProblem(options);
  if (combination !== undefined) throw relabel(optionError(combination.path, combination.problem), merged);

  // Port and host first: the lines an operator looks for in `check-config`.
  const { port, host, ...rest } = options;
  return {
    options: { port, host, ...rest } as ServerOptions,
    origins: new Map([...merged].map(([path, setting]) => [path, describeSetting(setting)])),
    hasKey,
    ...(file !== undefined ? { configFile: file.path } : {}),
    // The same warnings createServer() logs, so `check-config` shows them before anything runs.
    warnings: [
      ...unknownVariables(env),
      ...new OriginPolicy(options['allowedOrigins'] as string[] | undefined).warnings(),
    ],
  };
}

// resolveKeySet names option paths (`auth.secret.k1`); name them the way the user set them.
function relabel(error: unknown, merged: ReadonlyMap<string, Setting>): unknown {
  if (!(error instanceof ConfigError)) return error;
  const details = { path: error.path ?? error.key, cause: error.cause ?? error };
  for (const [path, setting] of merged) {
    if (error.key === path || error.key.startsWith(`${path}.`)) {
      return new ConfigError(describeSetting(setting, error.key.slice(path.length)), error.problem, {
        ...details,
        source: setting.source,
      });
    }
  }
  // Not set by the user (a missing key): say how to set it.
  const names = OPTION_SPECS.filter((spec) => (spec.target ?? spec.key) === error.key).map((spec) => spec.env);
  return names.length === 0
    ? error
    : new ConfigError(error.key, `${error.problem} (set ${names.join(' or ')})`, details);
}
