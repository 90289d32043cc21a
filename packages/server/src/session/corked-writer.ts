import type { OutgoingFrame, SendResult, TransportSocket } from '../transport/types.js';

/**
 * Sends one frame inside `socket.cork`, so a write made from a timer or a promise callback is one
 * syscall. One writer serves every connection of a server: its cork callback is made once, not a
 * closure per frame. `cork` runs the callback synchronously; a nested send (a close callback fired
 * by the native send) is harmless: the slots are read before the native call and the result is
 * written after it returns.
 */
export class CorkedWriter {
  #socket: TransportSocket | undefined;
  #frame: OutgoingFrame = '';
  #binary = false;
  #result: SendResult = 'closed';
  readonly #write = (): void => {
    this.#result = this.#socket!.send(this.#frame, this.#binary);
  };

  /** Sends `frame` on `socket`, corked; the socket's send result. */
  send(socket: TransportSocket, frame: OutgoingFrame, binary: boolean): SendResult {
    this.#socket = socket;
    this.#frame = frame;
    this.#binary = binary;
    this.#result = 'closed';
    socket.cork(this.#write);
    const result = this.#result;
    // Drop the references: the writer outlives the socket and the frame.
    this.#socket = undefined;
    this.#frame = '';
    return result;
  }
}
