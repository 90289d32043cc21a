import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { DEFAULT_ROOM_POLICY, RoomPolicies, compileRoomPattern } from './room-policy.js';
import type { SlowConsumerPolicy } from '../config/options.js';

describe('compileRoomPattern', () => {
  it('* matches any run of characters, including none and slashes', () => {
    const re = compileRoomPattern('ticker:*');
    expect(re.test('ticker:')).toBe(true);
    expect(re.test('ticker:BTC-USD')).toBe(true);
    expect(re.test('ticker:a/b')).toBe(true);
    expect(re.test('xticker:a')).toBe(false);
  });

  it('treats regex metacharacters literally', () => {
    const re = compileRoomPattern('a.b+(c)');
    expect(re.test('a.b+(c)')).toBe(true);
    expect(re.test('aXb+(c)')).toBe(false);
    expect(re.test('a.bb(c)')).toBe(false);
  });

  it('supports * in the middle and several stars', () => {
    const re = compileRoomPattern('org/*/chat/*');
    expect(re.test('org/42/chat/general')).toBe(true);
    expect(re.test('org/42/feed/general')).toBe(false);
    expect(compileRoomPattern('*').test('anything at all')).toBe(true);
  });

  it('anchors both ends and never lets two literal parts overlap', () => {
    expect(compileRoomPattern('ab*ba').test('aba')).toBe(false);
    expect(compileRoomPattern('ab*ba').test('abba')).toBe(true);
    expect(compileRoomPattern('a*b*c').test('abcbc')).toBe(true);
    expect(compileRoomPattern('a*b*c').test('acb')).toBe(false);
    expect(compileRoomPattern('**x**').test('yxy')).toBe(true);
    expect(compileRoomPattern('x').test('xx')).toBe(false);
  });

  it('matches a hostile pattern against a long name without catastrophic backtracking', () => {
    // As a backtracking regular expression this takes about 15 s here (and hours with more stars).
    const pattern = compileRoomPattern(`*${'a*'.repeat(5)}b`);
    expect(pattern.test('a'.repeat(100))).toBe(false);
    expect(pattern.test(`${'a'.repeat(100)}b`)).toBe(true);
  }, 3_000);
});

describe('RoomPolicies', () => {
  it('uses defaults when nothing matches', () => {
    expect(new RoomPolicies().resolve('chat')).toEqual(DEFAULT_ROOM_POLICY);
    expect(DEFAULT_ROOM_POLICY.slowConsumer).toBe('close');
  });

  it('the first matching pattern wins and unset fields take defaults', () => {
    const p = new RoomPolicies([
      { pattern: 'ticker:BTC*', slowConsumer: 'drop' },
      { pattern: 'ticker:*', slowConsumer: 'latest', clientPublish: true },
      { pattern: '*', presence: false },
    ]);
    // Client publishing is off unless a policy opens it.
    expect(p.resolve('ticker:BTC-USD')).toEqual({ slowConsumer: 'drop', clientPublish: false, presence: true });
    expect(p.resolve('ticker:ETH-USD')).toEqual({ slowConsumer: 'latest', clientPublish: true, presence: true });
    expect(p.resolve('chat')).toEqual({ slowConsumer: 'close', clientPublish: false, presence: false });
  });

  it('returns the same answer after the cache overflows', () => {
    const p = new RoomPolicies([{ pattern: 'a*', slowConsumer: 'latest' }]);
    for (let i = 0; i < 25_000; i++) p.resolve(`b${i}`);
    expect(p.resolve('a1').slowConsumer).toBe('latest');
    expect(p.resolve('b1').slowConsumer).toBe('close');
  });

  it('refuses invalid policies at construction', () => {
    expect(() => new RoomPolicies([{ pattern: '' }])).toThrow(ConfigError);
    expect(() => new RoomPolicies([{ pattern: 'x', slowConsumer: 'bogus' as SlowConsumerPolicy }])).toThrow(
      /slowConsumer/,
    );
  });
});
