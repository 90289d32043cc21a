import { ProtocolError } from './errors.js';

/** Options shared by both codec factories. */
export interface CodecOptions {
  /**
   * Deepest nesting of arrays and objects inside `data` (a container `data` is level 1).
   * Deeper frames are refused with `TOO_DEEP`.
   * @default 64
   */
  readonly maxDepth?: number;
  /**
   * Largest frame a decoder accepts, in bytes (UTF-8 bytes for text frames); larger frames are
   * refused with `TOO_LARGE` before parsing. `0` disables the check (the transport usually
   * enforces `maxPayload` already).
   * @default 0
   */
  readonly maxBytes?: number;
}

/** Checks a codec option and returns its value. */
export function readLimit(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** Refuses a frame of `size` bytes when a limit is set and exceeded. */
export function checkSize(size: number, maxBytes: number): void {
  if (maxBytes > 0 && size > maxBytes) {
    throw new ProtocolError('TOO_LARGE', `frame of ${size} bytes exceeds the limit of ${maxBytes} bytes`);
  }
}

/** Exact UTF-8 length of a string, computed without allocating. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair is one code point, four bytes.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Checks a text frame against the limit, paying for an exact count only near the limit. */
export function checkTextSize(text: string, maxBytes: number): void {
  if (maxBytes === 0) return;
  // UTF-8 takes between 1 and 3 bytes per UTF-16 code unit.
  if (text.length > maxBytes) checkSize(text.length, maxBytes);
  if (text.length * 3 > maxBytes) checkSize(utf8Length(text), maxBytes);
}

/**
 * Views any binary frame as a plain Uint8Array without copying. A Node Buffer is re-viewed too,
 * so decoded binary values are plain Uint8Arrays whichever socket library delivered the frame.
 */
export function toBytes(frame: Uint8Array | ArrayBuffer): Uint8Array {
  if (!(frame instanceof Uint8Array)) return new Uint8Array(frame);
  return frame.constructor === Uint8Array ? frame : new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
}
