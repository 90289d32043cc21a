import { SUBPROTOCOL_V2_JSON, type Codec, type Frame, type ServerEnvelope } from '@switchyard/protocol';

/**
 * The part of a codec a client uses: it offers the subprotocol, encodes its envelopes and decodes
 * the server's. (The frame type follows from the frame: a string is sent as text.)
 */
export type ClientCodec = Pick<Codec, 'subprotocol' | 'encode' | 'decodeFromServer'>;

// A shape maps each field to its `typeof`, or to the shape of a nested object.
interface Shape {
  readonly [key: string]: string | Shape;
}

// The fields the client reads, per server envelope kind. The protocol's strict validator
// (`jsonV2Codec` from '@switchyard/protocol') checks every field and limit, which a server needs
// against untrusted clients; a client talking to its own server needs only enough never to
// misread a frame, at a fraction of the bundle size.
const SHAPES: Readonly<Record<string, Shape>> = {
  welcome: { connectionId: 'string', userId: 'string', limits: { maxPayload: 'number', heartbeatMs: 'number' } },
  reply: { id: 'number', ok: 'boolean' },
  request: { id: 'number', name: 'string' },
  push: { event: 'string' },
  presence: { room: 'string', change: 'string' },
  notice: { code: 'string' },
  ping: {},
  pong: {},
};

function fits(value: unknown, shape: Shape | undefined): boolean {
  if (typeof value !== 'object' || value === null || !shape) return false;
  for (const key in shape) {
    const want = shape[key];
    const field = (value as Record<string, unknown>)[key];
    if (typeof want === 'object' ? !fits(field, want) : typeof field !== want) return false;
  }
  return true;
}

// `e` is any parsed JSON value (hence `?.`: null has no `t`); a primitive fits no shape.
function valid(e: Record<string, unknown>): boolean {
  const t = String(e?.['t']);
  return (
    Object.hasOwn(SHAPES, t) &&
    fits(e, SHAPES[t]) &&
    (e['room'] === undefined || typeof e['room'] === 'string') &&
    (e['offset'] === undefined || typeof e['offset'] === 'number') &&
    (e['epoch'] === undefined || typeof e['epoch'] === 'string') &&
    (e['from'] === undefined || typeof e['from'] === 'string') &&
    (t !== 'reply' || e['ok'] === true || fits(e['error'], { code: 'string', message: 'string' })) &&
    (t !== 'presence' ||
      fits(e, e['change'] === 'count' ? { count: 'number' } : { userId: 'string', connections: 'number' }))
  );
}

/**
 * The client's JSON codec (protocol version 2, text frames, subprotocol `switchyard.v2.json`):
 * `JSON.stringify` out, `JSON.parse` in, with a structural check of the fields the client relies
 * on. A compact push `[event, data, room, offset, epoch, from]` becomes the push envelope (`null` in
 * the room, offset or epoch position means absent). A frame that is not
 * JSON (`SyntaxError`) or lacks those fields (`TypeError`) makes the client close with 4000.
 */
export const json: ClientCodec = {
  subprotocol: SUBPROTOCOL_V2_JSON,
  encode: JSON.stringify,
  decodeFromServer(frame: Frame | ArrayBuffer, isBinary: boolean): ServerEnvelope {
    let value: unknown = isBinary ? null : JSON.parse(frame as string);
    // A null room, offset, epoch or from (before a later field) means none, as an absent one does.
    if (Array.isArray(value)) {
      const [event, data, room, offset, epoch, from] = value as unknown[];
      value = {
        t: 'push',
        event,
        data,
        room: room ?? undefined,
        offset: offset ?? undefined,
        epoch: epoch ?? undefined,
        from: from ?? undefined,
      };
    }
    if (!valid(value as Record<string, unknown>)) {
      throw new TypeError(`invalid server frame: ${isBinary ? 'binary' : (frame as string).slice(0, 100)}`);
    }
    return value as ServerEnvelope;
  },
};
