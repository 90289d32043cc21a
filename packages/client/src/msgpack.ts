/**
 * The msgpack codec (protocol version 2, binary frames, subprotocol `switchyard.v2.msgpack`), in
 * its own entry so JSON-only bundles never contain msgpackr.
 *
 * @example
 * import { createClient } from '@switchyard/client';
 * import { msgpack } from '@switchyard/client/msgpack';
 * const client = createClient({ url, getToken, codec: msgpack });
 */
export { msgpackV2Codec as msgpack } from '@switchyard/protocol/msgpack';
