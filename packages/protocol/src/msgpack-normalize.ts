// msgpackr always writes a Date as the timestamp extension, which Switchyard decoders refuse
// (no extension types on the wire). Dates become ISO strings, as JSON.stringify makes them.
// Copy-on-write: a payload without dates is returned as is, with no allocation.

function normalize(value: unknown): unknown {
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

/** Returns the envelope with every Date replaced by its ISO string; unchanged when it has none. */
export function normalizeForMsgpack<T>(envelope: T): T {
  return normalize(envelope) as T;
}
