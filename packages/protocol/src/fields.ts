import { ProtocolError } from './errors.js';

/** Longest event or request name, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 256;
/** Longest room name the protocol carries, in UTF-16 code units (servers may allow less). */
export const MAX_ROOM_LENGTH = 1024;
/** Longest token in a `refresh` envelope, in UTF-16 code units. */
export const MAX_TOKEN_LENGTH = 16_384;
/** Largest request id: ids are integers in 1..2^32-1. */
export const MAX_REQUEST_ID = 0xffff_ffff;

// Field readers for untrusted plain objects. Each reads an own property only, so nothing
// inherited from Object.prototype is ever mistaken for a field.

type Fields = Record<string, unknown>;

function own(obj: Fields, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function missing(key: string, t: string): ProtocolError {
  return new ProtocolError('MISSING_FIELD', `${t}: missing field "${key}"`);
}

function invalid(key: string, t: string, what: string): ProtocolError {
  return new ProtocolError('INVALID_FIELD', `${t}: field "${key}" must be ${what}`);
}

/** True when the object has the field with a value other than `undefined`. */
export function has(obj: Fields, key: string): boolean {
  return own(obj, key) !== undefined;
}

/** A required string of 1..max code units. */
export function str(obj: Fields, key: string, t: string, max: number): string {
  const value = own(obj, key);
  if (value === undefined) throw missing(key, t);
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalid(key, t, `a non-empty string of at most ${max} characters`);
  }
  return value;
}

/** A required string, possibly empty. */
export function text(obj: Fields, key: string, t: string): string {
  const value = own(obj, key);
  if (value === undefined) throw missing(key, t);
  if (typeof value !== 'string') throw invalid(key, t, 'a string');
  return value;
}

/** A required request id: an integer in 1..2^32-1. */
export function id(obj: Fields, key: string, t: string): number {
  const value = own(obj, key);
  if (value === undefined) throw missing(key, t);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_REQUEST_ID) {
    throw invalid(key, t, 'an integer in 1..4294967295');
  }
  return value;
}

/** A required integer >= 0 (and <= 2^53-1). */
export function count(obj: Fields, key: string, t: string): number {
  const value = own(obj, key);
  if (value === undefined) throw missing(key, t);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(key, t, 'a non-negative integer');
  }
  return value;
}

/** A required finite number >= 0. */
export function nonNegative(obj: Fields, key: string, t: string): number {
  const value = own(obj, key);
  if (value === undefined) throw missing(key, t);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(key, t, 'a finite number >= 0');
  }
  return value;
}

/** A required finite number. */
export function finite(obj: Fields, key: string, t: string): number {
  const value = own(obj, key);
  if (value === undefined) throw missing(key, t);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(key, t, 'a finite number');
  return value;
}

/** A required boolean. */
export function bool(obj: Fields, key: string, t: string): boolean {
  const value = own(obj, key);
  if (value === undefined) throw missing(key, t);
  if (typeof value !== 'boolean') throw invalid(key, t, 'a boolean');
  return value;
}

/** A required plain object (already checked for depth and keys by the caller). */
export function object(obj: Fields, key: string, t: string): Fields {
  const value = own(obj, key);
  if (value === undefined) throw missing(key, t);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw invalid(key, t, 'an object');
  }
  return value as Fields;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(obj: Fields, key: string, t: string, allowed: (v: unknown) => v is T): T {
  const value = own(obj, key);
  if (value === undefined) throw missing(key, t);
  if (!allowed(value)) throw invalid(key, t, 'a documented value');
  return value;
}

/** Any payload value (already checked for depth and keys by the caller). */
export function payload(obj: Fields, key: string): unknown {
  return own(obj, key);
}
