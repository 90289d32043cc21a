// How each contender is spoken to: upgrade path, handshake, joining a room, and the frames a
// publisher or requester sends (all built once). Payloads are the same ~100-byte object.
import { clientFrame, OP_BINARY, OP_TEXT } from './frames.mjs';
import { encode as msgpack, OK_TRUE } from './msgpack-lite.mjs';

/** The payload every contender carries: 100 bytes as JSON. */
export const DATA = { text: 'x'.repeat(89) };
const DATA_JSON = JSON.stringify(DATA);

function switchyard(codec) {
  const bin = codec === 'msgpack';
  const enc = (obj) => (bin ? clientFrame(msgpack(obj), OP_BINARY) : clientFrame(JSON.stringify(obj), OP_TEXT));
  const isOk = (m) => (bin ? m.includes(OK_TRUE) : m.includes('"ok":true'));
  return {
    subprotocol: `switchyard.v1.${codec}`,
    sio: false,
    path: ({ token }) => (token ? `/ws?token=${token}` : '/ws'),
    async handshake(conn) {
      const [welcome] = await conn.expect(1);
      if (!welcome.includes('welcome')) throw new Error(`expected welcome, got ${welcome.toString('latin1', 0, 80)}`);
    },
    async join(conn, room, id) {
      conn.send(enc({ t: 'join', id, room }));
      const [reply] = await conn.expect(1);
      if (!isOk(reply)) throw new Error(`join failed: ${reply.toString('latin1', 0, 120)}`);
    },
    publishFrame: (room) => enc({ t: 'publish', room, event: 'e', data: DATA }),
    requestFrame: (id) => enc({ t: 'request', id, name: 'echo', data: DATA }),
    isDelivery: (m) => m.includes('push') && m.includes(DATA.text),
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
    if (!ok.toString('latin1', 0, 2).startsWith('40')) throw new Error(`expected socket.io connect, got ${ok.toString('latin1', 0, 80)}`);
  },
  async join(conn, room, id) {
    conn.send(clientFrame(`42${id}${JSON.stringify(['join', room])}`));
    const [ack] = await conn.expect(1);
    if (!ack.toString('latin1').startsWith(`43${id}[true]`)) throw new Error(`join failed: ${ack.toString('latin1', 0, 80)}`);
  },
  publishFrame: (room) => clientFrame(`42${JSON.stringify(['pub', room, DATA])}`),
  requestFrame: (id) => clientFrame(`42${id}${JSON.stringify(['echo', DATA])}`),
  isDelivery: (m) => m.toString('latin1').startsWith('42["m",') && m.includes(DATA.text),
  isReply: (m) => m.toString('latin1').startsWith('43') && m.includes(DATA.text),
};

const uwsRaw = {
  subprotocol: undefined,
  sio: false,
  // Raw uWS has no join message: the URL names the topic, `sub=1` subscribes at open.
  path: ({ room, member, echo }) =>
    echo ? '/echo' : `/?room=${encodeURIComponent(room ?? '')}${member ? '&sub=1' : ''}`,
  async handshake() {},
  async join() {},
  publishFrame: () => clientFrame(DATA_JSON),
  requestFrame: () => clientFrame(DATA_JSON),
  isDelivery: (m) => m.toString() === DATA_JSON,
  isReply: (m) => m.toString() === DATA_JSON,
};

/** Wire adapters by protocol name. */
export const PROTOCOLS = {
  'switchyard-json': switchyard('json'),
  'switchyard-msgpack': switchyard('msgpack'),
  socketio: socketio,
  'uws-raw': uwsRaw,
};
