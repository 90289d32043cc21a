import { createHash } from 'node:crypto';
import type { PresenceMember, PresenceSnapshot } from '@switchyard/protocol';
import { ErrorReply } from '@redis/client';
import type { Logger } from '../log.js';
import type { ClusterPresence, LocalMembership, PresenceChange, ReapedMember } from './presence.js';
import * as scripts from './presence-scripts.js';
import { createRedisConnection, type RedisConnection } from './redis-connection.js';

/** Options of {@link createRedisPresence}. */
export interface RedisPresenceOptions {
  /** Redis to connect to; ignored when `client` is given. */
  url?: string;
  /** A connected node-redis client to share (not closed by {@link ClusterPresence.close}). */
  client?: RedisConnection;
  /** Starts every key, so several clusters can share one Redis. @default 'switchyard' */
  prefix?: string;
  /** This node's id, unique in the cluster; may not contain `|`. */
  nodeId: string;
  /** How often this node refreshes its liveness and looks for dead nodes, milliseconds. @default 5000 */
  heartbeatMs?: number;
  /** How long a node counts as alive after its last heartbeat, milliseconds. @default 15000 */
  nodeTtlMs?: number;
  /**
   * Called when a heartbeat finds that other nodes reaped this one (it missed heartbeats for
   * longer than `nodeTtlMs`, a long pause for example): call `resync` with the local state.
   */
  onReaped?: () => void;
  logger?: Logger;
}

/** How long a reaper's tombstone waits for its node to come back and read it, seconds. */
const TOMBSTONE_SECONDS = 86_400;

interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const SCRIPTS = {
  join: script(scripts.JOIN),
  leave: script(scripts.LEAVE),
  snapshot: script(scripts.SNAPSHOT),
  rooms: script(scripts.ROOMS),
  heartbeat: script(scripts.HEARTBEAT),
  reap: script(scripts.REAP),
  resync: script(scripts.RESYNC),
  depart: script(scripts.DEPART),
};

/**
 * Creates cluster presence on Redis: each node adds its connections' memberships, every answer is
 * cluster-wide, and the members of a node that stops heartbeating (SIGKILL, lost host) are removed
 * by the first surviving node that notices — within `nodeTtlMs + heartbeatMs` (20 s by default).
 * Every change is one atomic Lua script (see presence-scripts.ts). Calls reject while Redis is
 * unreachable (after the first connection); call `resync` when the link returns. A single Redis
 * only: the scripts compute their keys, which Redis Cluster forbids.
 * @example
 * const presence = createRedisPresence({ url: 'redis://127.0.0.1:6379', nodeId: 'node-a' });
 * presence.start((gone) => announceLeaves(gone));
 * const { firstForUser } = await presence.join('lobby', 'alice');
 */
export function createRedisPresence(options: RedisPresenceOptions): ClusterPresence {
  return new RedisPresence(options);
}

class RedisPresence implements ClusterPresence {
  readonly #client: RedisConnection;
  readonly #owned: boolean;
  readonly #connecting: Promise<unknown>;
  readonly #prefix: string;
  readonly #nodeId: string;
  readonly #heartbeatMs: number;
  readonly #ttlMs: number;
  readonly #onReaped: (() => void) | undefined;
  readonly #logger: Logger | undefined;
  #timer: NodeJS.Timeout | undefined;
  #beat: Promise<void> | undefined;
  #closed = false;

