// WebSocket framing for the load generator: client frames are built and masked once, at setup;
// server frames are parsed by header only, so the receive path allocates nothing per message.
import { randomBytes } from 'node:crypto';

export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;

/** One masked client frame (FIN set) carrying `payload` (Buffer or string). */
export function clientFrame(payload, opcode = OP_TEXT) {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = body.length;
  const hlen = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(hlen + 4 + len);
  frame[0] = 0x80 | opcode;
  if (len < 126) {
    frame[1] = 0x80 | len;
  } else if (len < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(len, 6);
  }
  const mask = randomBytes(4);
  mask.copy(frame, hlen);
  const off = hlen + 4;
  for (let i = 0; i < len; i++) frame[off + i] = body[i] ^ mask[i & 3];
  return frame;
}

export const PONG_FRAME = clientFrame(Buffer.alloc(0), OP_PONG);
export const CLOSE_FRAME = clientFrame(Buffer.from([0x03, 0xe8]), OP_CLOSE);

/**
 * Incremental parser of server (unmasked) frames. Calls `onFrame(opcode, length, firstByte, buf,
 * pos, end)` once per frame; `firstByte` is the first payload byte, or -1 when the payload is
 * empty or starts in a later chunk; the payload's first bytes are `buf[pos..end)` when `pos < end`
 * (valid during the call only). Payload bytes are skipped, never copied.
 */
export class FrameReader {
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.left = 0; // payload bytes of the current frame still to skip
    this.hdr = Buffer.alloc(14); // a header split across chunks
    this.hdrLen = 0;
  }

  /** Consumes `buf[0..len)`; the bytes may be overwritten after the call returns. */
  feed(buf, len = buf.length) {
    let pos = 0;
    while (pos < len) {
      if (this.left > 0) {
        const n = this.left < len - pos ? this.left : len - pos;
        this.left -= n;
        pos += n;
        continue;
      }
      let src = buf;
      let at = pos;
      let avail = len - pos;
      if (this.hdrLen > 0) {
        // Complete a split header byte by byte (rare).
        this.hdr[this.hdrLen++] = buf[pos++];
        const need = headerSize(this.hdr, this.hdrLen);
        if (need === 0 || this.hdrLen < need) continue;
        src = this.hdr;
        at = 0;
        avail = this.hdrLen;
        this.hdrLen = 0;
      } else {
        const need = avail >= 2 ? headerSize(buf, avail, pos) : 0;
        if (need === 0 || avail < need) {
          buf.copy(this.hdr, 0, pos, len);
          this.hdrLen = len - pos;
          return;
        }
      }
      const b0 = src[at];
      const l7 = src[at + 1] & 127;
      let plen;
      let hlen;
      if (l7 < 126) {
        plen = l7;
        hlen = 2;
      } else if (l7 === 126) {
        plen = src.readUInt16BE(at + 2);
        hlen = 4;
      } else {
        plen = src.readUInt32BE(at + 6);
        hlen = 10;
      }
      if (src === buf) pos += hlen;
      const first = plen > 0 && pos < len ? buf[pos] : -1;
      this.left = plen;
      this.onFrame(b0 & 15, plen, first, buf, pos, len);
    }
  }
}

// Bytes the header starting at `at` needs, or 0 when fewer than 2 bytes are known.
function headerSize(b, avail, at = 0) {
  if (avail < 2) return 0;
  const l7 = b[at + 1] & 127;
  return l7 < 126 ? 2 : l7 === 126 ? 4 : 10;
}
