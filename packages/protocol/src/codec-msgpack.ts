import { type Options, Packr, Unpackr } from 'msgpackr';
import type { Codec, Frame } from './codec.js';
import type { ClientEnvelope, Envelope, ServerEnvelope } from './envelope.js';
import { ProtocolError } from './errors.js';
import { type CodecOptions, checkSize, readLimit, toBytes } from './frame-size.js';
import { normalizeForMsgpack } from './msgpack-normalize.js';
import { scanMsgpack } from './msgpack-scan.js';
import { DEFAULT_MAX_DEPTH } from './payload.js';
import { validateScanned } from './validate.js';
import { SUBPROTOCOL_MSGPACK } from './version.js';

// This module is the only one that imports msgpackr: JSON-only apps and browsers never load it.
//
// Options, and why:
// - useRecords: false, no structures: plain msgpack maps that any implementation reads, and no
//   decoder state shared between frames or peers.
// - mapsAsObjects: maps decode to plain objects (keys are checked to be strings first).
// - moreTypes: false: Set, Error and RegExp are written as plain arrays, never as extensions.
// - encodeUndefinedAsNil + skipValues: [undefined]: `undefined` fields are omitted and
//   `undefined` array items become nil, as JSON.stringify does, instead of extension 0.
// - int64AsType: 'number': 64-bit integers decode to numbers, never BigInt (which JSON cannot
//   carry when the server relays a message to JSON clients).
// - copyBuffers: bin values are copied, because uWS neuters the frame's ArrayBuffer after the
//   message callback returns.
// `skipValues` is supported by msgpackr 1.12 but missing from its type declarations.
const packrOptions: Options & { skipValues: unknown[] } = {
  useRecords: false,
  moreTypes: false,
  encodeUndefinedAsNil: true,
  skipValues: [undefined],
};
const packr = new Packr(packrOptions);

const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  int64AsType: 'number',
  copyBuffers: true,
});

// msgpackr caches a DataView on the array it reads from, as a property it adds to that array:
// for a fresh view per frame that is a DataView and a new hidden class every time. Frames up to
// this size are copied into one reused array instead. Nothing decoded points into it: strings
// are decoded and bin values copied out (copyBuffers).
const SCRATCH_BYTES = 64 * 1024;
let scratch: Uint8Array | undefined;

function unpackFrame(bytes: Uint8Array): unknown {
  const length = bytes.byteLength;
  if (length > SCRATCH_BYTES) return unpackr.unpack(bytes);
  scratch ??= new Uint8Array(SCRATCH_BYTES);
  scratch.set(bytes);
  // The scan refused empty frames, so `end` is never 0 (which msgpackr would read as "no end").
  return unpackr.unpack(scratch, { start: 0, end: length });
}

/** @internal Scans and unpacks one untrusted frame (shared with version 2). */
export function decode(frame: Frame | ArrayBuffer, isBinary: boolean, maxBytes: number, maxDepth: number): unknown {
  if (!isBinary || typeof frame === 'string') {
    throw new ProtocolError('WRONG_FRAME_TYPE', 'text frame on a msgpack connection');
  }
  const bytes = toBytes(frame);
  checkSize(bytes.byteLength, maxBytes);
  // The envelope map is one level above `data`.
  scanMsgpack(bytes, maxDepth + 1);
  try {
    return unpackFrame(bytes);
  } catch {
    // The scan accepted the structure, so this is a value msgpackr itself refused.
    throw new ProtocolError('INVALID_MSGPACK', 'binary frame is not valid msgpack');
  }
}

/** @internal Packs any value (the version 2 compact push) with the codec's options. */
export function packValue(value: unknown): Uint8Array {
  return packr.pack(normalizeForMsgpack(value));
}

/**
 * Creates a msgpack codec: one envelope per binary frame, a plain msgpack map per envelope
 * (no records, no extension types). Import it from `@switchyard/protocol/msgpack`.
 *
 * @example
 * import { createMsgpackCodec } from '@switchyard/protocol/msgpack';
 * const codec = createMsgpackCodec({ maxBytes: 65_536 });
 */
export function createMsgpackCodec(options: CodecOptions = {}): Codec {
  const maxDepth = readLimit(options.maxDepth, 'maxDepth', DEFAULT_MAX_DEPTH);
  const maxBytes = readLimit(options.maxBytes, 'maxBytes', 0);
  return {
    name: 'msgpack',
    version: 1,
    subprotocol: SUBPROTOCOL_MSGPACK,
    binary: true,
    encode(envelope: Envelope): Uint8Array {
      return packr.pack(normalizeForMsgpack(envelope));
    },
    decodeFromClient(frame: Frame | ArrayBuffer, isBinary: boolean): ClientEnvelope {
      return validateScanned(decode(frame, isBinary, maxBytes, maxDepth), true) as ClientEnvelope;
    },
    decodeFromServer(frame: Frame | ArrayBuffer, isBinary: boolean): ServerEnvelope {
      return validateScanned(decode(frame, isBinary, maxBytes, maxDepth), false) as ServerEnvelope;
    },
  };
}

/** The msgpack codec with default options (binary frames, subprotocol `switchyard.v1.msgpack`). */
export const msgpackCodec: Codec = createMsgpackCodec();
