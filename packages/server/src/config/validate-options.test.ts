import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RoomRules } from '../protection/room-rules.js';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';
import { OPTION_SPECS, type OptionSpec } from './option-specs.js';
import { getPath, setPath } from './option-paths.js';
import { resolveOptions } from './resolve-options.js';
import { buildOptionsSchema, withDefaults } from './validate-options.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-validate-'));
let files = 0;

function thrown(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function nested(key: string, value: unknown): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  setPath(options, key, value);
  return options;
}

/** The error each way of setting `value` for `spec` ends in: createServer() options, file, environment, flag. */
function everyPath(spec: OptionSpec, value: number): Record<'option' | 'file' | 'env' | 'flag', ConfigError> {
  const file = join(dir, `bad-${files++}.json`);
  writeFileSync(file, JSON.stringify(nested(spec.key, value)));
  const load = (argv: string[], env: Record<string, string>) => () => loadConfig({ argv, env, cwd: dir });
  return {
    option: thrown(() => resolveOptions(nested(spec.key, value), { descriptorLimit: 1024 })),
    file: thrown(load(['--config', file], {})),
    env: thrown(load([], { [spec.env]: String(value) })),
    flag: thrown(load([`--${spec.flag}=${value}`], {})),
  };
}

const integers = OPTION_SPECS.filter((spec) => spec.type.range !== undefined && spec.readsFile !== true);

describe('one schema for createServer(), flags, environment and the config file', () => {
  it.each(integers.map((spec) => [spec.key, spec] as const))(
    '%s: every path refuses the same out-of-range values with the same message',
    (_key, spec) => {
      const { min, max } = spec.type.range as NonNullable<OptionSpec['type']['range']>;
      for (const bad of [min - 1, max + 1]) {
        if (bad === 0 && spec.type.range?.orZero === true) continue;
        const errors = everyPath(spec, bad);
        const problems = new Set(Object.values(errors).map((e) => e.problem));
        expect([...problems], `${spec.key}=${bad}`).toHaveLength(1);
        for (const [source, error] of Object.entries(errors)) {
          expect(error.path, source).toBe(spec.key);
          expect(error.source, spec.key).toBe(source);
          expect(error.cause, source).toBeDefined();
        }
        expect(errors.option.message).toBe(`${spec.key}: ${errors.env.problem}`);
        expect(errors.env.message).toBe(`${spec.env}: ${errors.env.problem}`);
      }
    },
  );

  it('refuses the same non-numbers and non-integers everywhere', () => {
    const spec = OPTION_SPECS.find((s) => s.key === 'limits.maxHttpBodyBytes') as OptionSpec;
    const errors = everyPath(spec, 1.5);
    expect(new Set(Object.values(errors).map((e) => e.problem))).toEqual(
      new Set(['expected an integer 1024-268435456']),
    );
    expect(thrown(() => resolveOptions({ limits: { maxHttpBodyBytes: 10 } })).message).toBe(
      'limits.maxHttpBodyBytes: expected an integer 1024-268435456',
    );
  });

  it('refuses unknown options in createServer() as the config file does', () => {
    const error = thrown(() => resolveOptions({ limits: { maxPaylod: 2048 } } as never));
    expect(error.message).toBe('limits.maxPaylod: unknown option');
    expect(error.source).toBe('option');
    const file = join(dir, 'typo.json');
    writeFileSync(file, JSON.stringify({ limits: { maxPaylod: 2048 } }));
    expect(thrown(() => loadConfig({ argv: ['--config', file], env: {}, cwd: dir })).message).toBe(
      `limits.maxPaylod in ${file}: unknown option`,
    );
  });

  it('checks room policies with the same messages in createServer() and the file', () => {
    const rooms = [{ pattern: 'a', slowConsumer: 'fast' }];
    expect(thrown(() => resolveOptions({ rooms } as never)).message).toBe(
      'rooms.0.slowConsumer: expected close, drop or latest',
    );
  });

  it('accepts the code-only options in createServer() and refuses them in the file', () => {
    expect(buildOptionsSchema('server').safeParse({ authorize: () => true, logger: {} }).success).toBe(true);
    expect(buildOptionsSchema('server').safeParse({ authorize: 'yes' }).success).toBe(false);
    expect(buildOptionsSchema('file').safeParse({ logger: {} }).success).toBe(false);
    expect(buildOptionsSchema('server').safeParse({ auth: { secretFile: '/x' } }).success).toBe(false);
  });
});

