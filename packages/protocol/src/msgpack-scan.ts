import { ProtocolError } from './errors.js';

// A structural pass over untrusted msgpack bytes, before any decoder allocates anything.
// It is iterative (no recursion to exhaust), reads every byte at most once, and refuses:
// truncated data and lengths larger than the bytes left (so a declared 2^32-1 elements cost
// nothing), extension types, the never-used byte 0xc1, non-string map keys, keys that could
// reach a prototype, nesting deeper than allowed, and trailing bytes.

const FORBIDDEN = ['__proto__', 'constructor', 'prototype'].map((key) => Uint8Array.from(key, (c) => c.charCodeAt(0)));

function invalid(message: string): ProtocolError {
  return new ProtocolError('INVALID_MSGPACK', message);
}

// The scan's container stacks, reused by every call (a scan never runs inside another) so that
// a frame allocates nothing here; they grow to the deepest nesting allowed, at most.
const remainingStack: number[] = [];
const mapStack: boolean[] = [];

function truncated(): ProtocolError {
  return invalid('msgpack data is truncated or declares a length beyond the frame');
}

function isForbiddenKey(bytes: Uint8Array, start: number, length: number): boolean {
  if (length !== 9 && length !== 11) return false;
  outer: for (const key of FORBIDDEN) {
    if (key.length !== length) continue;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== key[i]) continue outer;
    return true;
  }
  return false;
}

/** Size in bytes of the big-endian length field of str/bin/array/map types, by type byte. */
function lengthFieldSize(type: number): number {
  switch (type) {
    case 0xc4:
    case 0xd9:
      return 1; // bin8, str8
    case 0xc5:
    case 0xda:
    case 0xdc:
    case 0xde:
      return 2; // bin16, str16, array16, map16
    case 0xc6:
    case 0xdb:
    case 0xdd:
    case 0xdf:
      return 4; // bin32, str32, array32, map32
    default:
      return 0;
  }
}

/** Bytes that follow the type byte for fixed-size scalars, or -1 when the type is not one. */
function fixedSize(type: number): number {
  if (type <= 0x7f || type >= 0xe0) return 0; // fixints
  switch (type) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return 0; // nil, false, true
    case 0xcc:
    case 0xd0:
      return 1;
    case 0xcd:
    case 0xd1:
      return 2;
    case 0xca:
    case 0xce:
    case 0xd2:
      return 4;
    case 0xcb:
    case 0xcf:
    case 0xd3:
      return 8;
    default:
      return -1;
  }
}

function isExtension(type: number): boolean {
  return (type >= 0xc7 && type <= 0xc9) || (type >= 0xd4 && type <= 0xd8);
}

/**
 * Checks that `bytes` hold exactly one well-formed msgpack value of the core types, with
 * containers nested at most `maxDepth` levels (the outermost container is level 1).
 *
 * @throws ProtocolError `INVALID_MSGPACK`, `UNSUPPORTED_EXTENSION`, `FORBIDDEN_KEY` or `TOO_DEEP`.
 */
// long function: one loop over the bytes with its stacks inline, so a frame costs no call per value
export function scanMsgpack(bytes: Uint8Array, maxDepth: number): void {
  const end = bytes.length;
  // remaining[i]: values still expected in the container at depth i (a map counts keys and
  // values); index 0 is the frame itself, which holds exactly one value. `top` is the deepest
  // open container; the stacks are shared by every call, with entries above `top` stale.
  const remaining = remainingStack;
  const isMap = mapStack;
  remaining[0] = 1;
  isMap[0] = false;
  let top = 0;
  let pos = 0;
  while (top >= 0) {
    const left = remaining[top] ?? 0;
    if (left === 0) {
      top--;
      continue;
    }
    // In a map, keys sit at even counts: 2n, 2n-2, ... down to 2.
    const isKey = (isMap[top] ?? false) && left % 2 === 0;
    remaining[top] = left - 1;
    if (pos >= end) throw truncated();
    const type = bytes[pos++] ?? 0;

    let length: number;
    if (type >= 0xa0 && type <= 0xbf) {
      length = type - 0xa0;
    } else if (isKey && type !== 0xd9 && type !== 0xda && type !== 0xdb) {
      throw invalid('msgpack map keys must be strings');
    } else if (isExtension(type)) {
      throw new ProtocolError(
        'UNSUPPORTED_EXTENSION',
        `msgpack extension types are not part of the protocol (type byte 0x${type.toString(16)})`,
      );
    } else if (type === 0xc1) {
      throw invalid('msgpack byte 0xc1 is never used');
    } else if ((type >= 0x80 && type <= 0x9f) || type === 0xdc || type === 0xdd || type === 0xde || type === 0xdf) {
      let count: number;
      if (type <= 0x9f) {
        count = type & 0x0f;
      } else {
        const size = lengthFieldSize(type);
        if (pos + size > end) throw truncated();
        count = readLength(bytes, pos, size);
        pos += size;
      }
      const map = (type >= 0x80 && type <= 0x8f) || type === 0xde || type === 0xdf;
      const values = map ? count * 2 : count;
      // Every value takes at least one byte: refuse impossible counts before trusting them.
      if (values > end - pos) throw truncated();
      if (top + 1 > maxDepth) {
        throw new ProtocolError('TOO_DEEP', `msgpack data is nested deeper than ${maxDepth} levels`);
      }
      top++;
      remaining[top] = values;
      isMap[top] = map;
      continue;
    } else {
      const fixed = fixedSize(type);
      if (fixed >= 0) {
        pos += fixed;
        if (pos > end) throw truncated();
        continue;
      }
      const size = lengthFieldSize(type); // str8/16/32 or bin8/16/32
      if (pos + size > end) throw truncated();
      length = readLength(bytes, pos, size);
      pos += size;
    }
    if (length > end - pos) throw truncated();
    if (isKey && isForbiddenKey(bytes, pos, length)) {
      throw new ProtocolError('FORBIDDEN_KEY', 'msgpack map contains a key that could change a prototype');
    }
    if (isString(type)) checkUtf8(bytes, pos, length);
    pos += length;
  }
  if (pos !== end) throw invalid(`msgpack frame has ${end - pos} trailing bytes`);
}

function isString(type: number): boolean {
  return (type >= 0xa0 && type <= 0xbf) || type === 0xd9 || type === 0xda || type === 0xdb;
}

// `fatal`: msgpackr would replace invalid UTF-8 with U+FFFD; the protocol refuses it, as JSON does.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function checkUtf8(bytes: Uint8Array, start: number, length: number): void {
  const end = start + length;
  let i = start;
  // Most strings are ASCII: only pay for a full decode when a high byte appears. Four bytes
  // per test while there are four left.
  while (
    i + 4 <= end &&
    (((bytes[i] ?? 0) | (bytes[i + 1] ?? 0) | (bytes[i + 2] ?? 0) | (bytes[i + 3] ?? 0)) & 0x80) === 0
  )
    i += 4;
  while (i < end && (bytes[i] ?? 0) < 0x80) i++;
  if (i === end) return;
  try {
    utf8.decode(bytes.subarray(i, end));
  } catch {
    throw invalid('msgpack string is not valid UTF-8');
  }
}

function readLength(bytes: Uint8Array, pos: number, size: number): number {
  let value = 0;
  // Multiplication, not shifts: 32-bit lengths must stay unsigned.
  for (let i = 0; i < size; i++) value = value * 256 + (bytes[pos + i] ?? 0);
  return value;
}
