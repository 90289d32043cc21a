import type { ClientEnvelope, Envelope, Limits, PushEnvelope, ReplyEnvelope, ServerEnvelope } from './envelope.js';
import { CLIENT_ENVELOPE_TYPES, SERVER_ENVELOPE_TYPES } from './envelope.js';
import { isErrorCode, isNoticeCode } from './error-codes.js';
import { ProtocolError } from './errors.js';
import {
  MAX_NAME_LENGTH,
  MAX_ROOM_LENGTH,
  MAX_TOKEN_LENGTH,
  bool,
  count,
  finite,
  has,
  id,
  nonNegative,
  object,
  oneOf,
  payload,
  str,
  text,
} from './fields.js';
import { DEFAULT_MAX_DEPTH, checkPayload, isPlainObject } from './payload.js';

/** Options of the validators. */
export interface ValidateOptions {
  /**
   * Deepest nesting of arrays and objects inside `data` (a container `data` is level 1).
   * Deeper frames are refused with `TOO_DEEP`.
   * @default 64
   */
  readonly maxDepth?: number;
}

type Fields = Record<string, unknown>;
type Builder = (o: Fields, t: string) => Envelope;

const CLIENT_KINDS: ReadonlySet<string> = new Set(CLIENT_ENVELOPE_TYPES);
const SERVER_KINDS: ReadonlySet<string> = new Set(SERVER_ENVELOPE_TYPES);

/**
 * Builds a `push` from its fields (already checked for depth and keys): the one set of push
 * rules, shared by the version 1 object form and the version 2 compact array. @internal
 */
export function buildPush(o: Fields, t = 'push'): PushEnvelope {
  const out: Fields = { t: 'push', event: str(o, 'event', t, MAX_NAME_LENGTH) };
  if (has(o, 'data')) out['data'] = payload(o, 'data');
  if (has(o, 'room')) out['room'] = str(o, 'room', t, MAX_ROOM_LENGTH);
  if (has(o, 'offset')) out['offset'] = count(o, 'offset', t);
  if (has(o, 'epoch')) out['epoch'] = str(o, 'epoch', t, MAX_NAME_LENGTH);
  if (has(o, 'from')) out['from'] = str(o, 'from', t, MAX_ROOM_LENGTH);
  return out as unknown as PushEnvelope;
}

// Every builder returns a fresh object holding only the documented fields: unknown fields are
// dropped, so nothing a peer adds ever reaches application code.
const BUILDERS: Readonly<Record<string, Builder>> = {
  welcome(o, t) {
    const limits = object(o, 'limits', t);
    const checkedLimits: Limits = {
      maxPayload: count(limits, 'maxPayload', 'welcome.limits'),
      heartbeatMs: count(limits, 'heartbeatMs', 'welcome.limits'),
      maxRooms: count(limits, 'maxRooms', 'welcome.limits'),
      messagesPerSecond: nonNegative(limits, 'messagesPerSecond', 'welcome.limits'),
    };
    const out: Fields = {
      t: 'welcome',
      v: count(o, 'v', t),
      connectionId: str(o, 'connectionId', t, MAX_ROOM_LENGTH),
      userId: str(o, 'userId', t, MAX_ROOM_LENGTH),
    };
    if (has(o, 'expiresAt')) out['expiresAt'] = finite(o, 'expiresAt', t);
    out['limits'] = checkedLimits;
    return out as unknown as Envelope;
  },
  event(o, t) {
    const out: Fields = { t: 'event', event: str(o, 'event', t, MAX_NAME_LENGTH) };
    if (has(o, 'data')) out['data'] = payload(o, 'data');
    return out as unknown as Envelope;
  },
  request(o, t) {
    const out: Fields = { t: 'request', id: id(o, 'id', t), name: str(o, 'name', t, MAX_NAME_LENGTH) };
    if (has(o, 'data')) out['data'] = payload(o, 'data');
    return out as unknown as Envelope;
  },
  reply(o, t): ReplyEnvelope {
    const replyId = id(o, 'id', t);
    if (bool(o, 'ok', t)) {
      return has(o, 'data')
        ? { t: 'reply', id: replyId, ok: true, data: payload(o, 'data') }
        : { t: 'reply', id: replyId, ok: true };
    }
    const error = object(o, 'error', t);
    return {
      t: 'reply',
      id: replyId,
      ok: false,
      error: { code: oneOf(error, 'code', 'reply.error', isErrorCode), message: text(error, 'message', 'reply.error') },
    };
  },
  join(o, t) {
    const out: Fields = { t: 'join', id: id(o, 'id', t), room: str(o, 'room', t, MAX_ROOM_LENGTH) };
    if (has(o, 'presence')) out['presence'] = bool(o, 'presence', t);
    if (has(o, 'presenceCount')) out['presenceCount'] = bool(o, 'presenceCount', t);
    if (has(o, 'since')) {
      const since = object(o, 'since', t);
      out['since'] = {
        offset: count(since, 'offset', 'join.since'),
        epoch: str(since, 'epoch', 'join.since', MAX_NAME_LENGTH),
      };
    }
    return out as unknown as Envelope;
  },
  leave(o, t) {
    return { t: 'leave', id: id(o, 'id', t), room: str(o, 'room', t, MAX_ROOM_LENGTH) };
  },
  publish(o, t) {
    const out: Fields = {
      t: 'publish',
      room: str(o, 'room', t, MAX_ROOM_LENGTH),
      event: str(o, 'event', t, MAX_NAME_LENGTH),
    };
    if (has(o, 'data')) out['data'] = payload(o, 'data');
    if (has(o, 'id')) out['id'] = id(o, 'id', t);
    return out as unknown as Envelope;
  },
  push: buildPush,
  presence(o, t) {
    const room = str(o, 'room', t, MAX_ROOM_LENGTH);
    const change = oneOf(o, 'change', t, isPresenceChange);
    if (change === 'count') return { t: 'presence', room, change, count: count(o, 'count', t) };
    return {
      t: 'presence',
      room,
      change,
      userId: str(o, 'userId', t, MAX_ROOM_LENGTH),
      connections: count(o, 'connections', t),
    };
  },
  'presence-get'(o, t) {
    return { t: 'presence-get', id: id(o, 'id', t), room: str(o, 'room', t, MAX_ROOM_LENGTH) };
  },
  refresh(o, t) {
    return { t: 'refresh', id: id(o, 'id', t), token: str(o, 'token', t, MAX_TOKEN_LENGTH) };
  },
  ping(o, t) {
    return has(o, 'ts') ? { t: 'ping', ts: finite(o, 'ts', t) } : { t: 'ping' };
  },
  pong(o, t) {
    return has(o, 'ts') ? { t: 'pong', ts: finite(o, 'ts', t) } : { t: 'pong' };
  },
  notice(o, t) {
    const out: Fields = { t: 'notice', code: oneOf(o, 'code', t, isNoticeCode) };
    if (has(o, 'message')) out['message'] = text(o, 'message', t);
    if (has(o, 'room')) out['room'] = str(o, 'room', t, MAX_ROOM_LENGTH);
    if (has(o, 'missed')) out['missed'] = count(o, 'missed', t);
    if (has(o, 'offset')) out['offset'] = count(o, 'offset', t);
    return out as unknown as Envelope;
  },
};

