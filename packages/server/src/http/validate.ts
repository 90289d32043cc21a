import type { ApiHistoryQuery } from './facade.js';
import { z } from 'zod';
import { checkPayload, DEFAULT_MAX_DEPTH, ErrorCode, MAX_NAME_LENGTH, ProtocolError } from '@switchyard/protocol';
import type { RoomRules } from '../protection/room-rules.js';
import { HttpApiError } from './http-error.js';

/** A checked `POST /v1/publish` body. */
export interface PublishBody {
  readonly room: string;
  readonly event: string;
  readonly data: unknown;
  readonly key?: string;
}

/** A checked `POST /v1/users/:id/disconnect` body. */
export interface DisconnectBody {
  readonly code?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function badRequest(message: string): HttpApiError {
  return new HttpApiError(400, ErrorCode.BAD_REQUEST, message);
}

/**
 * Parses a request body as JSON whatever its `Content-Type` (an empty body is `undefined`).
 * @throws HttpApiError 400 on invalid UTF-8 or JSON.
 */
export function parseJsonBody(body: Uint8Array): unknown {
  if (body.byteLength === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw badRequest('request body is not valid UTF-8');
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('request body is not valid JSON');
  }
}

function nameField(field: string): z.ZodString {
  const empty = `${field} must be a non-empty string`;
  return z
    .string({ error: empty })
    .min(1, { error: empty })
    .max(MAX_NAME_LENGTH, { error: `${field} is longer than ${MAX_NAME_LENGTH} characters` });
}

// `room` is checked by the room rules the WebSocket side uses, `data` by the protocol's payload check.
const PUBLISH_BODY = z.strictObject(
  {
    room: z.unknown().optional(),
    event: nameField('event'),
    data: z.unknown().optional(),
    key: nameField('key').optional(),
  },
  { error: 'body must be a JSON object { room, event, data, key? }' },
);

const DISCONNECT_BODY = z.strictObject(
  {
    code: z
      .number({ error: 'code must be an integer between 4000 and 4999' })
      .int({ error: 'code must be an integer between 4000 and 4999' })
      .min(4000, { error: 'code must be an integer between 4000 and 4999' })
      .max(4999, { error: 'code must be an integer between 4000 and 4999' })
      .optional(),
  },
  { error: 'body must be empty or a JSON object { code? }' },
);

/** Parses `value` with `schema`, answering the first problem as a 400 that names the field. */
function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys' && schema instanceof z.ZodObject) {
    const allowed = Object.keys(schema.shape).join(', ');
    throw badRequest(`unknown field "${String(issue.keys[0])}"; allowed: ${allowed}`);
  }
  throw badRequest(issue?.message ?? 'invalid body');
}

/**
 * Refuses payloads the WebSocket side would refuse from a client (the protocol's own check):
 * nesting deeper than `DEFAULT_MAX_DEPTH`, prototype keys, values JSON cannot carry.
 * @throws HttpApiError 400
 */
function checkData(value: unknown): void {
  try {
    checkPayload(value, DEFAULT_MAX_DEPTH);
  } catch (error) {
    if (error instanceof ProtocolError) throw badRequest(error.message);
    throw error;
  }
}

/** Checks a publish body: `{ room, event, data?, key? }` and nothing else. @throws HttpApiError 400 */
export function parsePublish(value: unknown, rules: RoomRules): PublishBody {
  const { room, event, data, key } = parseBody(PUBLISH_BODY, value);
  const bad = rules.checkName(room);
  if (bad !== undefined) throw new HttpApiError(400, ErrorCode.BAD_REQUEST, bad.message, {}, 'room_name');
  checkData(data);
  return key === undefined ? { room: room as string, event, data } : { room: room as string, event, data, key };
}

/** Checks a disconnect body: empty, or `{ code? }` with a code in 4000–4999. @throws HttpApiError 400 */
export function parseDisconnect(value: unknown): DisconnectBody {
  if (value === undefined) return {};
  const { code } = parseBody(DISCONNECT_BODY, value);
  return code === undefined ? {} : { code };
}

/** Most messages one history page returns. */
export const MAX_HISTORY_LIMIT = 1000;

/**
 * Parses `since`, `limit` and `epoch` of `GET /v1/rooms/:room/history`.
 * @throws HttpApiError 400 for values that are not what the docs say
 */
export function parseHistoryQuery(query: string): ApiHistoryQuery {
  const params = new URLSearchParams(query);
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = params.get(name);
    if (raw === null || raw === '') return fallback;
    const n = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new HttpApiError(400, ErrorCode.BAD_REQUEST, `${name} must be an integer ${min}-${max}`);
    }
    return n;
  };
  const since = integer('since', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = integer('limit', 100, 1, MAX_HISTORY_LIMIT);
  const epoch = params.get('epoch');
  if (epoch !== null && (epoch.length === 0 || epoch.length > 256)) {
    throw new HttpApiError(400, ErrorCode.BAD_REQUEST, 'epoch must be 1-256 characters');
  }
  return epoch === null ? { since, limit } : { since, limit, epoch };
}
