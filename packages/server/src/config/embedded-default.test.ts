import { describe, expect, it } from 'vitest';
import { createTokenVerifier, signToken } from '../auth/index.js';
import { loadConfigDetailed } from './load-config.js';
import { isLoopbackHost, planServe } from './embedded-default.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const loaded = (argv: string[], env: Record<string, string> = {}) => loadConfigDetailed({ argv, env, cwd: '/' });

describe('planServe', () => {
  it('generates a usable HS256 secret and binds loopback when no key is configured', () => {
    const plan = planServe(loaded([]));
    expect(plan.ephemeralSecret).toMatch(/^[\w-]{43}$/);
    expect(plan.options.host).toBe('127.0.0.1');
    expect(plan.options.port).toBe(9001);
    expect(plan.notices).toEqual([]);
    const secret = plan.ephemeralSecret as string;
    const token = signToken({ sub: 'demo', rooms: ['*'] }, { secret, expiresIn: '1h' });
    expect(createTokenVerifier(plan.options.auth ?? {}).verify(token).userId).toBe('demo');
  });

  it('generates a different secret each run', () => {
    expect(planServe(loaded([])).ephemeralSecret).not.toBe(planServe(loaded([])).ephemeralSecret);
  });

  it('refuses a public host without a key, and says so naming the setting', () => {
    const plan = planServe(loaded(['--host', '0.0.0.0']));
    expect(plan.options.host).toBe('127.0.0.1');
    expect(plan.notices).toHaveLength(1);
    expect(plan.notices[0]).toMatch(/^--host=0\.0\.0\.0 ignored: without a configured JWT key/);
  });

  it('keeps a loopback host without a key', () => {
    expect(planServe(loaded(['--host', '::1'])).options.host).toBe('::1');
  });

  it('passes options through untouched when a key is configured', () => {
    const from = loaded(['--host', '0.0.0.0'], { SWITCHYARD_JWT_SECRET: SECRET });
    const plan = planServe(from);
    expect(plan.options).toBe(from.options);
    expect(plan.ephemeralSecret).toBeUndefined();
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['example.com', false],
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
