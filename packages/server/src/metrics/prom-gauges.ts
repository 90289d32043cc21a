import { CODEC_NAMES } from '@switchyard/protocol';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { GaugeSource, RequestDirection } from './metrics.js';
import { DIRECTIONS } from './prom-labels.js';

/** What the gauges read when `/metrics` is scraped. */
export interface GaugeReadings {
  /** The server's figures; undefined until the server sets its gauge source. */
  source(): GaugeSource | undefined;
  /** The slow-consumer figures, read once per scrape (they cost a pass over the connections). */
  slowNow(): { readonly connections: number; readonly bufferedBytes: number };
  /** Requests in flight, by direction, kept by the counting methods. */
  readonly inFlight: Readonly<Record<RequestDirection, number>>;
}

/** Registers the unlabelled gauges read from the gauge source at each scrape. */
export function registerLiveGauges(registry: Registry, readings: GaugeReadings): void {
  const liveGauge = (name: string, help: string, read: (s: GaugeSource) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const source = readings.source();
        this.set(source === undefined ? 0 : read(source));
      },
    });
  };
  liveGauge('switchyard_connections', 'Open WebSocket connections.', (s) => s.connections());
  liveGauge('switchyard_rooms', 'Rooms with at least one member on this server.', (s) => s.rooms());
  liveGauge('switchyard_subscriptions', 'Room memberships (connection-room pairs) on this server.', (s) =>
    s.subscriptions(),
  );
  liveGauge('switchyard_history_messages', 'Messages kept in memory for recovery by rooms with history.', (s) =>
    s.historyMessages === undefined ? 0 : s.historyMessages(),
  );
  liveGauge('switchyard_history_bytes', 'Bytes of the messages kept in memory for recovery (canonical frames).', (s) =>
    s.historyBytes === undefined ? 0 : s.historyBytes(),
  );
  liveGauge(
    'switchyard_buffered_bytes',
    'Bytes waiting in the send buffers of all connections, as last read (capped by limits.maxBufferedBytes).',
    (s) => (s.bufferedBytes === undefined ? 0 : s.bufferedBytes()),
  );
  liveGauge('switchyard_users', 'Distinct users with at least one open connection on this server.', (s) => s.users());
  liveGauge(
    'switchyard_slow_consumers',
    'Connections paused as slow consumers right now.',
    () => readings.slowNow().connections,
  );
  liveGauge(
    'switchyard_slow_consumer_buffered_bytes',
    'Bytes queued in the send buffers of connections paused as slow consumers.',
    () => readings.slowNow().bufferedBytes,
  );
}

/** Registers the labelled gauges: connections by wire format, requests in flight, build info. */
export function registerLabelledGauges(
  registry: Registry,
  readings: GaugeReadings,
  buildInfo: { readonly version: string; readonly node: string },
): void {
  new Gauge({
    name: 'switchyard_connections_by_protocol',
    help: 'Open WebSocket connections, by codec and protocol version.',
    labelNames: ['codec', 'protocol'],
    registers: [registry],
    collect() {
      this.reset();
      // Every enabled format shows, even at 0; a format with no connection and no codec is absent.
      for (const codec of CODEC_NAMES) for (const protocol of ['1', '2']) this.set({ codec, protocol }, 0);
      const source = readings.source();
      if (source === undefined) return;
      for (const f of source.connectionsByFormat())
        this.inc({ codec: f.codec, protocol: String(f.protocol) }, f.connections);
    },
  });
  new Gauge({
    name: 'switchyard_requests_in_flight',
    help: 'Requests started and not yet answered, timed out or abandoned by a close, by direction.',
    labelNames: ['direction'],
    registers: [registry],
    collect() {
      for (const direction of DIRECTIONS) this.set({ direction }, readings.inFlight[direction]);
    },
  });
  new Gauge({
    name: 'switchyard_build_info',
    help: 'Always 1; labels carry the server and Node.js versions.',
    labelNames: ['version', 'node'],
    registers: [registry],
  }).set({ version: buildInfo.version, node: buildInfo.node }, 1);
}
