import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { frameMessage } from './ws-frame.js';
import type { TopicMember, WsTopics } from './ws-topics.js';
import type { WriteBatch } from './ws-write-batch.js';
import type { OutgoingFrame, SendResult, TransportSocket } from './types.js';

/** What one socket shares with the rest of the transport. */
export interface WsSocketShared {
  readonly topics: WsTopics<WsSocket>;
  readonly batch: WriteBatch;
  /** Buffered bytes past which a send is dropped (uWS's `maxBackpressure`). */
  readonly maxBackpressure: number;
  /** True when permessage-deflate was configured: writes then go through `ws`, which compresses. */
  readonly deflate: boolean;
}

/**
 * One `ws` WebSocket as the core sees it. Frames are written pre-framed on the raw socket (the
 * same bytes for every subscriber of a topic) and corked per turn, except with permessage-deflate,
 * where `ws` must compress each message itself. Every call is a no-op once the socket closed.
 */
export class WsSocket implements TransportSocket, TopicMember {
  closed = false;
  /** When the peer was last heard from (ms since epoch), for the idle timeout. */
  lastSeen = Date.now();
  /** The transport's own reason for closing, in uWS's words (see protection/close-reason.ts). */
  ownReason = '';
  readonly #ws: WebSocket;
  readonly #raw: Duplex;
  readonly #shared: WsSocketShared;
  readonly #topics = new Set<string>();
  readonly #ended: (code: number, reason: string) => void;

  /** @param ended called once when the server closes the socket (see {@link WsSocket.end}) */
  constructor(ws: WebSocket, raw: Duplex, shared: WsSocketShared, ended: (code: number, reason: string) => void) {
    this.#ws = ws;
    this.#raw = raw;
    this.#shared = shared;
    this.#ended = ended;
  }

  get #open(): boolean {
    return !this.closed && this.#ws.readyState === WebSocket.OPEN;
  }

  send(frame: OutgoingFrame, binary: boolean): SendResult {
    if (!this.#open) return 'closed';
    // Past the limit the message is dropped, as uWS does, and the core closes the slow consumer.
    if (this.bufferedAmount() > this.#shared.maxBackpressure) return 'dropped';
    if (this.#shared.deflate) {
      this.#ws.send(frame, { binary });
      return this.#raw.writableNeedDrain ? 'backpressure' : 'ok';
    }
    return this.#write(frameMessage(frame, binary)) ? 'ok' : 'backpressure';
  }

  writeFramed(framed: Buffer, frame: OutgoingFrame, binary: boolean): void {
    if (!this.#open || this.bufferedAmount() > this.#shared.maxBackpressure) return;
    if (this.#shared.deflate) this.#ws.send(frame, { binary });
    else this.#write(framed);
  }

  #write(framed: Buffer): boolean {
    this.#shared.batch.hold(this.#raw);
    return this.#raw.write(framed);
  }

  publish(topic: string, frame: OutgoingFrame, binary: boolean): void {
    // As in uWS, a socket publishes only to topics it is subscribed to.
    if (this.#open && this.#topics.has(topic)) this.#shared.topics.publish(topic, frame, binary, this);
  }

  subscribe(topic: string): void {
    if (this.closed) return;
    this.#topics.add(topic);
    this.#shared.topics.subscribe(topic, this);
  }

  unsubscribe(topic: string): void {
    if (this.closed) return;
    this.#topics.delete(topic);
    this.#shared.topics.unsubscribe(topic, this);
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.#ws.bufferedAmount;
  }

  cork(fn: () => void): void {
    // Writes are corked per turn already (WriteBatch).
    if (!this.closed) fn();
  }

  /**
   * Queues the close frame behind what is buffered and reports the close at once, as uWS does:
   * the core forgets the connection now, nothing more is read or sent, and the peer still gets
   * every buffered message before the close code. `ws` cuts a peer that never answers the close
   * frame after 30 s.
   */
  end(code: number, reason: string): void {
    if (this.closed) return;
    this.#shared.batch.release(this.#raw);
    this.#ws.close(code, reason);
    this.#ended(code, reason);
  }

  /** Cuts the connection without a close frame, reporting `reason` in uWS's words. */
  terminate(reason: string): void {
    if (this.closed) return;
    this.ownReason = reason;
    this.#ws.terminate();
  }

  /** Sends a ping (for the idle timeout); the peer's pong counts as traffic. */
  ping(): void {
    if (this.#open) this.#ws.ping();
  }

  /** The socket closed: leaves every topic; nothing is sent any more. */
  markClosed(): void {
    this.closed = true;
    this.#shared.batch.release(this.#raw);
    for (const topic of this.#topics) this.#shared.topics.unsubscribe(topic, this);
    this.#topics.clear();
  }
}
