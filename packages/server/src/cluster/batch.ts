import { WireError, WireErrorCode } from './wire.js';

/**
 * The broker's envelope: the messages one node published to one channel in one synchronous run
 * (a publish batch, a handler), carried by a single engine publish.
 *
 * ```
 * batch = version:u8 (= 1) (length:u32be bytes)+
 * ```
 * The messages themselves are opaque here (see wire.ts). A new envelope version would be refused
 * by older nodes, so it may only change together with {@link WIRE_VERSION}.
 */
export const BATCH_VERSION = 1;

/** Bytes of envelope around `count` messages totalling `bytes`. */
export function batchSize(count: number, bytes: number): number {
  return 1 + 4 * count + bytes;
}

/** Packs `messages` into one envelope; each message is copied once. */
export function encodeBatch(messages: readonly Uint8Array[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(batchSize(messages.length, bytes));
  out[0] = BATCH_VERSION;
  let offset = 1;
  for (const message of messages) {
    out.writeUInt32BE(message.byteLength, offset);
    out.set(message, offset + 4);
    offset += 4 + message.byteLength;
  }
  return out;
}

/**
 * Calls `each` with a view of every message in `batch`, in order, and returns how many there were.
 * @throws WireError when the envelope is malformed; messages before the fault were delivered
 */
export function forEachBatched(batch: Uint8Array, each: (message: Uint8Array) => void): number {
  if (batch.byteLength < 1) throw new WireError(WireErrorCode.TRUNCATED, 'empty batch');
  if (batch[0] !== BATCH_VERSION) {
    throw new WireError(WireErrorCode.UNSUPPORTED_VERSION, `unsupported batch version ${batch[0]}`);
  }
  let count = 0;
  let offset = 1;
  while (offset < batch.byteLength) {
    if (batch.byteLength - offset < 4) throw new WireError(WireErrorCode.TRUNCATED, 'batch ends inside a length');
    const size =
      ((batch[offset]! << 24) >>> 0) + (batch[offset + 1]! << 16) + (batch[offset + 2]! << 8) + batch[offset + 3]!;
    offset += 4;
    if (size > batch.byteLength - offset) throw new WireError(WireErrorCode.TRUNCATED, 'batch ends inside a message');
    each(batch.subarray(offset, offset + size));
    offset += size;
    count++;
  }
  return count;
}
