import type { OutgoingFrame } from './types.js';

const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const FIN = 0x80;

/**
 * One server-to-client WebSocket frame (RFC 6455 §5.2: FIN set, unmasked, no extension bits),
 * header and payload in one buffer. A room publish frames its message once and writes these same
 * bytes to every subscriber, instead of framing (and UTF-8 encoding) it again per socket.
 */
export function frameMessage(frame: OutgoingFrame, binary: boolean): Buffer {
  const payload =
    typeof frame === 'string'
      ? Buffer.from(frame, 'utf8')
      : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const length = payload.byteLength;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLength + length);
  out[0] = FIN | (binary ? OPCODE_BINARY : OPCODE_TEXT);
  if (length < 126) {
    out[1] = length;
  } else if (length < 65_536) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    // Payloads are bounded far below 2^53 by maxPayload, so the high word is always 0.
    out.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    out.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(out, headerLength);
  return out;
}
