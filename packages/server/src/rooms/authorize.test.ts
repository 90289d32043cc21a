import { describe, expect, it } from 'vitest';
import { ClaimMatchers, createRoomMatcher } from './authorize.js';

describe('createRoomMatcher', () => {
  it('matches exact names and * runs; no claim allows all, an empty claim none', () => {
    const m = createRoomMatcher(['lobby', 'chat:*', 'org/*/news']);
    expect(['lobby', 'chat:', 'chat:1', 'chat:a:b', 'org/42/news'].every(m)).toBe(true);
    expect(['lobby2', 'chat', 'org/42/new', 'xchat:1'].some(m)).toBe(false);
    expect(createRoomMatcher(undefined)('anything')).toBe(true);
    expect(createRoomMatcher([])('lobby')).toBe(false);
    expect(createRoomMatcher(['a.c'])('abc')).toBe(false);
  });

  it('checks a hostile rooms claim against a client-chosen name without catastrophic backtracking', () => {
    const m = createRoomMatcher([`chat:*${':*'.repeat(5)}!`]);
    expect(m(`chat:${':'.repeat(100)}`)).toBe(false);
  }, 3_000);
});

describe('ClaimMatchers', () => {
  it('keeps a connection’s matcher while its claim is the same array, and follows a new one', () => {
    const none = () => false;
    const matchers = new ClaimMatchers<object>(none);
    const conn = {};
    expect(matchers.of(conn, undefined)).toBe(none);
    const claim = ['chat:*'];
    const first = matchers.of(conn, claim);
    expect(matchers.of(conn, claim)).toBe(first);
    expect(first('chat:lobby')).toBe(true);
    const refreshed = matchers.of(conn, ['news']);
    expect(refreshed).not.toBe(first);
    expect([refreshed('news'), refreshed('chat:lobby')]).toEqual([true, false]);
  });
});
