import {
  createJsonCodec,
  createJsonV2Codec,
  type Codec,
  type CodecName,
  type Frame,
  type PushEnvelope,
} from '@switchyard/protocol';
import { createMsgpackCodec, createMsgpackV2Codec } from '@switchyard/protocol/msgpack';

/** A wire format's short name on the cluster wire: codec and protocol version. */
export type WireFormatId = 'json2' | 'json1' | 'msgpack2' | 'msgpack1';

/** The short name of a codec's wire format. */
export function formatId(codec: Pick<Codec, 'name' | 'version'>): WireFormatId {
  return `${codec.name}${codec.version}`;
}

/**
 * The wire formats a node serves: each enabled codec in protocol versions 2 and 1 (they differ
 * only in the push encoding), in the server's order of preference. Also decodes pushes that
 * another node encoded, with codecs that have no frame-size limit (a server push may be larger
 * than what clients may send).
 */
export class WireFormats {
  /** Every served wire format, version 2 of each codec first. */
  readonly codecs: readonly Codec[];
  /** The format a push is encoded in for other nodes: version 2 JSON when enabled, else version 2 msgpack. */
  readonly canonical: Codec;
  readonly #byId = new Map<WireFormatId, Codec>();
  readonly #decoders = new Map<WireFormatId, Codec>();

  constructor(names: readonly CodecName[], maxPayload: number) {
    const options = { maxBytes: maxPayload };
    this.codecs = names.flatMap((name) =>
      name === 'json'
        ? [createJsonV2Codec(options), createJsonCodec(options)]
        : [createMsgpackV2Codec(options), createMsgpackCodec(options)],
    );
    for (const codec of this.codecs) this.#byId.set(formatId(codec), codec);
    const first = this.codecs[0];
    if (first === undefined) throw new RangeError('at least one codec must be enabled');
    this.canonical = this.#byId.get('json2') ?? first;
  }

  /** The served codec of a format, or undefined when this node does not serve it. */
  byId(id: WireFormatId): Codec | undefined {
    return this.#byId.get(id);
  }

  /** The version 1 JSON codec, for clients that offer no codec subprotocol. */
  get fallback(): Codec | undefined {
    return this.#byId.get('json1');
  }

  /** A codec of format `id` without a frame-size limit, for frames from other nodes. */
  decoderFor(id: WireFormatId): Codec {
    let decoder = this.#decoders.get(id);
    if (decoder === undefined) {
      decoder = makeDecoder(id);
      this.#decoders.set(id, decoder);
    }
    return decoder;
  }

  /**
   * Decodes a push frame encoded by another node in format `id`.
   * @throws ProtocolError when the frame is not a valid push
   */
  decodePush(id: WireFormatId, frame: Frame): PushEnvelope {
    const decoder = this.decoderFor(id);
    const envelope = decoder.decodeFromServer(frame, decoder.binary);
    if (envelope.t !== 'push') throw new TypeError(`expected a push, got ${envelope.t}`);
    return envelope;
  }
}

/** @internal */
function makeDecoder(id: WireFormatId): Codec {
  switch (id) {
    case 'json2':
      return createJsonV2Codec();
    case 'json1':
      return createJsonCodec();
    case 'msgpack2':
      return createMsgpackV2Codec();
    case 'msgpack1':
      return createMsgpackCodec();
  }
}
