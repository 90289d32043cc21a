// msgpackr always writes a Date as the timestamp extension, which Switchyard decoders refuse
// (no extension types on the wire). Dates become ISO strings, as JSON.stringify makes them.
// msgpackr also writes every integer outside 32 bits (an epoch-ms `expiresAt`, a large id) as a
// float64, where JSON peers get an integer; such integers become BigInts, which it writes as
// int64. Copy-on-write: a payload with neither is returned as is, with no allocation.

const INT64_LIMIT = 2 ** 63;

function normalize(value: unknown): unknown {
  if (typeof value === 'number') {
    // `>>> 0` and `>> 0` are msgpackr's own 32-bit integer tests.
    if (value >>> 0 === value || value >> 0 === value || !Number.isInteger(value)) return value;
    return value < INT64_LIMIT && value >= -INT64_LIMIT ? BigInt(value) : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return value.toJSON();
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const next = normalize(item);
      if (next !== item) {
        copy ??= value.slice();
        copy[i] = next;
      }
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const next = normalize(item);
    if (next !== item) {
      copy ??= { ...record };
      copy[key] = next;
    }
  }
  return copy ?? value;
}

/**
 * Returns the envelope with every Date replaced by its ISO string and every integer outside 32 bits
 * (up to ±2^63) by a BigInt, so it is packed as an integer; unchanged when it has neither.
 */
export function normalizeForMsgpack<T>(envelope: T): T {
  return normalize(envelope) as T;
}
