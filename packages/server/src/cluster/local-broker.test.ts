import { describe, expect, it } from 'vitest';
import type { BrokerListener } from './broker.js';
import { LocalBroker } from './local-broker.js';

describe('LocalBroker', () => {
  it('is a connected single node that accepts everything and sends nothing', async () => {
    const heard: string[] = [];
    const listener: BrokerListener = {
      roomMessage: () => heard.push('room'),
      controlMessage: () => heard.push('control'),
      linkChanged: () => heard.push('link'),
      resubscribed: () => heard.push('resubscribed'),
    };
    const broker = new LocalBroker();
    await broker.start(listener);
    expect(broker.clustered).toBe(false);
    expect(broker.connected).toBe(true);
    await broker.subscribe('r');
    expect(broker.publish('r', Uint8Array.of(1))).toBe(true);
    expect(broker.publishControl(Uint8Array.of(1))).toBe(true);
    expect(broker.queueDepth).toBe(0);
    await broker.unsubscribe('r');
    await broker.close();
    expect(heard).toEqual([]);
  });
});
