// The field layer of the inter-node format (wire.ts): length-prefixed fields, written and read.
import { WIRE_VERSION, WireError, WireErrorCode, WireKind, type WireFormatName } from './wire-types.js';

/** Wire format names by their code. */
const FORMAT_NAMES: readonly (WireFormatName | undefined)[] = [undefined, 'json1', 'json2', 'msgpack1', 'msgpack2'];

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Accumulates fields, then writes them into one buffer: every byte is copied exactly once. */
export class FieldWriter {
  readonly #parts: (string | Uint8Array)[] = [];
  readonly #sizes: number[] = [];
  #total = 2;

  string(value: string): this {
    return this.#add(value, Buffer.byteLength(value, 'utf8'));
  }
  bytes(value: Uint8Array): this {
    return this.#add(value, value.byteLength);
  }
  /** Optional trailing fields: written only when present. */
  append(values: readonly string[] | undefined): this {
    if (values !== undefined) for (const value of values) this.string(value);
    return this;
  }
  frame(value: Uint8Array | string): this {
    return typeof value === 'string' ? this.string(value) : this.bytes(value);
  }
  u8(value: number): this {
    return this.bytes(Uint8Array.of(value));
  }
  u16(value: number): this {
    return this.bytes(Uint8Array.of(value >>> 8, value & 0xff));
  }
  u32(value: number): this {
    return this.bytes(u32Bytes(value));
  }
  #add(part: string | Uint8Array, size: number): this {
    this.#parts.push(part);
    this.#sizes.push(size);
    this.#total += varintSize(size) + size;
    return this;
  }
  finish(kind: WireKind): Uint8Array {
    const out = Buffer.allocUnsafe(this.#total);
    out[0] = WIRE_VERSION;
    out[1] = WireKind[kind];
    let offset = 2;
    for (let i = 0; i < this.#parts.length; i++) {
      let size = this.#sizes[i]!;
      while (size >= 0x80) {
        out[offset++] = (size & 0x7f) | 0x80;
        size = Math.floor(size / 128);
      }
      out[offset++] = size;
      const part = this.#parts[i]!;
      offset += typeof part === 'string' ? out.write(part, offset, 'utf8') : (out.set(part, offset), part.byteLength);
    }
    return out;
  }
}

/** `value` as four big-endian bytes. */
export function u32Bytes(value: number): Uint8Array {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

/** Reads fields off a message, bounds-checked; every failure is a {@link WireError}. */
export class FieldReader {
  readonly #bytes: Uint8Array;
  readonly #text: Buffer;
  #offset = 2;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** Start and end of the next field's bytes. */
  #next(): number {
    const bytes = this.#bytes;
    let size = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (this.#offset >= bytes.byteLength) throw new WireError(WireErrorCode.TRUNCATED, 'message ends inside a field');
      if (i === 5) throw new WireError(WireErrorCode.BAD_LENGTH, 'field length longer than 5 bytes');
      const byte = bytes[this.#offset++]!;
      size += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) break;
    }
    if (size > 0xffffffff) throw new WireError(WireErrorCode.BAD_LENGTH, 'field length above 2^32 - 1');
    if (size > bytes.byteLength - this.#offset) {
      throw new WireError(WireErrorCode.TRUNCATED, 'field longer than the message');
    }
    this.#offset += size;
    return size;
  }
  /** True while fields remain (fields appended by a newer release of the same version are optional). */
  more(): boolean {
    return this.#offset < this.#bytes.byteLength;
  }
  string(): string {
    const size = this.#next();
    return this.#text.toString('utf8', this.#offset - size, this.#offset);
  }
  /** A non-negative integer written as decimal digits (the Lua engine writes offsets this way). */
  decimal(name: string): number {
    const text = this.string();
    const value = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value)) throw new WireError(WireErrorCode.INVALID_FIELD, `${name} is not an integer`);
    return value;
  }
  bytes(): Uint8Array {
    const size = this.#next();
    return this.#bytes.subarray(this.#offset - size, this.#offset);
  }
  uint(width: 1 | 2 | 4, name: string): number {
    const value = this.optionalUint(width, name);
    if (value === undefined) throw new WireError(WireErrorCode.INVALID_FIELD, `${name} is missing`);
    return value;
  }
  optionalUint(width: 1 | 2 | 4, name: string): number | undefined {
    const size = this.#next();
    if (size === 0) return undefined;
    if (size !== width) throw new WireError(WireErrorCode.INVALID_FIELD, `${name} must be ${width} bytes`);
    let value = 0;
    for (let i = this.#offset - size; i < this.#offset; i++) value = value * 256 + this.#bytes[i]!;
    return value;
  }
  format(): WireFormatName {
    const code = this.uint(1, 'format');
    const format = FORMAT_NAMES[code];
    if (format === undefined) throw new WireError(WireErrorCode.INVALID_FIELD, `unknown wire format ${code}`);
    return format;
  }
}
