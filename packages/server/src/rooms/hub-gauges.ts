import type { CodecName } from '@switchyard/protocol';
import type { Hub } from './hub.js';
import type { FormatCount, GaugeSource } from '../metrics/metrics.js';

/**
 * The live counts `/metrics` reads from a hub. Counts that have a structure of their own (rooms,
 * users, subscriptions) are O(1); the per-format and slow-consumer figures take a pass over the
 * open connections when scraped (about a millisecond per 100 000 connections), never any
 * hot-path work.
 */
export function hubGauges(hub: () => Hub): GaugeSource {
  return {
    connections: () => hub().connections.size,
    rooms: () => hub().registry.size,
    subscriptions: () => hub().registry.subscriptions,
    users: () => hub().userCount,
    connectionsByFormat: () => {
      const formats = new Map<string, { codec: CodecName; protocol: number; connections: number }>();
      for (const conn of hub().connections.values()) {
        const key = `${conn.codec}/${conn.protocolVersion}`;
        const entry = formats.get(key);
        if (entry === undefined)
          formats.set(key, { codec: conn.codec, protocol: conn.protocolVersion, connections: 1 });
        else entry.connections++;
      }
      return formats.values() as Iterable<FormatCount>;
    },
    slowConsumers: () => {
      let connections = 0;
      let bufferedBytes = 0;
      for (const conn of hub().connections.values()) {
        if (conn.slow.paused === undefined || conn.closed) continue;
        connections++;
        bufferedBytes += conn.socket.bufferedAmount();
      }
      return { connections, bufferedBytes };
    },
  };
}
