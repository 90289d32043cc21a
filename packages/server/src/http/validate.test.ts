import { describe, expect, it } from 'vitest';
import { RoomRules } from '../protection/room-rules.js';
import { HttpApiError } from './http-error.js';
import { parseDisconnect, parseJsonBody, parsePublish } from './validate.js';

const rules = new RoomRules({ maxRoomNameLength: 32, maxRoomsPerConnection: 10 });
const enc = (s: string) => new TextEncoder().encode(s);

function error(fn: () => unknown): HttpApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpApiError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('parseJsonBody', () => {
  it('parses JSON and treats an empty body as undefined', () => {
    expect(parseJsonBody(enc('{"a":1}'))).toEqual({ a: 1 });
    expect(parseJsonBody(new Uint8Array(0))).toBeUndefined();
    expect(parseJsonBody(enc('  \n'))).toBeUndefined();
  });
  it('400 on bad JSON or bad UTF-8', () => {
    expect(error(() => parseJsonBody(enc('{nope'))).message).toMatch(/not valid JSON/);
    expect(error(() => parseJsonBody(new Uint8Array([0x7b, 0xff, 0x7d]))).message).toMatch(/UTF-8/);
  });
});

describe('parsePublish', () => {
  it('accepts { room, event, data, key? }', () => {
    expect(parsePublish({ room: 'r', event: 'e', data: { x: 1 } }, rules)).toEqual({
      room: 'r',
      event: 'e',
      data: { x: 1 },
    });
    expect(parsePublish({ room: 'r', event: 'e', data: 1, key: 'k' }, rules)).toEqual({
      room: 'r',
      event: 'e',
      data: 1,
      key: 'k',
    });
    expect(parsePublish({ room: 'r', event: 'e' }, rules)).toEqual({ room: 'r', event: 'e', data: undefined });
  });
  it.each([
    [[], /JSON object/],
    [null, /JSON object/],
    [{ event: 'e' }, /room/],
    [{ room: 'bad room', event: 'e' }, /room name/],
    [{ room: 'r' }, /event/],
    [{ room: 'r', event: '' }, /event/],
    [{ room: 'r', event: 'x'.repeat(257) }, /event is longer/],
    [{ room: 'r', event: 'e', key: 5 }, /key/],
    [{ room: 'r', event: 'e', extra: 1 }, /unknown field "extra"/],
  ])('refuses %j', (body, message) => {
    const e = error(() => parsePublish(body, rules));
    expect(e.status).toBe(400);
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(message);
  });
});

describe('parsePublish data: the protocol payload check', () => {
  it('refuses prototype keys and deep nesting without recursion', () => {
    const publish = (data: unknown) => () => parsePublish({ room: 'r', event: 'e', data }, rules);
    expect(error(publish(JSON.parse('{"a":{"__proto__":{"x":1}}}'))).message).toBe(
      'data contains the forbidden key "__proto__"',
    );
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(error(publish(deep)).message).toMatch(/deeper/);
    expect(error(publish(deep)).status).toBe(400);
    expect(() => publish({ a: [1, { b: 'c' }], n: null })()).not.toThrow();
  });
});

describe('parseDisconnect', () => {
  it('accepts nothing or a 4xxx code', () => {
    expect(parseDisconnect(undefined)).toEqual({});
    expect(parseDisconnect({})).toEqual({});
    expect(parseDisconnect({ code: 4003 })).toEqual({ code: 4003 });
  });
  it('refuses other codes and fields', () => {
    expect(error(() => parseDisconnect({ code: 1000 })).status).toBe(400);
    expect(error(() => parseDisconnect({ code: 4000.5 })).status).toBe(400);
    expect(error(() => parseDisconnect({ reason: 'x' })).status).toBe(400);
    expect(error(() => parseDisconnect('x')).status).toBe(400);
    expect(error(() => parseDisconnect({ code: 1000 })).message).toBe('code must be an integer between 4000 and 4999');
    expect(error(() => parseDisconnect({ reason: 'x' })).message).toBe('unknown field "reason"; allowed: code');
    expect(error(() => parseDisconnect([])).message).toBe('body must be empty or a JSON object { code? }');
  });
});
