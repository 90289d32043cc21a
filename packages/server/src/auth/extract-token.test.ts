import { describe, expect, it } from 'vitest';
import { extractToken, type UpgradeCredentials } from './extract-token.js';

const none: UpgradeCredentials = { authorization: '', protocols: '', query: '' };
const on = { allowQueryToken: true };
const off = { allowQueryToken: false };

describe('extractToken', () => {
  it('returns undefined when no source carries a token', () => {
    expect(extractToken(none, on)).toBeUndefined();
    expect(
      extractToken({ authorization: 'Bearer ', protocols: 'switchyard.bearer.', query: 'token=' }, on),
    ).toBeUndefined();
  });

  it('reads a Bearer header, case-insensitively, ignoring other schemes', () => {
    expect(extractToken({ ...none, authorization: 'Bearer abc.def.ghi' }, off)).toBe('abc.def.ghi');
    expect(extractToken({ ...none, authorization: 'bearer  abc.def.ghi ' }, off)).toBe('abc.def.ghi');
    expect(extractToken({ ...none, authorization: 'Basic dXNlcjpwYXNz' }, off)).toBeUndefined();
    expect(extractToken({ ...none, authorization: 'Bearer a b' }, off)).toBeUndefined();
  });

  it('reads a switchyard.bearer.<jwt> subprotocol entry', () => {
    const protocols = 'switchyard.v1.json, switchyard.bearer.abc.def.ghi';
    expect(extractToken({ ...none, protocols }, off)).toBe('abc.def.ghi');
  });

  it('reads ?token= only when allowed, URL-decoded, with or without the leading ?', () => {
    expect(extractToken({ ...none, query: 'room=x&token=abc%2Edef.ghi' }, on)).toBe('abc.def.ghi');
    expect(extractToken({ ...none, query: '?token=abc' }, on)).toBe('abc');
    expect(extractToken({ ...none, query: 'token=abc' }, off)).toBeUndefined();
  });

  it('reads the query token exactly as URLSearchParams does', () => {
    const queries = [
      'token=a.b.c',
      'room=x&token=a.b.c&token=second',
      'tokens=x&token=y',
      'xtoken=x',
      'token',
      'token&token=y',
      'a=1&&token=y&',
      'token==x',
      '=&token=z',
      'token=a%2Eb',
      'token=a+b',
      '%74oken=enc',
      'room=a+b&token=t',
      '&',
      'token=',
    ];
    for (const query of queries) {
      const expected = new URLSearchParams(query).get('token');
      expect(extractToken({ ...none, query }, on), query).toBe(
        expected === null || expected === '' ? undefined : expected,
      );
    }
  });

  it('prefers the header, then the subprotocol, then the query', () => {
    const all = {
      authorization: 'Bearer from-header',
      protocols: 'switchyard.bearer.from-protocol',
      query: 'token=from-query',
    };
    expect(extractToken(all, on)).toBe('from-header');
    expect(extractToken({ ...all, authorization: '' }, on)).toBe('from-protocol');
    expect(extractToken({ ...all, authorization: '', protocols: '' }, on)).toBe('from-query');
  });
});
