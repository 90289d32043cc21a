/**
 * The msgpack codec (binary frames, subprotocol `switchyard.v1.msgpack`), in its own entry so
 * JSON-only bundles never contain msgpackr.
 *
 * @example
 * import { createClient } from '@switchyard/client';
 * import { msgpack } from '@switchyard/client/msgpack';
 * const client = createClient({ url, getToken, codec: msgpack });
 */
export { msgpackCodec as msgpack } from '@switchyard/protocol/msgpack';
