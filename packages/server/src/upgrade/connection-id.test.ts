import { describe, expect, it } from 'vitest';
import { ConnectionIds } from './connection-id.js';

describe('ConnectionIds', () => {
  it('never repeats an id within a source', () => {
    const ids = new ConnectionIds();
    const seen = new Set(Array.from({ length: 10_000 }, () => ids.next()));
    expect(seen.size).toBe(10_000);
  });

  it('gives two sources different ids (random prefix), short and URL-safe', () => {
    const a = new ConnectionIds().next();
    const b = new ConnectionIds().next();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{12}-1$/);
  });
});
