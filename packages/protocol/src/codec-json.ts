import type { Codec, Frame } from './codec.js';
import type { ClientEnvelope, Envelope, ServerEnvelope } from './envelope.js';
import { ProtocolError } from './errors.js';
import { type CodecOptions, checkSize, checkTextSize, readLimit } from './frame-size.js';
import { jsonTextWithinLimits } from './json-text-limits.js';
import { DEFAULT_MAX_DEPTH } from './payload.js';
import { encodeReplyJson } from './reply-json.js';
import { validateClientEnvelope, validateScanned, validateServerEnvelope } from './validate.js';
import { SUBPROTOCOL_JSON } from './version.js';

// `fatal`: invalid UTF-8 is an error, never silently replaced with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** @internal The frame as text, after the frame-type and size checks (shared with version 2). */
export function toText(frame: Frame | ArrayBuffer, isBinary: boolean, maxBytes: number): string {
  if (isBinary) {
    throw new ProtocolError('WRONG_FRAME_TYPE', 'binary frame on a JSON connection');
  }
  if (typeof frame === 'string') {
    checkTextSize(frame, maxBytes);
    return frame;
  }
  checkSize(frame.byteLength, maxBytes);
  try {
    // Decoding copies the bytes out synchronously: uWS neuters its ArrayBuffer after the callback.
    // TextDecoder reads an ArrayBuffer or any view as is, so no Uint8Array view is made for it.
    return utf8.decode(frame);
  } catch {
    throw new ProtocolError('INVALID_JSON', 'text frame is not valid UTF-8');
  }
}

/** @internal JSON.parse with a coded error. */
export function parse(text: string): unknown {
  try {
    // V8's JSON.parse is iterative: deep nesting costs memory linear in the frame, not stack;
    // the validator then refuses it with TOO_DEEP.
    return JSON.parse(text);
  } catch {
    throw new ProtocolError('INVALID_JSON', 'text frame is not valid JSON');
  }
}

/**
 * Creates a JSON codec: one envelope per text frame, `JSON.stringify` of the envelope
 * (fields whose value is `undefined` are omitted). A successful reply is always written with its
 * fields in the order `t`, `id`, `ok`, `data`, whatever the order in the envelope object.
 *
 * @example
 * const codec = createJsonCodec({ maxDepth: 32, maxBytes: 65_536 });
 * const envelope = codec.decodeFromClient(message, isBinary);
 */
export function createJsonCodec(options: CodecOptions = {}): Codec {
  const maxDepth = readLimit(options.maxDepth, 'maxDepth', DEFAULT_MAX_DEPTH);
  const maxBytes = readLimit(options.maxBytes, 'maxBytes', 0);
  const validateOptions = { maxDepth };
  const decode = (frame: Frame | ArrayBuffer, isBinary: boolean, fromClient: boolean): Envelope => {
    const text = toText(frame, isBinary, maxBytes);
    const value = parse(text);
    // The envelope is one level above `data`. A text that proves the depth and key rules needs
    // no walk over the parsed value (json-text-limits.ts); any other is walked as before.
    if (jsonTextWithinLimits(text, maxDepth + 1)) return validateScanned(value, fromClient);
    return fromClient ? validateClientEnvelope(value, validateOptions) : validateServerEnvelope(value, validateOptions);
  };
  return {
    name: 'json',
    version: 1,
    subprotocol: SUBPROTOCOL_JSON,
    binary: false,
    encode(envelope: Envelope): string {
      return envelope.t === 'reply' && envelope.ok ? encodeReplyJson(envelope) : JSON.stringify(envelope);
    },
    decodeFromClient(frame: Frame | ArrayBuffer, isBinary: boolean): ClientEnvelope {
      return decode(frame, isBinary, true) as ClientEnvelope;
    },
    decodeFromServer(frame: Frame | ArrayBuffer, isBinary: boolean): ServerEnvelope {
      return decode(frame, isBinary, false) as ServerEnvelope;
    },
  };
}

/** The JSON codec with default options (text frames, subprotocol `switchyard.v1.json`). */
export const jsonCodec: Codec = createJsonCodec();
