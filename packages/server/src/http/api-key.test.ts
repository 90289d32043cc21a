import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { ApiKeyCheck, bearer } from './api-key.js';

describe('bearer', () => {
  it('extracts the credential of a Bearer header, any scheme case', () => {
    expect(bearer('Bearer abc.def')).toBe('abc.def');
    expect(bearer('bearer   abc ')).toBe('abc');
  });
  it('refuses other shapes', () => {
    for (const h of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'abc'])
      expect(bearer(h)).toBeUndefined();
  });
});

describe('ApiKeyCheck', () => {
  const check = new ApiKeyCheck('s3cret-key');
  it('accepts the right key only', () => {
    expect(check.verify('Bearer s3cret-key')).toBe(true);
    expect(check.verify('Bearer s3cret-kez')).toBe(false);
    expect(check.verify('Bearer s3cret-key-longer')).toBe(false);
    expect(check.verify('Bearer s3cret')).toBe(false);
    expect(check.verify('s3cret-key')).toBe(false);
    expect(check.verify(undefined)).toBe(false);
  });
  it('an empty configured key is refused at construction', () => {
    expect(() => new ApiKeyCheck('')).toThrow(ConfigError);
  });
});
