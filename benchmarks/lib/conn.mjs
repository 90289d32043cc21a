// One raw client WebSocket over node:net. During setup frames are parsed fully so handshake
// replies can be checked; afterwards `count()` switches to header-only parsing, where each data
// frame only bumps counters (and, for request scenarios, pops a send timestamp).
import { connect } from 'node:net';
import { FrameReader, OP_BINARY, OP_CLOSE, OP_PING, OP_TEXT, PONG_FRAME, clientFrame } from './frames.mjs';

const SIO_PONG = clientFrame('3');
// All sockets read into one buffer (net `onread`): each read is handled synchronously before
// the next, so nothing is allocated per read and the stream machinery is skipped.
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** Shared counters of a group of connections (one increment per received data frame). */
export class Tally {
  constructor() {
    this.frames = 0;
    this.bytes = 0;
    this.kick = null; // called once per received chunk while set (drives a saturating publisher)
  }
}

export class Conn {
  /**
   * @param {object} o
   * @param {number} o.port
   * @param {string} o.path request target, with query
   * @param {string} [o.subprotocol]
   * @param {boolean} [o.sio] answer engine.io pings ("2") with "3" and do not count them
   * @param {string} [o.localAddress]
   */
  constructor(o) {
    this.o = o;
    this.socket = null;
    this.status = 0;
    this.closed = false;
    this.messages = []; // full payloads, setup phase only
    this.waiter = null;
    this.tally = null; // set by count()
    this.onReply = null; // request scenarios: called per data frame
    // Latency phases: called per data frame with the bytes of its payload in this chunk.
    this.onPayload = null;
    this.reader = new FrameReader((op, len, first, buf, pos, end) => this.#frame(op, len, first, buf, pos, end));
    this.setupBuf = null;
  }

  /** Connects and upgrades; resolves with the HTTP status (101 on success). */
  open(timeoutMs = 10_000) {
    const { port, path, subprotocol, localAddress } = this.o;
    return new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      let upgraded = false;
      const socket = connect({
        port,
        host: '127.0.0.1',
        noDelay: true,
        ...(localAddress ? { localAddress } : {}),
        onread: {
          buffer: READ_BUFFER,
          callback: (n, buf) => {
            if (upgraded) this.#data(buf, n);
            else onHead(Buffer.from(buf.subarray(0, n)));
          },
        },
      });
      this.socket = socket;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`upgrade timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onHead = (chunk) => {
        head = head.length ? Buffer.concat([head, chunk]) : chunk;
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > 16384) socket.destroy();
          return;
        }
        clearTimeout(timer);
        this.status = Number(head.toString('latin1', 9, 12));
        if (this.status !== 101) {
          socket.destroy();
          resolve(this.status);
          return;
        }
        upgraded = true;
        this.setupBuf = Buffer.alloc(0);
        const rest = head.subarray(end + 4);
        resolve(101);
        if (rest.length) this.#data(rest, rest.length);
      };
      socket.on('error', (err) => {
        clearTimeout(timer);
        this.closed = true;
        if (!this.status) reject(err);
      });
      socket.on('close', () => {
        this.closed = true;
        clearTimeout(timer);
        if (!this.status) reject(new Error('closed before upgrade'));
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = null;
          w.reject(new Error('connection closed during setup'));
        }
      });
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n` +
          (subprotocol ? `Sec-WebSocket-Protocol: ${subprotocol}\r\n` : '') +
          '\r\n',
      );
    });
  }

  /** Waits until `n` data messages (setup phase) have arrived; returns and clears them. */
  expect(n, timeoutMs = 10_000) {
    if (this.messages.length >= n) return Promise.resolve(this.messages.splice(0, n));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`expected ${n} messages, got ${this.messages.length}`));
      }, timeoutMs);
      this.waiter = {
        n,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  send(frame) {
    this.socket.write(frame);
  }

  /** Ends setup: from now on data frames only increment `tally`. */
  count(tally) {
    this.tally = tally;
    const rest = this.setupBuf;
    this.setupBuf = null;
    if (rest && rest.length) this.reader.feed(rest);
  }

  destroy() {
    this.closed = true;
    this.socket?.destroy();
  }

  #data(chunk, n) {
    if (this.setupBuf === null) {
      this.reader.feed(chunk, n);
      const kick = this.tally.kick;
      if (kick !== null) kick();
      return;
    }
    // Setup: full parse, payloads kept.
    let buf = Buffer.concat([this.setupBuf, chunk.subarray(0, n)]);
    for (;;) {
      if (buf.length < 2) break;
      const l7 = buf[1] & 127;
      const hlen = l7 < 126 ? 2 : l7 === 126 ? 4 : 10;
      if (buf.length < hlen) break;
      const plen = l7 < 126 ? l7 : l7 === 126 ? buf.readUInt16BE(2) : buf.readUInt32BE(6);
      if (buf.length < hlen + plen) break;
      const op = buf[0] & 15;
      const payload = buf.subarray(hlen, hlen + plen);
      buf = buf.subarray(hlen + plen);
      if (op === OP_PING) this.socket.write(PONG_FRAME);
      else if (op === OP_CLOSE) this.closed = true;
      else if (op === OP_TEXT || op === OP_BINARY) {
        if (this.o.sio && plen === 1) this.socket.write(SIO_PONG);
        else this.messages.push(Buffer.from(payload));
      }
    }
    this.setupBuf = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
    if (this.waiter && this.messages.length >= this.waiter.n) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve(this.messages.splice(0, w.n));
    }
  }

  #frame(op, len, first, buf, pos, end) {
    if (op === OP_TEXT || op === OP_BINARY) {
      // engine.io heartbeat: a one-byte "2"; answered, not counted.
      if (len === 1 && this.o.sio) {
        this.socket.write(SIO_PONG);
        return;
      }
      const t = this.tally;
      t.frames++;
      t.bytes += len;
      if (this.onReply !== null) this.onReply();
      if (this.onPayload !== null) this.onPayload(buf, pos, pos + len < end ? pos + len : end);
    } else if (op === OP_PING) {
      this.socket.write(PONG_FRAME);
    } else if (op === OP_CLOSE) {
      this.closed = true;
    }
  }
}
