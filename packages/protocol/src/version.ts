/** Protocol version carried in the welcome message. Bumped only for incompatible wire changes. */
export const PROTOCOL_VERSION = 1;

/** WebSocket subprotocol selecting the JSON codec (text frames). */
export const SUBPROTOCOL_JSON = 'switchyard.v1.json';

/** WebSocket subprotocol selecting the msgpack codec (binary frames). */
export const SUBPROTOCOL_MSGPACK = 'switchyard.v1.msgpack';

/**
 * Prefix of a subprotocol entry that carries a bearer token, for browsers, which cannot set
 * headers on a WebSocket: `switchyard.bearer.<jwt>`. Never echoed back by the server.
 */
export const BEARER_SUBPROTOCOL_PREFIX = 'switchyard.bearer.';

/** Codec names, in the order a server prefers them. */
export const CODEC_NAMES = ['json', 'msgpack'] as const;
/** Name of a wire codec. */
export type CodecName = (typeof CODEC_NAMES)[number];

/** Subprotocol for each codec. */
export const CODEC_SUBPROTOCOLS: Readonly<Record<CodecName, string>> = {
  json: SUBPROTOCOL_JSON,
  msgpack: SUBPROTOCOL_MSGPACK,
};
