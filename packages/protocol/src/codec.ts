import type { ClientEnvelope, Envelope, ServerEnvelope } from './envelope.js';
import type { CodecName, ProtocolVersion } from './version.js';

/** An encoded frame: a string for text frames, bytes for binary frames. */
export type Frame = string | Uint8Array;

/** Which side's envelopes a decoder accepts. */
export type Direction = 'client-to-server' | 'server-to-client';

/**
 * Turns envelopes into frames and untrusted frames back into checked envelopes.
 * Broadcasting encodes once per codec (wire format) and sends the same frame to every recipient.
 */
export interface Codec {
  /** `json` or `msgpack`. */
  readonly name: CodecName;
  /** The protocol version this codec speaks (`welcome.v`); version 2 encodes `push` as an array. */
  readonly version: ProtocolVersion;
  /** The WebSocket subprotocol that selects this codec. */
  readonly subprotocol: string;
  /** True when frames are binary (msgpack), false for text frames (JSON). */
  readonly binary: boolean;
  /**
   * Encodes one envelope into one frame. A binary frame may be a view into a larger, reused
   * buffer: send the view itself (its `byteOffset`/`byteLength`), never its `.buffer`. The view
   * stays valid after later calls.
   * @throws TypeError or RangeError for values no codec can carry (BigInt, cycles, extreme nesting).
   */
  encode(envelope: Envelope): Frame;
  /**
   * Decodes and validates an untrusted frame sent by a client.
   * @throws ProtocolError when the frame is not a valid client envelope.
   */
  decodeFromClient(frame: Frame | ArrayBuffer, isBinary: boolean): ClientEnvelope;
  /**
   * Decodes and validates an untrusted frame sent by a server.
   * @throws ProtocolError when the frame is not a valid server envelope.
   */
  decodeFromServer(frame: Frame | ArrayBuffer, isBinary: boolean): ServerEnvelope;
}
