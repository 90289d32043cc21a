import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeReplyJson } from './reply-json.js';

const reply = (id: number, data?: unknown) =>
  data === undefined ? ({ t: 'reply', id, ok: true } as const) : ({ t: 'reply', id, ok: true, data } as const);

describe('encodeReplyJson', () => {
  it('writes exactly what JSON.stringify writes for the envelope', () => {
    const data = fc.oneof(
      fc.jsonValue(),
      fc.anything(),
      fc.date(),
      fc.constant(undefined),
      fc.constant(() => 1),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff_ffff }), data, (id, value) => {
        const envelope = { t: 'reply', id, ok: true, data: value } as const;
        expect(encodeReplyJson(envelope)).toBe(JSON.stringify(envelope));
      }),
      { numRuns: 1_000 },
    );
  });

  it('omits data that serialises to nothing, as JSON.stringify does', () => {
    expect(encodeReplyJson(reply(3))).toBe('{"t":"reply","id":3,"ok":true}');
    expect(encodeReplyJson(reply(3, Symbol('s')))).toBe('{"t":"reply","id":3,"ok":true}');
    expect(encodeReplyJson(reply(3, { toJSON: () => undefined }))).toBe('{"t":"reply","id":3,"ok":true}');
  });

  it('writes the canonical field order whatever the object order', () => {
    expect(encodeReplyJson({ data: [1], ok: true, id: 9, t: 'reply' })).toBe(
      '{"t":"reply","id":9,"ok":true,"data":[1]}',
    );
  });

  it('throws for values JSON cannot carry, as before', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(() => encodeReplyJson(reply(1, cycle))).toThrow(TypeError);
    expect(() => encodeReplyJson(reply(1, { n: 1n }))).toThrow(TypeError);
  });

  it('falls back to JSON.stringify for an id that is not an integer', () => {
    expect(encodeReplyJson({ t: 'reply', id: Number.NaN, ok: true, data: 1 })).toBe(
      '{"t":"reply","id":null,"ok":true,"data":1}',
    );
  });
});
