import { Writable } from 'node:stream';
import { pino } from 'pino';
import { jsonCodec, type ClientEnvelope, type ServerEnvelope } from '@switchyard/protocol';
import type { TokenVerifier } from '../auth/index.js';
import type { RoomPolicy } from '../config/options.js';
import type { RoomHistory } from '../history/room-history.js';
import type { Logger } from '../log.js';
import { noopMetrics, type ServerMetrics } from '../metrics/metrics.js';
import { RoomPolicies } from '../protection/room-policy.js';
import { RoomRules } from '../protection/room-rules.js';
import { SlowConsumers } from '../protection/slow-consumer.js';
import type { EncodedPush } from '../publish/encoded-push.js';
import { PublishGate } from '../publish/publish-gate.js';
import { DeferredQueue } from '../publish/publish-queue.js';
import type { AuthorizeHook } from '../rooms/authorize.js';
import { Hub } from '../rooms/hub.js';
import { PresenceFanOut } from '../rooms/presence-fan-out.js';
import { LocalPresenceReader } from '../rooms/presence-reader.js';
import { ClientDispatcher, type HandlerContext, type QueuedPublish } from '../session/client-messages.js';
import { ServerConnection, type ConnectionInit } from '../session/connection.js';
import { Router } from '../session/router.js';
import { FakeSocket, FakeTransport, fakeConnectionInit } from './fake-transport.js';

/** Log lines written by a test's logger, parsed. */
export interface CapturedLogs {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
  /** The lines whose `event` is `event`. */
  events(event: string): Record<string, unknown>[];
}

/** A debug-level pino logger whose lines land in memory. */
export function captureLogs(): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines, events: (e) => lines.filter((l) => l['event'] === e) };
}

/** How a {@link sessionFixture} is set up. */
export interface SessionFixtureOptions {
  readonly hooks?: readonly AuthorizeHook[];
  readonly verifier?: TokenVerifier;
  readonly policies?: readonly RoomPolicy[];
  /** Rooms one connection may be in. @default 0 (unlimited) */
  readonly maxRooms?: number;
}

/** Every call of a metric a session test reads, by name, with its arguments. */
export type MetricCalls = Record<string, unknown[][]>;

function recordingMetrics(calls: MetricCalls): ServerMetrics {
  const record =
    (name: string) =>
    (...args: unknown[]): void => {
      (calls[name] ??= []).push(args);
    };
  return {
    ...noopMetrics,
    rateLimited: record('rateLimited'),
    limitRejected: record('limitRejected'),
    handlerError: record('handlerError'),
    connectionOpened: record('connectionOpened'),
    connectionClosed: record('connectionClosed'),
    messageReceived: record('messageReceived'),
    upgradeRejected: record('upgradeRejected'),
  };
}

// No room of these tests keeps history: a join never reads it.
const NO_HISTORY = {
  deferSubscribe: false,
  prepareJoin: () => {
    throw new Error('no room keeps history here');
  },
} as unknown as RoomHistory;

/**
 * A hub and a {@link ClientDispatcher} over a {@link FakeTransport}: the session layer as the
 * server composes it, with no sockets. Client publishes collect in `queued` instead of fanning out.
 */
// long function: the fixture builds the session layer's parts in composition order
export function sessionFixture(options: SessionFixtureOptions = {}) {
  const transport = new FakeTransport();
  const calls: MetricCalls = {};
  const metrics = recordingMetrics(calls);
  const logs = captureLogs();
  const codecs = [jsonCodec];
  const policies = new RoomPolicies(options.policies);
  const slow = new SlowConsumers<EncodedPush>({ maxBackpressure: 1 << 20, policyFor: () => 'close' });
  const hub = new Hub({
    transport,
    codecs,
    metrics,
    logger: logs.logger,
    policies,
    slow,
    presenceFanOut: new PresenceFanOut(transport, codecs, metrics),
  });
  const router = new Router<HandlerContext>({ handlerFailed: () => {}, eventRejected: () => {} });
  const queued: QueuedPublish[] = [];
  const publishes = new DeferredQueue<QueuedPublish>(
    (item) => queued.push(item),
    (err) => {
      throw err;
    },
  );
  const dispatcher = new ClientDispatcher({
    hub,
    router,
    hooks: options.hooks ?? [],
    verifier: options.verifier,
    rules: new RoomRules({ maxRoomNameLength: 100, maxRoomsPerConnection: options.maxRooms ?? 0 }),
    policies,
    publishes,
    publishGate: new PublishGate(policies, true),
    presence: new LocalPresenceReader(hub),
    history: NO_HISTORY,
    metrics,
    logger: logs.logger,
  });
  /** A connection on a new fake socket, not yet registered with the hub. */
  const open = (init: Partial<ConnectionInit> = {}) => {
    const socket = new FakeSocket(transport);
    const conn = new ServerConnection(fakeConnectionInit({ ...init, slow: slow.newConsumer() }), socket, hub);
    return { conn, socket };
  };
  /** A connection registered with the hub, as after `open`. */
  const connect = (init: Partial<ConnectionInit> = {}) => {
    const opened = open(init);
    hub.add(opened.conn);
    return opened;
  };
  /** Hands `envelope` to the dispatcher as if `conn` had sent it. */
  const send = (conn: ServerConnection, envelope: ClientEnvelope) => dispatcher.handle(conn, envelope);
  /** The frames `socket` received, decoded. */
  const received = (socket: FakeSocket): ServerEnvelope[] => socket.decoded();
  /**
   * Lets asynchronous steps finish: a join awaits its authorization even when the hooks answer
   * synchronously. Waits macrotask turns until `done` holds (at once by default), then sends the
   * room pushes waiting for their batch.
   */
  const settle = async (done: () => boolean = () => true): Promise<void> => {
    for (let turn = 0; turn === 0 || !done(); turn++) {
      if (turn > 100) throw new Error('the condition did not come true');
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    hub.flushPushes();
  };
  return {
    transport,
    hub,
    router,
    dispatcher,
    publishes,
    queued,
    calls,
    logs,
    metrics,
    open,
    connect,
    send,
    received,
    settle,
  };
}

/** What {@link sessionFixture} returns. */
export type SessionFixture = ReturnType<typeof sessionFixture>;
