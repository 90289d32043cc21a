import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { ConfigError, type ConfigSource } from './config-error.js';
import { CONFIG_FILE_SPEC, OPTION_SPECS, type OptionSpec } from './option-specs.js';
import { getPath } from './option-paths.js';
import { buildOptionsSchema, firstIssue } from './validate-options.js';
import { pem } from './values.js';

/** The JSON config file's schema: the options schema in its `file` mode. */
const CONFIG_FILE_SCHEMA = buildOptionsSchema('file');

/** A value and where it came from. */
export interface Setting {
  readonly value: unknown;
  /** The key as the user wrote it: `SWITCHYARD_PORT`, `--port`, `port` or `default`. */
  readonly name: string;
  /** The config file, for file settings. */
  readonly file?: string;
  /** Which kind of source set it. */
  readonly source: ConfigSource;
}

/** Settings of one source, by option path (`limits.maxPayload`). */
export type Layer = Map<string, Setting>;

/** How a setting is named in messages: `SWITCHYARD_PORT`, `--port`, `port in /etc/switchyard.json`. */
export function describeSetting(setting: Pick<Setting, 'name' | 'file'>, suffix = ''): string {
  return setting.file === undefined ? `${setting.name}${suffix}` : `${setting.name}${suffix} in ${setting.file}`;
}

function check(spec: OptionSpec, schema: z.ZodType, value: unknown, name: string, source: ConfigSource): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(name, firstIssue(result.error).problem, {
    path: spec.target ?? spec.key,
    source,
    cause: result.error,
  });
}

function readText(path: string, name: string, spec?: OptionSpec, source?: ConfigSource): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(name, `cannot read ${path} (${code})`, { path: spec?.key, source, cause: error });
  }
}

function targetSpec(spec: OptionSpec): OptionSpec {
  return OPTION_SPECS.find((s) => s.key === (spec.target ?? spec.key)) ?? spec;
}

/** Reads the file(s) a `readsFile` option points at and checks the content as the target's value. */
function readReferencedFiles(
  spec: OptionSpec,
  value: unknown,
  base: string,
  name: string,
  source: ConfigSource,
): unknown {
  const target = targetSpec(spec);
  const load = (path: string, label: string): string => {
    const raw = readText(resolve(base, path), label, spec, source);
    // Secret files usually end with a newline that is not part of the secret; PEM keeps its own.
    const content = target.type === pem ? raw : raw.replace(/\r?\n$/, '');
    return check(target, target.type.schema, target.type.fromString(content), `${label} (${path})`, source) as string;
  };
  if (typeof value === 'string') return load(value, name);
  return Object.fromEntries(
    Object.entries(value as Record<string, string>).map(([kid, path]) => [kid, load(path, `${name}.${kid}`)]),
  );
}

function put(layer: Layer, spec: OptionSpec, setting: Setting): void {
  const path = spec.target ?? spec.key;
  const previous = layer.get(path);
  if (previous !== undefined) {
    throw new ConfigError(`${describeSetting(previous)} and ${describeSetting(setting)}`, 'set only one of them', {
      path,
      source: setting.source,
    });
  }
  layer.set(path, setting);
}

/** Settings from `SWITCHYARD_*` variables. Empty values count as unset. */
export function envLayer(env: Readonly<Record<string, string | undefined>>, cwd: string): Layer {
  const layer: Layer = new Map();
  for (const spec of OPTION_SPECS) {
    const raw = env[spec.env];
    if (raw === undefined || raw.trim() === '') continue;
    let value = check(spec, spec.type.schema, spec.type.fromString(raw), spec.env, 'env');
    if (spec.readsFile === true) value = readReferencedFiles(spec, value, cwd, spec.env, 'env');
    put(layer, spec, { value, name: spec.env, source: 'env' });
  }
  return layer;
}

/** `parseArgs` descriptors of every config flag, for commands to merge into their own. */
export const CONFIG_FLAG_OPTIONS: Readonly<Record<string, { type: 'string' }>> = Object.fromEntries([
  [CONFIG_FILE_SPEC.flag, { type: 'string' }],
  ...OPTION_SPECS.map((spec) => [spec.flag, { type: 'string' }] as const),
]);

function flagValues(argv: readonly string[]): Record<string, string | boolean | undefined> {
  // Not strict: commands add their own flags; they parse argv strictly themselves.
  const { values } = parseArgs({
    args: [...argv],
    options: CONFIG_FLAG_OPTIONS,
    strict: false,
    allowPositionals: true,
  });
  const result: Record<string, string | boolean | undefined> = {};
  for (const [name, value] of Object.entries(values)) {
    result[name] = Array.isArray(value) ? (value.at(-1) as string | boolean | undefined) : value;
  }
  return result;
}

/** Settings from command-line flags (`--port 9001`, `--max-payload=65536`). Empty values count as unset. */
export function flagLayer(argv: readonly string[], cwd: string): Layer {
  const values = flagValues(argv);
  const layer: Layer = new Map();
  for (const spec of OPTION_SPECS) {
    const raw = values[spec.flag];
    const name = `--${spec.flag}`;
    if (raw === undefined) continue;
    if (typeof raw !== 'string') throw new ConfigError(name, 'expected a value', { path: spec.key, source: 'flag' });
    if (raw.trim() === '') continue;
    let value = check(spec, spec.type.schema, spec.type.fromString(raw), name, 'flag');
    if (spec.readsFile === true) value = readReferencedFiles(spec, value, cwd, name, 'flag');
    put(layer, spec, { value, name, source: 'flag' });
  }
  return layer;
}

/** The config file named by `--config` or `SWITCHYARD_CONFIG`, as an absolute path and how it was named. */
export function configFilePath(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): { path: string; name: string } | undefined {
  const flag = flagValues(argv)[CONFIG_FILE_SPEC.flag];
  if (flag !== undefined && typeof flag !== 'string')
    throw new ConfigError(`--${CONFIG_FILE_SPEC.flag}`, 'expected a file path');
  if (typeof flag === 'string' && flag.trim() !== '')
    return { path: resolve(cwd, flag), name: `--${CONFIG_FILE_SPEC.flag}` };
  const fromEnv = env[CONFIG_FILE_SPEC.env];
  if (fromEnv !== undefined && fromEnv.trim() !== '')
    return { path: resolve(cwd, fromEnv), name: CONFIG_FILE_SPEC.env };
  return undefined;
}

/** Settings from a JSON config file. Relative paths inside it are relative to the file. */
export function fileLayer(file: { path: string; name: string }): { layer: Layer; rooms: unknown } {
  const text = readText(file.path, file.name);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file.name, `${file.path} is not valid JSON (${(error as Error).message})`, {
      source: 'file',
      cause: error,
    });
  }
  const result = CONFIG_FILE_SCHEMA.safeParse(json);
  if (!result.success) {
    const { path, problem } = firstIssue(result.error);
    throw new ConfigError(`${path || '(root)'} in ${file.path}`, problem, {
      path,
      source: 'file',
      cause: result.error,
    });
  }
  const layer: Layer = new Map();
  for (const spec of OPTION_SPECS) {
    let value = getPath(result.data, spec.key);
    if (value === undefined) continue;
    const setting = { name: spec.key, file: file.path, source: 'file' } as const;
    if (spec.readsFile === true)
      value = readReferencedFiles(spec, value, dirname(file.path), describeSetting(setting), 'file');
    put(layer, spec, { ...setting, value });
  }
  return { layer, rooms: getPath(result.data, 'rooms') };
}
