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

function refuseScalar(value: unknown, field: string): void {
  if (value === null) return;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      // `undefined` can only come from in-process callers; both encoders drop or nil it, as JSON does.
      return;
    default:
      throw new ProtocolError('INVALID_FIELD', `${field} contains a ${typeof value}`);
  }
}

/**
 * Checks an untrusted payload without recursion, so hostile nesting cannot exhaust the stack.
 * Allowed values: null, undefined, booleans, numbers, strings, Uint8Array, arrays and plain objects,
 * with containers nested at most `maxDepth` levels (the payload itself, when a container, is level 1).
 *
 * @throws ProtocolError `TOO_DEEP`, `FORBIDDEN_KEY` or `INVALID_FIELD`.
 */
export function checkPayload(value: unknown, maxDepth: number, field = 'data'): void {
  if (typeof value !== 'object' || value === null) return refuseScalar(value, field);
  if (value instanceof Uint8Array) return;
  // Explicit stack of containers and their depths; scalars are checked in place, so each value
  // is looked at once and the work is linear in the size of the payload.
  const containers: object[] = [value];
  const depths: number[] = [1];
  while (containers.length > 0) {
    const current = containers.pop() as object;
    const depth = depths.pop() as number;
    if (depth > maxDepth) {
      throw new ProtocolError('TOO_DEEP', `${field} is nested deeper than ${maxDepth} levels`);
    }
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) {
        const item: unknown = current[i];
        if (typeof item !== 'object' || item === null) refuseScalar(item, field);
        else if (!(item instanceof Uint8Array)) {
          containers.push(item);
          depths.push(depth + 1);
        }
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
      const item = current[key];
      if (typeof item !== 'object' || item === null) refuseScalar(item, field);
      else if (!(item instanceof Uint8Array)) {
        containers.push(item);
        depths.push(depth + 1);
      }
    }
  }
}
