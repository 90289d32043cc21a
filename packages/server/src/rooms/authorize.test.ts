import { describe, expect, it } from 'vitest';
import { createRoomMatcher } from './authorize.js';

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
