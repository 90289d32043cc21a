/**
 * The part of a WebSocket the client uses. The browser's `WebSocket`, Node 22's global
 * `WebSocket` and the `ws` package all satisfy it, so the client never imports a runtime.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the DOM, undici and `ws` each declare their own event and socket types. */
export interface WebSocketLike {
  /** `'arraybuffer'` makes binary frames arrive as `ArrayBuffer` everywhere. */
  binaryType: any;
  /** The subprotocol the server selected. */
  readonly protocol: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  // `any` event parameters: the DOM, undici and `ws` each declare their own event classes.
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  /**
   * Present on `ws` (Node), absent in browsers: its `unexpected-response` event carries the HTTP
   * answer to a refused upgrade (a 401 for a refused token), which browsers never show.
   */
  on?(event: 'unexpected-response', listener: (request: any, response: any) => void): unknown;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A WebSocket constructor: `globalThis.WebSocket` or `ws`'s default export. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Closes a socket, ignoring a runtime that refuses (already closing, or a code it does not allow). */
export function closeQuietly(socket: WebSocketLike | undefined, code: number, reason: string): void {
  try {
    // Close reasons are limited to 123 bytes; 60 characters stay below that in any script.
    socket?.close(code, reason.slice(0, 60));
  } catch {
    // Already closing, or a code the runtime refuses: the socket is abandoned either way.
  }
}
