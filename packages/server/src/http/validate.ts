import type { ApiHistoryQuery } from './facade.js';
import { DEFAULT_MAX_DEPTH, ErrorCode, FORBIDDEN_KEYS, MAX_NAME_LENGTH } from '@switchyard/protocol';
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw badRequest(`unknown field "${key}"; allowed: ${allowed.join(', ')}`);
  }
}

/**
 * Refuses payloads the WebSocket side would refuse from a client: nesting deeper than
 * `DEFAULT_MAX_DEPTH` and prototype keys. Iterative, so hostile nesting cannot overflow the stack.
 */
export function checkData(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() ?? [undefined, 0];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > DEFAULT_MAX_DEPTH) throw badRequest(`data is nested deeper than ${DEFAULT_MAX_DEPTH} levels`);
    if (Array.isArray(current)) {
      for (const item of current) stack.push([item, depth + 1]);
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (FORBIDDEN_KEYS.has(key)) throw badRequest(`data contains the forbidden key "${key}"`);
      stack.push([item, depth + 1]);
    }
  }
}

function name(body: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = body[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw badRequest(`${field} must be a non-empty string`);
  if (value.length > MAX_NAME_LENGTH) throw badRequest(`${field} is longer than ${MAX_NAME_LENGTH} characters`);
  return value;
}

/** Checks a publish body: `{ room, event, data?, key? }` and nothing else. @throws HttpApiError 400 */
export function parsePublish(value: unknown, rules: RoomRules): PublishBody {
  if (!isObject(value)) throw badRequest('body must be a JSON object { room, event, data, key? }');
  onlyFields(value, ['room', 'event', 'data', 'key']);
  const bad = rules.checkName(value['room']);
  if (bad !== undefined) throw new HttpApiError(400, ErrorCode.BAD_REQUEST, bad.message, {}, 'room_name');
  const room = value['room'] as string;
  const event = name(value, 'event', true) ?? '';
  const key = name(value, 'key', false);
  const data = value['data'];
  checkData(data);
  return key === undefined ? { room, event, data } : { room, event, data, key };
}

/** Checks a disconnect body: empty, or `{ code? }` with a code in 4000–4999. @throws HttpApiError 400 */
export function parseDisconnect(value: unknown): DisconnectBody {
  if (value === undefined) return {};
  if (!isObject(value)) throw badRequest('body must be empty or a JSON object { code? }');
  onlyFields(value, ['code']);
  const code = value['code'];
  if (code === undefined) return {};
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 4000 || code > 4999) {
    throw badRequest('code must be an integer between 4000 and 4999');
  }
  return { code };
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
