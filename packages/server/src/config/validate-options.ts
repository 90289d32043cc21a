import { z } from 'zod';
import type { ServerOptions } from './options.js';
import { ConfigError, optionError, type ConfigSource } from './config-error.js';
import { OPTION_SPECS, type OptionSpec } from './option-specs.js';
import { getPath, setPath } from './option-paths.js';

/**
 * What a schema checks: `file` is the JSON config file (plus `*File` keys and `$schema`), `server`
 * is what `createServer()` accepts (plus the code-only options: app, logger, hooks, metrics sink, and the transport's: transport, server, path, perMessageDeflate).
 */
export type SchemaMode = 'file' | 'server';

const roomPolicy = z.strictObject({
  pattern: z
    .string({ error: 'expected a room pattern such as chat:*' })
    .min(1, { error: 'expected a room pattern such as chat:*' }),
  slowConsumer: z.enum(['close', 'drop', 'latest'], { error: 'expected close, drop or latest' }).optional(),
  clientPublish: z.boolean({ error: 'expected true or false' }).optional(),
  presence: z.boolean({ error: 'expected true or false' }).optional(),
  history: z
    .strictObject(
      {
        size: z.number().int().min(1).max(100_000, { error: 'expected an integer 1-100000' }),
        ttlSec: z.number().int().min(1).max(604_800, { error: 'expected an integer 1-604800' }),
      },
      { error: 'expected { "size": messages, "ttlSec": seconds }' },
    )
    .optional(),
});

const anObject = (what: string): z.ZodType =>
  z.custom((value) => typeof value === 'object' && value !== null, { error: `expected ${what}` });

// Options only code can pass: checked for their kind, never for their content.
const CODE_ONLY: Readonly<Record<string, z.ZodType>> = {
  app: anObject('a uWebSockets.js app'),
  logger: anObject('a pino logger'),
  metricsSink: anObject('a ServerMetrics implementation'),
  authorize: z.custom((value) => typeof value === 'function', { error: 'expected a function' }),
  transport: z.enum(['uws', 'ws'], { error: "expected 'uws' or 'ws'" }),
  server: anObject('a Node http.Server or https.Server'),
  path: z.string().startsWith('/', { error: "expected a path starting with '/'" }),
  perMessageDeflate: z.union([z.boolean(), anObject('ws permessage-deflate options')]),
};

function specSchema(spec: OptionSpec): z.ZodType {
  return (spec.fileSchema ?? spec.type.schema).optional();
}

/**
 * The one options schema, built from {@link OPTION_SPECS}: the same value checks, with the same
 * messages, for flags, environment, the config file and `createServer()`. Unknown keys are refused,
 * so a typo is an error rather than a silently ignored setting.
 */
export function buildOptionsSchema(mode: SchemaMode): z.ZodType {
  const top: Record<string, z.ZodType> = {};
  const groups = new Map<string, Record<string, z.ZodType>>();
  for (const spec of OPTION_SPECS) {
    // `*File` options are read by the CLI into their target; createServer() takes the value itself.
    if (mode === 'server' && spec.readsFile === true) continue;
    const [group, name] = spec.key.split('.') as [string, string | undefined];
    if (name === undefined) {
      top[group] = specSchema(spec);
    } else {
      const shape = groups.get(group) ?? {};
      shape[name] = specSchema(spec);
      groups.set(group, shape);
    }
  }
  for (const [group, shape] of groups) top[group] = z.strictObject(shape, { error: 'expected an object' }).optional();
  top['rooms'] = z.array(roomPolicy, { error: 'expected an array of room policies' }).optional();
  if (mode === 'file') {
    // Lets editors attach a JSON schema to the file; ignored.
    top['$schema'] = z.string().optional();
  } else {
    for (const [key, schema] of Object.entries(CODE_ONLY)) top[key] = schema.optional();
  }
  return z.strictObject(top, { error: 'expected a JSON object' });
}

/** The first problem of a failed parse: the option path it is about and what is wrong. */
export function firstIssue(error: z.ZodError): { path: string; problem: string } {
  const issue = error.issues[0];
  const path = (issue?.path ?? []).map(String);
  if (issue?.code === 'unrecognized_keys')
    return { path: [...path, issue.keys[0]].join('.'), problem: 'unknown option' };
  return { path: path.join('.'), problem: issue?.message ?? 'invalid value' };
}

/** A problem with a combination of options, found after each value passed its own check. */
export interface CombinationProblem {
  /** The option whose value the other options make unusable. */
  readonly path: string;
  readonly problem: string;
}

/**
 * Checks what no single value shows: `trustedProxyHeader` without `trustedProxies`, a metrics port
 * equal to the main port. `options` has every default filled in.
 */
export function combinationProblem(options: ServerOptions): CombinationProblem | undefined {
  if (options.trustedProxyHeader !== undefined && (options.trustedProxies ?? []).length === 0) {
    return {
      path: 'trustedProxyHeader',
      problem:
        'requires SWITCHYARD_TRUSTED_PROXIES (--trusted-proxies, trustedProxies): without it any client that ' +
        'reaches the server directly chooses its own IP and escapes the per-IP limit',
    };
  }
  const { port, metricsPort } = options;
  if (metricsPort !== undefined && metricsPort === port && port !== 0) {
    return { path: 'metricsPort', problem: `must differ from the main port (${String(port)})` };
  }
  return undefined;
}

/**
 * A copy of `options` with the default of every option that has one (from {@link OPTION_SPECS})
 * filled in, in the specs' order (the order `check-config` prints); other keys are kept as they are.
 */
export function withDefaults<T extends object>(options: T): T {
  const filled: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    const value = getPath(options, spec.key) ?? structuredClone(spec.default);
    if (value !== undefined) setPath(filled, spec.key, value);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const group = filled[key];
    // A group (auth, limits, redis) keeps the keys no spec names next to the filled ones.
    filled[key] = isGroup(group) && isGroup(value) ? { ...value, ...group } : value;
  }
  return filled as T;
}

function isGroup(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SERVER_SCHEMA = buildOptionsSchema('server');

/**
 * Validates `createServer()` options with the schema the CLI uses, and their combinations.
 * @returns the options with every default filled in
 * @throws ConfigError naming the option path (`limits.maxPayload`), with source `option` and the zod error as `cause`.
 */
export function validateServerOptions(options: ServerOptions): ServerOptions {
  const result = SERVER_SCHEMA.safeParse(options);
  const source: ConfigSource = 'option';
  if (!result.success) {
    const { path, problem } = firstIssue(result.error);
    throw new ConfigError(path || '(options)', problem, { path, source, cause: result.error });
  }
  // The parsed copy would drop nothing but lower-case the proxy header; keep the caller's objects (app, logger).
  const filled = withDefaults(options);
  const combination = combinationProblem(filled);
  if (combination !== undefined) throw optionError(combination.path, combination.problem, { source });
  return filled;
}
