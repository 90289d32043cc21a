import { ProtocolError } from './errors.js';

/** Deepest nesting of arrays and objects allowed inside an envelope's `data`. */
export const DEFAULT_MAX_DEPTH = 64;

/** Keys that could reach or replace an object's prototype; refused anywhere in a frame. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** True for objects created by `{}` / `JSON.parse` / `Object.create(null)`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks an untrusted payload without recursion, so hostile nesting cannot exhaust the stack.
 * Allowed values: null, undefined, booleans, numbers, strings, Uint8Array, arrays and plain objects,
 * with containers nested at most `maxDepth` levels (the payload itself, when a container, is level 1).
 *
 * @throws ProtocolError `TOO_DEEP`, `FORBIDDEN_KEY` or `INVALID_FIELD`.
 */
export function checkPayload(value: unknown, maxDepth: number, field = 'data'): void {
  // Explicit stack of [value, depth]; each container is visited once, so the work is linear.
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop();
    const depth = depths.pop() ?? 1;
    // `undefined` can only come from in-process callers; both encoders drop or nil it, as JSON does.
    if (current === null || current === undefined) continue;
    switch (typeof current) {
      case 'string':
      case 'number':
      case 'boolean':
        continue;
      case 'object':
        break;
      default:
        throw new ProtocolError('INVALID_FIELD', `${field} contains a ${typeof current}`);
    }
    if (current instanceof Uint8Array) continue;
    if (depth > maxDepth) {
      throw new ProtocolError('TOO_DEEP', `${field} is nested deeper than ${maxDepth} levels`);
    }
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) {
        values.push(current[i]);
        depths.push(depth + 1);
      }
      continue;
    }
    if (!isPlainObject(current)) {
      throw new ProtocolError('INVALID_FIELD', `${field} contains a non-plain object`);
    }
    for (const key of Object.keys(current)) {
      if (FORBIDDEN_KEYS.has(key)) {
        throw new ProtocolError('FORBIDDEN_KEY', `${field} contains the forbidden key "${key}"`);
      }
      values.push(current[key]);
      depths.push(depth + 1);
    }
  }
}
