import type { Codec, Frame } from './codec.js';
import { createJsonCodec, parse, toText } from './codec-json.js';
import type { Envelope, ServerEnvelope } from './envelope.js';
import { type CodecOptions, readLimit } from './frame-size.js';
import { DEFAULT_MAX_DEPTH } from './payload.js';
import { compactPush, expandPush, refuseObjectPush } from './push-compact.js';
import { validateServerEnvelope } from './validate.js';
import { SUBPROTOCOL_V2_JSON } from './version.js';

/**
 * Creates the protocol version 2 JSON codec: version 1 JSON, except that a `push` is the array
 * `["event",data,"room"]` (see {@link compactPush}). Client frames are decoded exactly as in
 * version 1.
 *
 * @example
 * const codec = createJsonV2Codec({ maxBytes: 65_536 });
 * codec.encode({ t: 'push', event: 'msg', data: 1, room: 'lobby' }); // '["msg",1,"lobby"]'
 */
export function createJsonV2Codec(options: CodecOptions = {}): Codec {
  const v1 = createJsonCodec(options);
  const maxDepth = readLimit(options.maxDepth, 'maxDepth', DEFAULT_MAX_DEPTH);
  const maxBytes = readLimit(options.maxBytes, 'maxBytes', 0);
  return {
    name: 'json',
    version: 2,
    subprotocol: SUBPROTOCOL_V2_JSON,
    binary: false,
    encode(envelope: Envelope): Frame {
      return envelope.t === 'push' ? JSON.stringify(compactPush(envelope)) : v1.encode(envelope);
    },
    decodeFromClient: (frame, isBinary) => v1.decodeFromClient(frame, isBinary),
    decodeFromServer(frame: Frame | ArrayBuffer, isBinary: boolean): ServerEnvelope {
      const value = parse(toText(frame, isBinary, maxBytes));
      if (Array.isArray(value)) return expandPush(value, maxDepth, false);
      return refuseObjectPush(validateServerEnvelope(value, { maxDepth }));
    },
  };
}

/** The version 2 JSON codec with default options (text frames, subprotocol `switchyard.v2.json`). */
export const jsonV2Codec: Codec = createJsonV2Codec();
