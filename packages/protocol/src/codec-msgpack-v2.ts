import type { Codec, Frame } from './codec.js';
import { createMsgpackCodec, decode, packValue } from './codec-msgpack.js';
import type { Envelope, ServerEnvelope } from './envelope.js';
import { type CodecOptions, readLimit } from './frame-size.js';
import { DEFAULT_MAX_DEPTH } from './payload.js';
import { compactPush, expandPush, refuseObjectPush } from './push-compact.js';
import { validateScanned } from './validate.js';
import { SUBPROTOCOL_V2_MSGPACK } from './version.js';

/**
 * Creates the protocol version 2 msgpack codec: version 1 msgpack, except that a `push` is a
 * msgpack array `[event, data, room]` (see {@link compactPush}). Client frames are decoded exactly
 * as in version 1. Import it from `@switchyard/protocol/msgpack`.
 *
 * @example
 * import { createMsgpackV2Codec } from '@switchyard/protocol/msgpack';
 * const codec = createMsgpackV2Codec({ maxBytes: 65_536 });
 */
export function createMsgpackV2Codec(options: CodecOptions = {}): Codec {
  const v1 = createMsgpackCodec(options);
  const maxDepth = readLimit(options.maxDepth, 'maxDepth', DEFAULT_MAX_DEPTH);
  const maxBytes = readLimit(options.maxBytes, 'maxBytes', 0);
  return {
    name: 'msgpack',
    version: 2,
    subprotocol: SUBPROTOCOL_V2_MSGPACK,
    binary: true,
    encode(envelope: Envelope): Frame {
      return envelope.t === 'push' ? packValue(compactPush(envelope)) : v1.encode(envelope);
    },
    decodeFromClient: (frame, isBinary) => v1.decodeFromClient(frame, isBinary),
    decodeFromServer(frame: Frame | ArrayBuffer, isBinary: boolean): ServerEnvelope {
      const value = decode(frame, isBinary, maxBytes, maxDepth);
      // The scan already checked depth and keys.
      if (Array.isArray(value)) return expandPush(value, maxDepth, true);
      return refuseObjectPush(validateScanned(value, false) as ServerEnvelope);
    },
  };
}

/** The version 2 msgpack codec with default options (binary frames, subprotocol `switchyard.v2.msgpack`). */
export const msgpackV2Codec: Codec = createMsgpackV2Codec();