  constructor(options: RedisPresenceOptions) {
    if (options.nodeId === '' || options.nodeId.includes('|'))
      throw new RangeError('nodeId must be non-empty without "|"');
    this.#prefix = options.prefix ?? 'switchyard';
    this.#nodeId = options.nodeId;
    this.#heartbeatMs = options.heartbeatMs ?? 5_000;
    this.#ttlMs = options.nodeTtlMs ?? 15_000;
    if (this.#ttlMs <= this.#heartbeatMs) throw new RangeError('nodeTtlMs must exceed heartbeatMs');
    this.#onReaped = options.onReaped;
    this.#logger = options.logger;
    if (options.client !== undefined) {
      this.#client = options.client;
      this.#owned = false;
      this.#connecting = Promise.resolve();
    } else {
      if (options.url === undefined) throw new TypeError('createRedisPresence needs a url or a client');
      this.#client = createRedisConnection({
        url: options.url,
        role: 'presence',
        failFast: true,
        ...(options.logger ? { logger: options.logger } : {}),
      });
      this.#owned = true;
      this.#connecting = this.#client.connect();
      this.#connecting.catch(() => {});
    }
  }

  async join(room: string, userId: string): Promise<{ firstForUser: boolean; connections: number }> {
    const connections = Number(await this.#run(SCRIPTS.join, room, userId, String(this.#ttlMs)));
    return { firstForUser: connections === 1, connections };
  }

  async leave(room: string, userId: string): Promise<{ lastForUser: boolean; connections: number }> {
    const [changed, connections] = (await this.#run(SCRIPTS.leave, room, userId)) as [number, number];
    return { lastForUser: changed === 1 && connections === 0, connections: Number(connections) };
  }

  async snapshot(room: string): Promise<PresenceSnapshot> {
    const flat = (await this.#run(SCRIPTS.snapshot, room)) as string[];
    const members: PresenceMember[] = [];
    for (let i = 0; i < flat.length; i += 2) members.push({ userId: flat[i]!, connections: Number(flat[i + 1]) });
    members.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    return { room, members };
  }

  async count(room: string): Promise<number> {
    await this.#connecting;
    return Number(await this.#client.sendCommand(['HLEN', `${this.#prefix}:presence:users:${room}`]));
  }

  async rooms(): Promise<{ room: string; members: number }[]> {
    const flat = (await this.#run(SCRIPTS.rooms)) as (string | number)[];
    const rooms: { room: string; members: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) rooms.push({ room: String(flat[i]), members: Number(flat[i + 1]) });
    return rooms.sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  }

  async resync(local: LocalMembership): Promise<PresenceChange[]> {
    const args: string[] = [String(this.#ttlMs)];
    for (const [room, users] of local) {
      for (const [userId, connections] of users) if (connections > 0) args.push(room, userId, String(connections));
    }
    const flat = (await this.#run(SCRIPTS.resync, ...args)) as (string | number)[];
    const changes: PresenceChange[] = [];
    for (let i = 0; i < flat.length; i += 4) {
      changes.push({
        change: flat[i] === 'join' ? 'join' : 'leave',
        room: String(flat[i + 1]),
        userId: String(flat[i + 2]),
        connections: Number(flat[i + 3]),
      });
    }
    return changes.sort((a, b) => (a.room === b.room ? compare(a.userId, b.userId) : compare(a.room, b.room)));
  }

  start(reaped: (changes: ReapedMember[]) => void): void {
    if (this.#timer !== undefined || this.#closed) return;
    const beat = async (): Promise<void> => {
      try {
        if (Number(await this.#run(SCRIPTS.heartbeat, String(this.#ttlMs))) === 1) {
          this.#logger?.warn({ node: this.#nodeId }, 'this node was reaped while alive; its presence needs a resync');
          this.#onReaped?.();
        }
        const flat = (await this.#run(SCRIPTS.reap, String(TOMBSTONE_SECONDS))) as string[];
        if (flat.length > 0 && !this.#closed) {
          const gone: ReapedMember[] = [];
          for (let i = 0; i < flat.length; i += 2) gone.push({ room: flat[i]!, userId: flat[i + 1]!, connections: 0 });
          this.#logger?.info({ node: this.#nodeId, users: gone.length }, 'reaped the members of a dead node');
          reaped(gone);
        }
      } catch (error) {
        this.#logger?.debug({ node: this.#nodeId, err: (error as Error).message }, 'presence heartbeat failed');
      }
    };
    const tick = (): void => {
      if (this.#beat !== undefined || this.#closed) return;
      this.#beat = beat().finally(() => (this.#beat = undefined));
    };
    this.#timer = setInterval(tick, this.#heartbeatMs);
    this.#timer.unref();
    tick();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#beat;
    try {
      await this.#run(SCRIPTS.depart);
    } catch (error) {
      this.#logger?.warn({ node: this.#nodeId, err: (error as Error).message }, 'presence not removed at close');
    }
    if (this.#owned) this.#client.destroy();
  }

  async #run(script: Script, ...args: string[]): Promise<unknown> {
    await this.#connecting;
    const argv = [this.#prefix, this.#nodeId, ...args];
    try {
      return await this.#client.sendCommand(['EVALSHA', script.sha, '0', ...argv]);
    } catch (error) {
      if (!(error instanceof ErrorReply) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await this.#client.sendCommand(['EVAL', script.source, '0', ...argv]);
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
