import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { validateClientEnvelope, validateServerEnvelope } from './validate.js';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  throw new Error('expected a ProtocolError');
}

const limits = { maxPayload: 65_536, heartbeatMs: 25_000, maxRooms: 100, messagesPerSecond: 100 };

describe('validateClientEnvelope', () => {
  it('accepts every client kind', () => {
    const valid = [
      { t: 'event', event: 'typing', data: { room: 'a' } },
      { t: 'event', event: 'typing' },
      { t: 'request', id: 1, name: 'chat:send', data: null },
      { t: 'reply', id: 4_294_967_295, ok: true, data: [1, 'two'] },
      { t: 'reply', id: 2, ok: false, error: { code: 'NOT_FOUND', message: '' } },
      { t: 'join', id: 3, room: 'lobby', presence: true },
      { t: 'join', id: 3, room: 'stadium', presence: true, presenceCount: true },
      { t: 'join', id: 3, room: 'hist:lobby', since: { offset: 0, epoch: 'e1' } },
      { t: 'leave', id: 4, room: 'lobby' },
      { t: 'publish', room: 'lobby', event: 'msg', data: 'hi', id: 5 },
      { t: 'publish', room: 'lobby', event: 'msg' },
      { t: 'presence-get', id: 6, room: 'lobby' },
      { t: 'refresh', id: 7, token: 'a.b.c' },
      { t: 'ping', ts: 1.5 },
      { t: 'pong' },
    ];
    for (const envelope of valid) expect(validateClientEnvelope(envelope)).toEqual(envelope);
  });

  it('builds a fresh object and drops unknown fields', () => {
    const data = { x: 1 };
    const input = { t: 'publish', room: 'r', event: 'e', data, extra: 'ignored', toString: 'no' };
    const output = validateClientEnvelope(input);
    expect(output).not.toBe(input);
    expect(output).toStrictEqual({ t: 'publish', room: 'r', event: 'e', data });
    // The payload itself is passed through, not copied: it has already been checked.
    expect((output as { data: unknown }).data).toBe(data);
  });

  it('drops unknown fields of nested objects too', () => {
    const output = validateClientEnvelope({
      t: 'reply',
      id: 1,
      ok: false,
      error: { code: 'INTERNAL', message: 'm', stack: 'secret' },
    });
    expect(output).toStrictEqual({ t: 'reply', id: 1, ok: false, error: { code: 'INTERNAL', message: 'm' } });
  });

  it('ignores data on a failed reply and error on a successful one', () => {
    expect(
      validateClientEnvelope({ t: 'reply', id: 1, ok: true, error: { code: 'INTERNAL', message: 'm' } }),
    ).toStrictEqual({ t: 'reply', id: 1, ok: true });
    expect(
      validateClientEnvelope({ t: 'reply', id: 1, ok: false, data: 1, error: { code: 'INTERNAL', message: 'm' } }),
    ).toStrictEqual({
      t: 'reply',
      id: 1,
      ok: false,
      error: { code: 'INTERNAL', message: 'm' },
    });
  });

  it('treats undefined optional fields as absent', () => {
    expect(
      validateClientEnvelope({ t: 'publish', room: 'r', event: 'e', id: undefined, data: undefined }),
    ).toStrictEqual({ t: 'publish', room: 'r', event: 'e' });
  });

  it('accepts null, empty containers and mixed scalars at any level of data', () => {
    const data = { a: null, b: [null, [], {}, 0, '', false, { c: [null] }], d: -1.5 };
    expect(validateClientEnvelope({ t: 'event', event: 'e', data })).toEqual({ t: 'event', event: 'e', data });
    expect(validateClientEnvelope({ t: 'event', event: 'e', data: null })).toEqual({
      t: 'event',
      event: 'e',
      data: null,
    });
  });

  it('accepts null-prototype objects and binary payloads', () => {
    const input = Object.assign(Object.create(null) as object, { t: 'event', event: 'e', data: new Uint8Array([1]) });
    expect(validateClientEnvelope(input)).toEqual({ t: 'event', event: 'e', data: new Uint8Array([1]) });
  });

  it('refuses values no decoder produces', () => {
    expect(codeOf(() => validateClientEnvelope(new Map([['t', 'ping']])))).toBe('NOT_AN_OBJECT');
    expect(
      codeOf(() =>
        validateClientEnvelope(
          new (class Ping {
            t = 'ping';
          })(),
        ),
      ),
    ).toBe('NOT_AN_OBJECT');
    expect(codeOf(() => validateClientEnvelope(undefined))).toBe('NOT_AN_OBJECT');
    expect(codeOf(() => validateClientEnvelope({ t: 'event', event: 'e', data: () => 1 }))).toBe('INVALID_FIELD');
    expect(codeOf(() => validateClientEnvelope({ t: 'event', event: 'e', data: [new Date()] }))).toBe('INVALID_FIELD');
    expect(codeOf(() => validateClientEnvelope({ t: 'event', event: 'e', data: 1n }))).toBe('INVALID_FIELD');
    expect(codeOf(() => validateClientEnvelope({ t: 'event', event: 'e', data: Symbol('s') }))).toBe('INVALID_FIELD');
  });

  it('never reads fields from the prototype chain', () => {
    const input = Object.create({ t: 'ping' }) as object;
    expect(codeOf(() => validateClientEnvelope(input))).toBe('NOT_AN_OBJECT');
    const inherited = Object.assign(Object.create(null) as object, { t: 'join', room: 'r' });
    expect(codeOf(() => validateClientEnvelope(inherited))).toBe('MISSING_FIELD');
  });

  it('bounds data depth, configurable', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 64; i++) deep = [deep];
    expect(validateClientEnvelope({ t: 'event', event: 'e', data: deep })).toEqual({
      t: 'event',
      event: 'e',
      data: deep,
    });
    expect(codeOf(() => validateClientEnvelope({ t: 'event', event: 'e', data: [deep] }))).toBe('TOO_DEEP');
    expect(
      codeOf(() => validateClientEnvelope({ t: 'event', event: 'e', data: { a: { b: 1 } } }, { maxDepth: 1 })),
    ).toBe('TOO_DEEP');
    expect(validateClientEnvelope({ t: 'event', event: 'e', data: { a: 1 } }, { maxDepth: 1 })).toEqual({
      t: 'event',
      event: 'e',
      data: { a: 1 },
    });
  });

  it('handles a 1,000,000-deep value without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(codeOf(() => validateClientEnvelope({ t: 'event', event: 'e', data: deep }))).toBe('TOO_DEEP');
    expect(validateClientEnvelope({ t: 'event', event: 'e', data: deep }, { maxDepth: 2_000_000 }).t).toBe('event');
  });

  it('measures names in UTF-16 code units', () => {
    expect(validateClientEnvelope({ t: 'event', event: 'é'.repeat(256) })).toEqual({
      t: 'event',
      event: 'é'.repeat(256),
    });
    expect(codeOf(() => validateClientEnvelope({ t: 'event', event: '😀'.repeat(129) }))).toBe('INVALID_FIELD');
  });

  it('checks join.since and keeps only its documented fields', () => {
    const join = (since: unknown) => validateClientEnvelope({ t: 'join', id: 1, room: 'r', since });
    expect(join({ offset: 7, epoch: 'e', extra: 1 })).toStrictEqual({
      t: 'join',
      id: 1,
      room: 'r',
      since: { offset: 7, epoch: 'e' },
    });
    for (const bad of [
      7,
      'e',
      [],
      null,
      { offset: -1, epoch: 'e' },
      { offset: 1.5, epoch: 'e' },
      { offset: '1', epoch: 'e' },
      { offset: 2 ** 53, epoch: 'e' },
      { offset: 1, epoch: '' },
      { offset: 1, epoch: 5 },
      { offset: 1, epoch: 'x'.repeat(257) },
    ]) {
      expect(codeOf(() => join(bad))).toBe('INVALID_FIELD');
    }
    expect(codeOf(() => join({ epoch: 'e' }))).toBe('MISSING_FIELD');
    expect(codeOf(() => join({ offset: 1 }))).toBe('MISSING_FIELD');
  });

  it('refuses non-finite numbers where numbers are fields', () => {
    expect(codeOf(() => validateClientEnvelope({ t: 'ping', ts: Number.NaN }))).toBe('INVALID_FIELD');
    expect(codeOf(() => validateClientEnvelope({ t: 'ping', ts: Number.POSITIVE_INFINITY }))).toBe('INVALID_FIELD');
  });
});

