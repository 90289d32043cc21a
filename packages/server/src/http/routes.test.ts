import { describe, expect, it } from 'vitest';
import { HttpApiError } from './http-error.js';
import { matchRoute } from './routes.js';

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof HttpApiError ? e.status : -1;
  }
  return undefined;
}

describe('matchRoute', () => {
  it('recognises the four calls', () => {
    expect(matchRoute('POST', '/v1/publish')).toEqual({ kind: 'publish' });
    expect(matchRoute('get', '/v1/rooms')).toEqual({ kind: 'rooms' });
    expect(matchRoute('POST', '/v1/users/u%201/disconnect')).toEqual({ kind: 'disconnect', userId: 'u 1' });
    expect(matchRoute('GET', '/v1/rooms/org%2F42/presence')).toEqual({ kind: 'presence', room: 'org/42' });
    expect(matchRoute('GET', '/v1/rooms/org/42/presence')).toEqual({ kind: 'presence', room: 'org/42' });
  });

  it('404 for unknown paths, 405 with allow for the wrong method, 400 for bad encoding', () => {
    expect(statusOf(() => matchRoute('GET', '/v1/nope'))).toBe(404);
    expect(statusOf(() => matchRoute('POST', '/v1/users//disconnect'))).toBe(404);
    expect(statusOf(() => matchRoute('GET', '/v1/publish'))).toBe(405);
    expect(statusOf(() => matchRoute('DELETE', '/v1/rooms'))).toBe(405);
    expect(statusOf(() => matchRoute('GET', '/v1/rooms/%E0%A4%A/presence'))).toBe(400);
    expect(() => matchRoute('GET', '/v1/publish')).toThrow(expect.objectContaining({ headers: { allow: 'POST' } }));
  });
});
