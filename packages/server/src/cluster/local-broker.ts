import type { Broker, BrokerListener } from './broker.js';

/**
 * The single-node broker, the default: nothing crosses a process, so there is nothing to send.
 * The core delivers locally and publishes here only to keep one path for every node kind.
 */
export class LocalBroker implements Broker {
  readonly clustered = false;
  readonly connected = true;
  readonly queueDepth = 0;

  /** Nothing to connect. */
  async start(_listener: BrokerListener): Promise<void> {}
  /** Accepts and discards: local delivery already happened. */
  publish(_room: string, _message: Uint8Array): boolean {
    return true;
  }
  /** Accepts and discards. */
  publishControl(_message: Uint8Array): boolean {
    return true;
  }
  /** Nothing to subscribe. */
  async subscribe(_room: string): Promise<void> {}
  /** Nothing to unsubscribe. */
  async unsubscribe(_room: string): Promise<void> {}
  /** Nothing to close. */
  async close(): Promise<void> {}
}