describe('validateServerEnvelope', () => {
  it('accepts every server kind', () => {
    const valid = [
      { t: 'welcome', v: 1, connectionId: 'c1', userId: 'u1', expiresAt: 1_700_000_000_000, limits },
      { t: 'welcome', v: 1, connectionId: 'c1', userId: 'u1', limits },
      { t: 'request', id: 9, name: 'client:confirm', data: { n: 1 } },
      { t: 'reply', id: 9, ok: true },
      { t: 'reply', id: 9, ok: false, error: { code: 'RATE_LIMITED', message: 'slow down' } },
      { t: 'push', event: 'message', data: { text: 'hi' } },
      { t: 'push', event: 'message', data: 1, room: 'lobby', offset: 42, epoch: 'e1' },
      { t: 'presence', room: 'lobby', change: 'join', userId: 'u2', connections: 1 },
      { t: 'presence', room: 'lobby', change: 'leave', userId: 'u2', connections: 0 },
      { t: 'presence', room: 'stadium', change: 'count', count: 4000 },
      { t: 'notice', code: 'GAP', room: 'lobby', missed: 12, message: 'dropped' },
      { t: 'notice', code: 'GAP', room: 'hist:lobby', missed: 3, offset: 40 },
      { t: 'notice', code: 'SHUTDOWN' },
      { t: 'notice', code: 'ROOM_REVOKED', room: 'lobby', message: 'revoked' },
      { t: 'ping' },
      { t: 'pong', ts: 3 },
    ];
    for (const envelope of valid) expect(validateServerEnvelope(envelope)).toEqual(envelope);
  });

  it('checks welcome limits', () => {
    expect(
      codeOf(() =>
        validateServerEnvelope({
          t: 'welcome',
          v: 1,
          connectionId: 'c',
          userId: 'u',
          limits: { ...limits, maxPayload: -1 },
        }),
      ),
    ).toBe('INVALID_FIELD');
    expect(
      codeOf(() =>
        validateServerEnvelope({ t: 'welcome', v: 1, connectionId: 'c', userId: 'u', limits: { maxPayload: 1 } }),
      ),
    ).toBe('MISSING_FIELD');
    expect(
      codeOf(() => validateServerEnvelope({ t: 'welcome', v: 1, connectionId: 'c', userId: 'u', limits: [] })),
    ).toBe('INVALID_FIELD');
    const extra = validateServerEnvelope({
      t: 'welcome',
      v: 1,
      connectionId: 'c',
      userId: 'u',
      limits: { ...limits, future: 1 },
    });
    expect(extra).toStrictEqual({ t: 'welcome', v: 1, connectionId: 'c', userId: 'u', limits });
  });

  it('checks the GAP notice offset', () => {
    for (const offset of [-1, 0.5, '3', null]) {
      expect(codeOf(() => validateServerEnvelope({ t: 'notice', code: 'GAP', room: 'r', offset }))).toBe(
        'INVALID_FIELD',
      );
    }
  });

  it('refuses client-only kinds', () => {
    for (const t of ['event', 'join', 'leave', 'publish', 'presence-get', 'refresh']) {
      expect(codeOf(() => validateServerEnvelope({ t }))).toBe('WRONG_DIRECTION');
    }
  });
});
