/** The parts of a WebSocket upgrade request that RFC 6455 §4.2.1 requires. */
export interface HandshakeHeaders {
  /** `Sec-WebSocket-Key`, '' when absent. */
  readonly key: string;
  /** `Sec-WebSocket-Version`, '' when absent. */
  readonly version: string;
}

/** Why a handshake is refused before any authentication work: a plain HTTP answer. */
export interface HandshakeRefusal {
  /** 400 for a bad key, 426 for an unsupported version. */
  readonly status: 400 | 426;
  readonly body: string;
  /** Extra response headers (426 names the version we speak). */
  readonly headers: Readonly<Record<string, string>>;
}

// 16 random bytes in base64: 22 significant characters and two `=` of padding (RFC 6455 §4.1).
const KEY_PATTERN = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/**
 * Checks the WebSocket-specific handshake headers, cheaply and before the token is verified,
 * so malformed or foreign handshakes cost no crypto:
 * - `Sec-WebSocket-Version` other than `13` → 426 Upgrade Required with `Sec-WebSocket-Version: 13`;
 * - `Sec-WebSocket-Key` that is not base64 of exactly 16 bytes → 400.
 */
export function checkHandshake(headers: HandshakeHeaders): HandshakeRefusal | undefined {
  if (headers.version.trim() !== '13') {
    return {
      status: 426,
      body: 'unsupported Sec-WebSocket-Version: only 13 is spoken',
      headers: { 'sec-websocket-version': '13' },
    };
  }
  if (!KEY_PATTERN.test(headers.key.trim())) {
    return { status: 400, body: 'invalid Sec-WebSocket-Key: expected base64 of 16 bytes', headers: {} };
  }
  return undefined;
}
