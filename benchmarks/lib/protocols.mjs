// How each contender is spoken to: upgrade path, handshake, joining a room, and the frames a
// publisher or requester sends (all built once). Payloads are the same ~100-byte object.
import { clientFrame, OP_BINARY, OP_TEXT } from './frames.mjs';
import { encode as msgpack, OK_TRUE } from './msgpack-lite.mjs';

/** The payload every contender carries: 100 bytes as JSON. */
export const DATA = { text: 'x'.repeat(89) };
const DATA_JSON = JSON.stringify(DATA);

// Latency phases carry the send time in the payload, same size: `T` + 15 digits of the
// generator's performance.now() in µs + 73 `x`. The `T` is the first one in any push.
const STAMP_MARK = 0x54;
const STAMP_DIGITS = 15;

/** DATA with the send time `us` (generator clock, µs) written into it. */
export const stampedData = (us) => ({
  text: `T${String(Math.round(us)).padStart(STAMP_DIGITS, '0')}${'x'.repeat(88 - STAMP_DIGITS)}`,
});

/** The send time stamped in a push whose first bytes are `buf[pos..end)`, or -1 if not there. */
export function readStamp(buf, pos, end) {
  const stop = Math.min(end, pos + 64);
  for (let i = pos; i < stop; i++) {
    if (buf[i] !== STAMP_MARK) continue;
    if (i + 1 + STAMP_DIGITS > end) return -1;
    let v = 0;
    for (let j = i + 1; j <= i + STAMP_DIGITS; j++) v = v * 10 + (buf[j] - 48);
    return v;
  }
  return -1;
}

// The first bytes of a room push of DATA with event `e`, as the subscriber must receive it (the
// room name follows). Version 2 (what the client speaks) sends a push as the array
// [event, data, room, offset, epoch, from]: a client publish carries its publisher in `from`, so
// it has six elements (0x96), a server emit three (0x93). Version 1 sends the map { t, event, … }.
function pushPrefix(bin, version) {
  if (version === 1) return null;
  return bin
    ? Buffer.concat([Buffer.from([0x96]), msgpack('e'), msgpack(DATA)])
    : Buffer.from(`["e",${DATA_JSON},"room-`);
}

function switchyard(codec, version) {
  const bin = codec === 'msgpack';
  const enc = (obj) => (bin ? clientFrame(msgpack(obj), OP_BINARY) : clientFrame(JSON.stringify(obj), OP_TEXT));
  const isOk = (m) => (bin ? m.includes(OK_TRUE) : m.includes('"ok":true'));
  // welcome.v names the negotiated version: `"v":2`, or the msgpack key "v" (a1 76) and fixint 2.
  const versionMark = bin ? Buffer.from([0xa1, 0x76, version]) : `"v":${version}`;
  const prefix = pushPrefix(bin, version);
  return {
    subprotocol: `switchyard.v${version}.${codec}`,
    sio: false,
    path: ({ token }) => (token ? `/ws?token=${token}` : '/ws'),
    async handshake(conn) {
      const [welcome] = await conn.expect(1);
      if (!welcome.includes('welcome') || !welcome.includes(versionMark)) {
        throw new Error(`expected a version ${version} welcome, got ${welcome.toString('latin1', 0, 80)}`);
      }
    },
    async join(conn, room, id) {
      conn.send(enc({ t: 'join', id, room }));
      const [reply] = await conn.expect(1);
      if (!isOk(reply)) throw new Error(`join failed: ${reply.toString('latin1', 0, 120)}`);
    },
    /** Joins every room in one write and checks every reply. */
    async joinMany(conn, rooms) {
      conn.send(Buffer.concat(rooms.map((room, i) => enc({ t: 'join', id: i + 1, room }))));
      const replies = await conn.expect(rooms.length);
      const bad = replies.find((r) => !isOk(r));
      if (bad) throw new Error(`join failed: ${bad.toString('latin1', 0, 120)}`);
    },
    publishFrame: (room, data = DATA) => enc({ t: 'publish', room, event: 'e', data }),
    requestFrame: (id) => enc({ t: 'request', id, name: 'echo', data: DATA }),
    isDelivery: (m) =>
      prefix === null ? m.includes('push') && m.includes(DATA.text) : m.subarray(0, prefix.length).equals(prefix),
    isReply: (m) => isOk(m) && m.includes(DATA.text),
  };
}

const socketio = {
  subprotocol: undefined,
  sio: true,
  path: () => '/socket.io/?EIO=4&transport=websocket',
  async handshake(conn) {
    const [open] = await conn.expect(1);
    if (open[0] !== 0x30) throw new Error(`expected engine.io open, got ${open.toString('latin1', 0, 80)}`);
    conn.send(clientFrame('40'));
    const [ok] = await conn.expect(1);
    if (!ok.toString('latin1', 0, 2).startsWith('40'))
      throw new Error(`expected socket.io connect, got ${ok.toString('latin1', 0, 80)}`);
  },
  async join(conn, room, id) {
    conn.send(clientFrame(`42${id}${JSON.stringify(['join', room])}`));
    const [ack] = await conn.expect(1);
    if (!ack.toString('latin1').startsWith(`43${id}[true]`))
      throw new Error(`join failed: ${ack.toString('latin1', 0, 80)}`);
  },
  async joinMany(conn, rooms) {
    for (const [i, room] of rooms.entries()) await socketio.join(conn, room, i + 1);
  },
  publishFrame: (room, data = DATA) => clientFrame(`42${JSON.stringify(['pub', room, data])}`),
  requestFrame: (id) => clientFrame(`42${id}${JSON.stringify(['echo', DATA])}`),
  isDelivery: (m) => m.toString('latin1').startsWith('42["m",') && m.includes(DATA.text),
  isReply: (m) => m.toString('latin1').startsWith('43') && m.includes(DATA.text),
};

const uwsRaw = {
  subprotocol: undefined,
  sio: false,
  // Raw uWS has no join message: the URL names the topic, `sub=1` subscribes at open. On
  // `/subscribe` a message lists topics to subscribe to (the idle scenario's joins).
  path: ({ room, member, echo, subscribe }) =>
    echo ? '/echo' : subscribe ? '/subscribe' : `/?room=${encodeURIComponent(room ?? '')}${member ? '&sub=1' : ''}`,
  async handshake() {},
  async join() {},
  async joinMany(conn, rooms) {
    conn.send(clientFrame(rooms.join(',')));
    const [reply] = await conn.expect(1);
    if (reply.toString() !== 'ok') throw new Error(`subscribe failed: ${reply.toString('latin1', 0, 80)}`);
  },
  publishFrame: (_room, data) => clientFrame(data ? JSON.stringify(data) : DATA_JSON),
  requestFrame: () => clientFrame(DATA_JSON),
  isDelivery: (m) => m.toString() === DATA_JSON,
  isReply: (m) => m.toString() === DATA_JSON,
};

/** Wire adapters by protocol name. */
export const PROTOCOLS = {
  'switchyard-json': switchyard('json', 2),
  'switchyard-msgpack': switchyard('msgpack', 2),
  'switchyard-json-v1': switchyard('json', 1),
  'switchyard-msgpack-v1': switchyard('msgpack', 1),
  socketio: socketio,
  'uws-raw': uwsRaw,
};
