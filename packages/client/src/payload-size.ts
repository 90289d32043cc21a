import type { Frame } from '@switchyard/protocol';
import { ClientError } from './errors.js';

/**
 * A `PAYLOAD_TOO_LARGE` error when `frame` is larger than the server's advertised `maxPayload`
 * (UTF-8 bytes for text frames), else `undefined`. No limit known yet: `undefined`.
 */
export function oversize(frame: Frame, max: number | undefined): ClientError | undefined {
  if (!max) return undefined;
  // Exact UTF-8 size only near the limit: a UTF-16 unit takes 1 to 3 bytes.
  const size =
    typeof frame !== 'string'
      ? frame.byteLength
      : frame.length * 3 <= max
        ? 0
        : new TextEncoder().encode(frame).byteLength;
  return size > max ? new ClientError('PAYLOAD_TOO_LARGE', `${size} bytes > maxPayload ${max}`) : undefined;
}
