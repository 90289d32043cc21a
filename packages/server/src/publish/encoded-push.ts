import type { Codec, Frame, PushEnvelope } from '@switchyard/protocol';

/**
 * One push (a room message or a direct message), encoded at most once per wire format and shared
 * by every recipient of that format. A push that arrived from another node starts as that node's
 * frame: recipients of the same format get those bytes untouched, and the envelope is decoded only
 * when another format (or a conflation replay) needs it.
 */
export class EncodedPush {
  readonly room: string | undefined;
  /** Conflation key for rooms with the `latest` slow-consumer policy. */
  readonly key: string | undefined;
  #envelope: PushEnvelope | undefined;
  readonly #decode: (() => PushEnvelope) | undefined;
  // At most four wire formats: parallel arrays beat a Map at this size.
  readonly #codecs: Codec[] = [];
  readonly #frames: Frame[] = [];

  private constructor(
    room: string | undefined,
    key: string | undefined,
    envelope: PushEnvelope | undefined,
    decode?: () => PushEnvelope,
  ) {
    this.room = room;
    this.key = key;
    this.#envelope = envelope;
    this.#decode = decode;
  }

  /** A push built on this node; `key` is its conflation key. */
  static of(envelope: PushEnvelope, key?: string): EncodedPush {
    return new EncodedPush(envelope.room, key, envelope);
  }

  /**
   * A push another node encoded as `frame` in `codec`'s wire format; `decode` turns the frame back
   * into the envelope when a recipient of another format needs it.
   */
  static fromFrame(
    room: string | undefined,
    key: string | undefined,
    codec: Codec,
    frame: Frame,
    decode: () => PushEnvelope,
  ): EncodedPush {
    const push = new EncodedPush(room, key, undefined, decode);
    push.#codecs.push(codec);
    push.#frames.push(frame);
    return push;
  }

  /** The event name (decodes a push from another node). */
  get event(): string {
    return this.envelope.event;
  }

  /** The push as an envelope (decoded on first use for a push from another node). */
  get envelope(): PushEnvelope {
    this.#envelope ??= (this.#decode as () => PushEnvelope)();
    return this.#envelope;
  }

  /** The frame for `codec`'s wire format, encoded on first use. @throws what the codec's `encode` throws */
  frame(codec: Codec): Frame {
    const i = this.#codecs.indexOf(codec);
    if (i !== -1) return this.#frames[i] as Frame;
    const frame = codec.encode(this.envelope);
    this.#codecs.push(codec);
    this.#frames.push(frame);
    return frame;
  }
}

/** Bytes a frame takes on the wire: UTF-8 length of a text frame, length of a binary one. */
export function frameBytes(frame: Frame): number {
  return typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
}
