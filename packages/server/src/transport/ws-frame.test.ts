import { describe, expect, it } from 'vitest';
import { frameMessage } from './ws-frame.js';

/** Reads one unmasked frame (RFC 6455 §5.2) back: FIN, opcode and payload. */
function parse(bytes: Buffer): { fin: boolean; opcode: number; payload: Buffer } {
  const fin = (bytes[0]! & 0x80) !== 0;
  const opcode = bytes[0]! & 0x0f;
  expect(bytes[1]! & 0x80).toBe(0); // server frames are never masked
  let length = bytes[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    length = bytes.readUInt32BE(2) * 2 ** 32 + bytes.readUInt32BE(6);
    offset = 10;
  }
  expect(bytes.byteLength).toBe(offset + length);
  return { fin, opcode, payload: bytes.subarray(offset) };
}

describe('frameMessage', () => {
  it('writes the 2-byte header of a short text frame', () => {
    expect(frameMessage('hi', false).toString('hex')).toBe('8102' + Buffer.from('hi').toString('hex'));
  });

  it('encodes a string as UTF-8 and counts bytes, not characters', () => {
    const frame = parse(frameMessage('héllo ✓', false));
    expect(frame).toEqual({ fin: true, opcode: 1, payload: Buffer.from('héllo ✓') });
  });

  it.each([
    [0, '8200'],
    [125, '827d'],
    [126, '827e007e'],
    [65_535, '827effff'],
    [65_536, '827f0000000000010000'],
  ])('frames a %i-byte binary payload with the header %s', (size, header) => {
    const payload = new Uint8Array(size).map((_, i) => i % 251);
    const bytes = frameMessage(payload, true);
    expect(bytes.subarray(0, header.length / 2).toString('hex')).toBe(header);
    const frame = parse(bytes);
    expect(frame.opcode).toBe(2);
    expect(Buffer.compare(frame.payload, Buffer.from(payload))).toBe(0);
  });

  it('reads only the view of a Uint8Array, not its whole buffer', () => {
    const whole = new Uint8Array([9, 9, 1, 2, 3, 9]);
    expect([...parse(frameMessage(whole.subarray(2, 5), true)).payload]).toEqual([1, 2, 3]);
  });
});
