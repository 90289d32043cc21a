import fc from 'fast-check';
import type { ClientEnvelope, ServerEnvelope } from '../envelope.js';
import { ErrorCode, NoticeCode } from '../error-codes.js';
import { FORBIDDEN_KEYS } from '../payload.js';

// Arbitrary valid envelopes, for round-trip property tests. Test-only: excluded from the build.

const FORBIDDEN_STRINGS = [...FORBIDDEN_KEYS];

/** True when no object inside `value` has a forbidden key. */
function withoutForbiddenKeys(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(withoutForbiddenKeys);
  return Object.keys(value).every(
    (key) => !FORBIDDEN_STRINGS.includes(key) && withoutForbiddenKeys((value as Record<string, unknown>)[key]),
  );
}

/** Well-formed Unicode (no lone surrogates: UTF-8 cannot carry them). */
const anyText = fc.string({ unit: 'grapheme', maxLength: 40 });
const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }).filter((s) => s.length <= 256);
const room = fc.oneof(
  fc.constantFrom('lobby', 'chat:42', 'ticker:BTC-USD'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
);
const requestId = fc.integer({ min: 1, max: 0xffff_ffff });
const count = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0));

/** JSON values: what both codecs carry identically. */
export const jsonData: fc.Arbitrary<unknown> = fc
  .jsonValue({ maxDepth: 4, stringUnit: 'grapheme' })
  .filter(withoutForbiddenKeys)
  // JSON has no -0: JSON.stringify(-0) is "0".
  .map((value) => JSON.parse(JSON.stringify(value)) as unknown);

/** msgpack values: JSON values plus binary. */
export const msgpackData: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    jsonData,
    fc.uint8Array({ maxLength: 32 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.string({ maxLength: 8 }).filter((k) => !FORBIDDEN_STRINGS.includes(k)),
      tie('value'),
      { maxKeys: 4 },
    ),
  ),
})).value;

type Optional<T> = { [K in keyof T]?: T[K] };

// Optional fields appear or not; `undefined` is never generated (a codec drops it).
function withOptional<T extends object>(
  required: fc.Arbitrary<T>,
  optional: { [K in string]: fc.Arbitrary<unknown> },
): fc.Arbitrary<T> {
  return fc
    .tuple(required, fc.record(optional, { requiredKeys: [] }) as fc.Arbitrary<Optional<Record<string, unknown>>>)
    .map(([base, extra]) => ({ ...base, ...extra }));
}

function replies(data: fc.Arbitrary<unknown>) {
  return fc.oneof(
    withOptional(fc.record({ t: fc.constant('reply' as const), id: requestId, ok: fc.constant(true as const) }), {
      data,
    }),
    fc.record({
      t: fc.constant('reply' as const),
      id: requestId,
      ok: fc.constant(false as const),
      error: fc.record({ code: fc.constantFrom(...Object.values(ErrorCode)), message: anyText }),
    }),
  );
}

function pingPong() {
  return fc.oneof(
    withOptional(fc.record({ t: fc.constant('ping' as const) }), { ts: finite }),
    withOptional(fc.record({ t: fc.constant('pong' as const) }), { ts: finite }),
  );
}

/** Every kind a client sends, with `data` drawn from `data`. */
export function clientEnvelope(data: fc.Arbitrary<unknown> = jsonData): fc.Arbitrary<ClientEnvelope> {
  return fc.oneof(
    withOptional(fc.record({ t: fc.constant('event' as const), event: name }), { data }),
    withOptional(fc.record({ t: fc.constant('request' as const), id: requestId, name }), { data }),
    replies(data),
    withOptional(fc.record({ t: fc.constant('join' as const), id: requestId, room }), {
      presence: fc.boolean(),
      since: fc.record({ offset: count, epoch: name }),
    }),
    fc.record({ t: fc.constant('leave' as const), id: requestId, room }),
    withOptional(fc.record({ t: fc.constant('publish' as const), room, event: name }), { data, id: requestId }),
    fc.record({ t: fc.constant('presence-get' as const), id: requestId, room }),
    fc.record({
      t: fc.constant('refresh' as const),
      id: requestId,
      token: fc.string({ minLength: 1, maxLength: 300 }),
    }),
    pingPong(),
  );
}

/** Every kind a server sends, with `data` drawn from `data`. */
export function serverEnvelope(data: fc.Arbitrary<unknown> = jsonData): fc.Arbitrary<ServerEnvelope> {
  const limits = fc.record({
    maxPayload: count,
    heartbeatMs: count,
    maxRooms: count,
    messagesPerSecond: fc.oneof(
      count,
      fc.double({ min: 0, max: 1e6, noNaN: true }).filter((n) => !Object.is(n, -0)),
    ),
  });
  return fc.oneof(
    withOptional(
      fc.record({ t: fc.constant('welcome' as const), v: fc.constant(1), connectionId: name, userId: name }),
      { expiresAt: finite },
    ).chain((w) => limits.map((l) => ({ ...w, limits: l }))),
    withOptional(fc.record({ t: fc.constant('request' as const), id: requestId, name }), { data }),
    replies(data),
    withOptional(fc.record({ t: fc.constant('push' as const), event: name }), {
      data,
      room,
      offset: count,
      epoch: name,
    }),
    fc.record({
      t: fc.constant('presence' as const),
      room,
      change: fc.constantFrom('join' as const, 'leave' as const),
      userId: name,
      connections: count,
    }),
    withOptional(
      fc.record({ t: fc.constant('notice' as const), code: fc.constantFrom(...Object.values(NoticeCode)) }),
      { message: anyText, room, missed: count, offset: count },
    ),
    pingPong(),
  );
}
