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

function check(value: unknown, shape: Shape, where: string): void {
  for (const key in shape) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field !== shape[key] || field === null) fail(`${where}.${key} is not a ${shape[key]}`);
  }
}

// A plain TypeError: the connection closes any undecodable frame with 4000 (PROTOCOL_ERROR),
// so the protocol's error classes (and their code tables) need not ship to browsers.
function fail(message: string): never {
  throw new TypeError(`invalid server frame: ${message}`);
}

/**
 * The client's JSON codec (text frames, subprotocol `switchyard.v1.json`): `JSON.stringify` out,
 * `JSON.parse` in, with a structural check of the fields the client relies on. A frame that is
 * not valid JSON or lacks them throws a `TypeError`; the client then closes with 4000.
 */
export const json: ClientCodec = {
  name: 'json',
  subprotocol: SUBPROTOCOL_JSON,
  binary: false,
  encode: (envelope) => JSON.stringify(envelope),
  decodeFromServer(frame: Frame | ArrayBuffer, isBinary: boolean): ServerEnvelope {
    if (isBinary || typeof frame !== 'string') fail('binary frame on a JSON connection');
    // JSON.parse throws a SyntaxError for a frame that is not JSON.
    const value: unknown = JSON.parse(frame);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not an object');
    const envelope = value as Record<string, unknown>;
    const t = String(envelope['t']);
    const shape = Object.hasOwn(SHAPES, t) ? SHAPES[t] : undefined;
    if (shape === undefined) fail(`unknown type ${t.slice(0, 32)}`);
    check(envelope, envelope['room'] === undefined ? shape : { ...shape, room: 'string' }, t);
    if (t === 'welcome') check(envelope['limits'], { maxPayload: 'number', heartbeatMs: 'number' }, 'welcome.limits');
    if (t === 'reply' && !envelope['ok']) {
      check(envelope, { error: 'object' }, t);
      check(envelope['error'], { code: 'string', message: 'string' }, 'reply.error');
    }
    return value as ServerEnvelope;
  },
};
