// The `@switchyard/protocol/msgpack` entry: the msgpack codecs of both protocol versions, kept out
// of the main entry so JSON-only apps and browsers never load msgpackr.
export { createMsgpackCodec, msgpackCodec } from './codec-msgpack.js';
export { createMsgpackV2Codec, msgpackV2Codec } from './codec-msgpack-v2.js';
