import { SUBPROTOCOL_JSON, type Codec, type Frame, type ServerEnvelope } from '@switchyard/protocol';

/** The part of a codec a client uses: it encodes its envelopes and decodes the server's. */
export type ClientCodec = Pick<Codec, 'name' | 'subprotocol' | 'binary' | 'encode' | 'decodeFromServer'>;

type Shape = Readonly<Record<string, string>>;

// The fields the client reads, per server envelope kind. The protocol's strict validator
// (`jsonCodec` from '@switchyard/protocol') checks every field and limit, which a server needs
// against untrusted clients; a client talking to its own server needs only enough never to
// misread a frame, at a fraction of the bundle size.
const SHAPES: Readonly<Record<string, Shape>> = {
  welcome: { connectionId: 'string', userId: 'string', limits: 'object' },
  reply: { id: 'number', ok: 'boolean' },
  request: { id: 'number', name: 'string' },
  push: { event: 'string' },
  presence: { room: 'string', change: 'string', userId: 'string', connections: 'number' },
  notice: { code: 'string' },
  ping: {},
  pong: {},
};

function fits(value: unknown, shape: Shape | undefined): boolean {
  if (typeof value !== 'object' || value === null || !shape) return false;
  for (const key in shape) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field !== shape[key] || field === null) return false;
  }
  return true;
}

function valid(e: Record<string, unknown>): boolean {
  const t = String(e['t']);
  return (
    Object.hasOwn(SHAPES, t) &&
    fits(e, SHAPES[t]) &&
    (e['room'] === undefined || typeof e['room'] === 'string') &&
    (t !== 'welcome' || fits(e['limits'], { maxPayload: 'number', heartbeatMs: 'number' })) &&
    (t !== 'reply' || e['ok'] === true || fits(e['error'], { code: 'string', message: 'string' }))
  );
}

/**
 * The client's JSON codec (text frames, subprotocol `switchyard.v1.json`): `JSON.stringify` out,
 * `JSON.parse` in, with a structural check of the fields the client relies on. A frame that is
 * not JSON (`SyntaxError`) or lacks them (`TypeError`) makes the client close with 4000.
 */
export const json: ClientCodec = {
  name: 'json',
  subprotocol: SUBPROTOCOL_JSON,
  binary: false,
  encode: (envelope) => JSON.stringify(envelope),
  decodeFromServer(frame: Frame | ArrayBuffer, isBinary: boolean): ServerEnvelope {
    const value: unknown = isBinary ? null : JSON.parse(frame as string);
    // Arrays pass as objects but have no string `t` with a shape.
    if (!fits(value, {}) || !valid(value as Record<string, unknown>)) {
      throw new TypeError(`invalid server frame: ${isBinary ? 'binary' : (frame as string).slice(0, 100)}`);
    }
    return value as ServerEnvelope;
  },
};
