/**
 * Binary data (a `Uint8Array`, a `Buffer`, any `ArrayBuffer` view or an `ArrayBuffer`) sent where
 * JSON members may receive it. JSON has no bytes: `JSON.stringify` would turn them into
 * `{"0":1,…}` (or `{"type":"Buffer",…}`), so the server refuses them instead of changing them.
 * Encode bytes as base64 text, or serve msgpack only (`codecs: ['msgpack']`).
 */
export class BinaryDataError extends TypeError {
  override readonly name = 'BinaryDataError';
  /** Where the bytes are, for example `data.avatar` or `data[2]`. */
  readonly path: string;

  constructor(path: string) {
    super(
      `${path} is binary data, which JSON members cannot receive: encode it as text (base64), ` +
        `or serve msgpack only`,
    );
    this.path = path;
  }
}

function isBinary(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

/**
 * Where the first binary value inside `data` is (`data`, `data.key`, `data[0]`), or undefined when
 * there is none. Walks without recursion and visits each container once (cycles included), so any
 * value an application hands over is safe to check.
 */
export function findBinary(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const stack: [object, string][] = [[data, 'data']];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [object, string];
    if (isBinary(value)) return path;
    if (seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        const item: unknown = value[i];
        if (typeof item === 'object' && item !== null) stack.push([item, `${path}[${i}]`]);
      }
      continue;
    }
    for (const key of Object.keys(value).reverse()) {
      const item: unknown = (value as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) stack.push([item, `${path}.${key}`]);
    }
  }
  return undefined;
}

/** @throws BinaryDataError when `data` holds binary data. */
export function refuseBinary(data: unknown): void {
  const path = findBinary(data);
  if (path !== undefined) throw new BinaryDataError(path);
}