function isPresenceChange(value: unknown): value is 'join' | 'leave' | 'count' {
  return value === 'join' || value === 'leave' || value === 'count';
}

function validate(
  value: unknown,
  kinds: ReadonlySet<string>,
  direction: string,
  options: ValidateOptions | undefined,
  walked: boolean,
): Envelope {
  if (!isPlainObject(value)) {
    throw new ProtocolError('NOT_AN_OBJECT', 'an envelope must be an object');
  }
  // The envelope itself is one level above `data`. Skipped when the decoder already checked
  // depth and keys while scanning the bytes.
  if (!walked) checkPayload(value, (options?.maxDepth ?? DEFAULT_MAX_DEPTH) + 1, 'envelope');
  const t = Object.hasOwn(value, 't') ? value['t'] : undefined;
  if (typeof t !== 'string') {
    throw new ProtocolError('UNKNOWN_TYPE', 'the envelope has no string "t" field');
  }
  const build = Object.hasOwn(BUILDERS, t) ? BUILDERS[t] : undefined;
  if (build === undefined) {
    throw new ProtocolError('UNKNOWN_TYPE', `unknown envelope type "${t.slice(0, 64)}"`);
  }
  if (!kinds.has(t)) {
    throw new ProtocolError('WRONG_DIRECTION', `"${t}" may not be sent ${direction}`);
  }
  return build(value, t);
}

/**
 * Checks an untrusted decoded value sent by a client and returns a freshly built envelope with
 * only the documented fields. Unknown fields are ignored (dropped).
 *
 * @throws ProtocolError with the exact {@link ProtocolErrorCode} when the value is not a valid client envelope.
 * @example
 * const envelope = validateClientEnvelope(JSON.parse(text));
 */
export function validateClientEnvelope(value: unknown, options?: ValidateOptions): ClientEnvelope {
  return validate(value, CLIENT_KINDS, 'by a client', options, false) as ClientEnvelope;
}

/**
 * Checks an untrusted decoded value sent by a server and returns a freshly built envelope with
 * only the documented fields. Unknown fields are ignored (dropped).
 *
 * @throws ProtocolError with the exact {@link ProtocolErrorCode} when the value is not a valid server envelope.
 */
export function validateServerEnvelope(value: unknown, options?: ValidateOptions): ServerEnvelope {
  return validate(value, SERVER_KINDS, 'by a server', options, false) as ServerEnvelope;
}

/** For codecs that already checked depth and keys: validates fields only. @internal */
export function validateScanned(value: unknown, fromClient: boolean): Envelope {
  return fromClient
    ? validate(value, CLIENT_KINDS, 'by a client', undefined, true)
    : validate(value, SERVER_KINDS, 'by a server', undefined, true);
}