// Where the code reads 0 as "no limit", every path accepts 0 and the help text says what it means.
const ZERO_IS_OFF = [
  'limits.messagesPerSecond',
  'limits.maxRoomsPerConnection',
  'limits.maxConnections',
  'limits.maxConnectionsPerUser',
  'limits.maxConnectionsPerIp',
  'limits.idleTimeoutSec',
  'limits.requestTimeoutMs',
];

describe('0 means unlimited, consistently', () => {
  it.each(ZERO_IS_OFF)('%s = 0 is accepted by every path and documented', (key) => {
    const spec = OPTION_SPECS.find((s) => s.key === key) as OptionSpec;
    expect(spec.summary).toMatch(/\(0: /);
    const file = join(dir, `zero-${files++}.json`);
    writeFileSync(file, JSON.stringify(nested(key, 0)));
    const [group, name] = key.split('.') as [string, string];
    const read = (options: Record<string, unknown>): unknown => (options[group] as Record<string, unknown>)[name];
    expect(read(loadConfig({ argv: ['--config', file], env: {}, cwd: dir }) as never)).toBe(0);
    expect(read(loadConfig({ argv: [], env: { [spec.env]: '0' }, cwd: dir }) as never)).toBe(0);
    expect(read(loadConfig({ argv: [`--${spec.flag}`, '0'], env: {}, cwd: dir }) as never)).toBe(0);
    expect(read(resolveOptions(nested(key, 0), { descriptorLimit: 1024 }) as never)).toBe(0);
  });

  it('lets a connection join any number of rooms with maxRoomsPerConnection 0', () => {
    const rules = new RoomRules(resolveOptions({ limits: { maxRoomsPerConnection: 0 } }).limits);
    expect(rules.checkJoin('room', 1_000_000)).toBeUndefined();
    expect(new RoomRules(resolveOptions({}).limits).checkJoin('room', 100)?.code).toBe('LIMIT_EXCEEDED');
  });
});

describe('withDefaults', () => {
  it('fills every default from OPTION_SPECS without touching the caller object', () => {
    const options = { limits: { maxPayload: 2048 } };
    const filled = withDefaults(options) as unknown as { limits: Record<string, unknown>; port: number };
    expect(options).toEqual({ limits: { maxPayload: 2048 } });
    expect(filled.limits['maxPayload']).toBe(2048);
    expect(filled.port).toBe(9001);
    for (const spec of OPTION_SPECS) {
      if (spec.default !== undefined && spec.key !== 'limits.maxPayload')
        expect(getPath(filled, spec.key), spec.key).toEqual(spec.default);
    }
  });
});

describe('ConfigError', () => {
  it('names the key, the option path, the source, and keeps the cause', () => {
    const cause = new Error('low level');
    const error = new ConfigError('--max-payload', 'expected an integer 1024-268435456', {
      path: 'limits.maxPayload',
      source: 'flag',
      cause,
    });
    expect(error.message).toBe('--max-payload: expected an integer 1024-268435456');
    expect(error).toMatchObject({
      name: 'ConfigError',
      key: '--max-payload',
      path: 'limits.maxPayload',
      source: 'flag',
    });
    expect(error.cause).toBe(cause);
  });

  it('carries the zod error as the cause of a createServer() refusal', () => {
    const error = thrown(() => resolveOptions({ port: -1 }));
    expect(error).toMatchObject({ key: 'port', path: 'port', source: 'option' });
    expect((error.cause as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
  });
});
