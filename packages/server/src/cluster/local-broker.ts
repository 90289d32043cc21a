import type { Broker } from './broker.js';

/**
 * The single node's broker: nothing crosses a process, so publishing and subscribing do nothing.
 * Local members are reached by the node's own fan-out before anything is handed to a broker.
 */
export class LocalBroker implements Broker {
  readonly clustered = false;
  readonly connected = true;
  readonly queueDepth = 0;

  async start(): Promise<void> {}

  publish(): boolean {
    return true;
  }

  publishControl(): boolean {
    return true;
  }

  async subscribe(): Promise<void> {}

  async unsubscribe(): Promise<void> {}

  async close(): Promise<void> {}
}
