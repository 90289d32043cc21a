/** Protocol versions a server speaks; `welcome.v` carries the one a connection negotiated. */
export const PROTOCOL_VERSIONS = [1, 2] as const;
/** A protocol version. Version 2 differs from version 1 only in the encoding of `push`. */
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

/** The newest protocol version, the one the client speaks. Bumped only for incompatible wire changes. */
export const PROTOCOL_VERSION = 2;

/** WebSocket subprotocol selecting the version 1 JSON codec (text frames). */
export const SUBPROTOCOL_JSON = 'switchyard.v1.json';

/** WebSocket subprotocol selecting the version 1 msgpack codec (binary frames). */
export const SUBPROTOCOL_MSGPACK = 'switchyard.v1.msgpack';

/** WebSocket subprotocol selecting the version 2 JSON codec (text frames, compact `push`). */
export const SUBPROTOCOL_V2_JSON = 'switchyard.v2.json';

/** WebSocket subprotocol selecting the version 2 msgpack codec (binary frames, compact `push`). */
export const SUBPROTOCOL_V2_MSGPACK = 'switchyard.v2.msgpack';

/**
 * Prefix of a subprotocol entry that carries a bearer token, for browsers, which cannot set
 * headers on a WebSocket: `switchyard.bearer.<jwt>`. Never echoed back by the server.
 */
export const BEARER_SUBPROTOCOL_PREFIX = 'switchyard.bearer.';

/** Codec names, in the order a server prefers them. */
export const CODEC_NAMES = ['json', 'msgpack'] as const;
/** Name of a wire codec. */
export type CodecName = (typeof CODEC_NAMES)[number];

/** Version 1 subprotocol for each codec. */
export const CODEC_SUBPROTOCOLS: Readonly<Record<CodecName, string>> = {
  json: SUBPROTOCOL_JSON,
  msgpack: SUBPROTOCOL_MSGPACK,
};

/** Version 2 subprotocol for each codec. */
export const CODEC_SUBPROTOCOLS_V2: Readonly<Record<CodecName, string>> = {
  json: SUBPROTOCOL_V2_JSON,
  msgpack: SUBPROTOCOL_V2_MSGPACK,
};
