// RFC 6455: a close frame's payload is at most 125 bytes, two of which carry the code.
/** The longest close reason a close frame carries, in UTF-8 bytes. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** True for close codes an endpoint may put in a close frame (RFC 6455 section 7.4). */
export function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return (
    code === 1000 ||
    code === 1001 ||
    code === 1002 ||
    code === 1003 ||
    code === 1007 ||
    code === 1008 ||
    code === 1009 ||
    code === 1010 ||
    code === 1011 ||
    code === 1012 ||
    code === 1013 ||
    code === 1014
  );
}

/** Throws a `RangeError` naming the accepted ranges unless {@link isSendableCloseCode}. */
export function assertSendableCloseCode(code: number): void {
  if (!isSendableCloseCode(code)) {
    throw new RangeError(`close code ${code} cannot be sent (use 1000-1003, 1007-1014 or 3000-4999)`);
  }
}

/** `reason` cut to {@link MAX_CLOSE_REASON_BYTES} UTF-8 bytes, never inside a character. */
export function closeFrameReason(reason: string): string {
  return truncateUtf8(reason, MAX_CLOSE_REASON_BYTES);
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = Buffer.from(text).subarray(0, maxBytes).toString();
  // A cut inside a multi-byte character decodes to U+FFFD; drop it.
  while (out.endsWith('\uFFFD') || Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}
