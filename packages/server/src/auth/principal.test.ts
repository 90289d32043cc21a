import { describe, expect, it } from 'vitest';
import { anonymousPrincipal } from './principal.js';

describe('anonymousPrincipal', () => {
  it('gives each connection its own frozen anonymous user', () => {
    const a = anonymousPrincipal('c1');
    expect(a).toEqual({ userId: 'anonymous:c1', claims: { anonymous: true } });
    expect(anonymousPrincipal('c2').userId).not.toBe(a.userId);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.claims)).toBe(true);
    expect(a.rooms).toBeUndefined();
  });
});
