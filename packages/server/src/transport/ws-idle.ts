import type { WsSocket } from './ws-socket.js';

/**
 * uWS's idle timeout: a socket silent for half the timeout is pinged, one silent for the whole
 * timeout is cut. One timer for every socket, ticking at a quarter of the timeout.
 */
export class IdleSweep {
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(sockets: ReadonlySet<WsSocket>, idleTimeoutSec: number) {
    if (idleTimeoutSec <= 0) return;
    const timeoutMs = idleTimeoutSec * 1000;
    this.#timer = setInterval(
      () => {
        const now = Date.now();
        for (const socket of sockets) {
          const silent = now - socket.lastSeen;
          if (silent >= timeoutMs) socket.terminate('Timed out from inactivity');
          else if (silent >= timeoutMs / 2) socket.ping();
        }
      },
      Math.max(250, timeoutMs / 4),
    );
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }
}
