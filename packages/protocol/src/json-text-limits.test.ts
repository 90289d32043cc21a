import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonTextWithinLimits } from './json-text-limits.js';
import { checkPayload } from './payload.js';

const nested = (depth: number, inner = '1'): string => '['.repeat(depth) + inner + ']'.repeat(depth);

describe('jsonTextWithinLimits', () => {
  it('never vouches for a text whose parsed value the payload walk refuses', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'proto', 'a'));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', maxDepth: 8 },
        fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(key, tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    // Escaping some characters as \uXXXX spells the same keys another way.
    const escapeSome = (text: string, mask: number): string =>
      text.replace(/[a-z_]/g, (char, at: number) =>
        (mask >> (at % 16)) & 1 ? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}` : char,
      );
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 8 }), fc.nat(0xffff), (data, maxDepth, mask) => {
        for (const text of [JSON.stringify(data), escapeSome(JSON.stringify(data), mask)]) {
          let refused = false;
          try {
            checkPayload(JSON.parse(text), maxDepth);
          } catch {
            refused = true;
          }
          if (refused) expect(jsonTextWithinLimits(text, maxDepth)).toBe(false);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('vouches for ordinary frames within the depth limit', () => {
    expect(jsonTextWithinLimits('{"t":"request","id":1,"name":"echo","data":{"text":"hi"}}', 2)).toBe(true);
    expect(jsonTextWithinLimits(nested(64), 64)).toBe(true);
    expect(jsonTextWithinLimits('"no containers at all"', 0)).toBe(true);
  });

  it('does not vouch for more brackets than the limit, even inside strings', () => {
    expect(jsonTextWithinLimits(nested(65), 64)).toBe(false);
    expect(jsonTextWithinLimits('{"a":"[[[["}', 4)).toBe(false);
    expect(jsonTextWithinLimits('{"a":{"b":[1]}}', 2)).toBe(false);
  });

  it('does not vouch for texts that could spell a forbidden key', () => {
    for (const text of [
      '{"__proto__":1}',
      '{"constructor":1}',
      '{"prototype":1}',
      '{"\\u005f_proto__":1}',
      '{"a":"proto"}',
    ]) {
      expect(jsonTextWithinLimits(text, 64)).toBe(false);
    }
  });
});
