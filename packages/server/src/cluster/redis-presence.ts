import type { PresenceMember, PresenceSnapshot } from '@switchyard/protocol';
import type { Logger } from '../log.js';
import type { ClusterPresence, ClusterPresenceChange } from './cluster-presence.js';
import { createRedisConnection, type RedisConnection } from './redis-connection.js';

/** Options of {@link createRedisPresence}. */
export interface RedisPresenceOptions {
  /** `redis://…`, the cluster's Redis. */
  url: string;
  /** Starts every key. @default 'switchyard' */
  prefix?: string;
  /** This node's id, unique in the cluster. */
  nodeId: string;
  /** How often this node proves it is alive and looks for dead nodes, ms. @default 5000 */
  heartbeatMs?: number;
  /** How long a node that stopped proving it is alive keeps its entries, ms. @default 15000 */
  nodeTtlMs?: number;
  logger?: Logger;
}

// Keys, all under the prefix P (one Redis, not Redis Cluster: the scripts compute key names):
//   P:presence:<room>:nodes  hash  "<node>\0<user>" -> that node's connections of the user in the room
//   P:presence:<room>:users  hash  "<user>" -> the user's connections in the room, cluster-wide
//   P:presence:rooms         set   rooms with at least one member anywhere
//   P:node:<node>:rooms      set   rooms the node has entries in
//   P:node:<node>:alive      string with a TTL, refreshed by the node's heartbeat
//   P:nodes                  set   nodes that joined and were not reaped yet

const COMMON = `
local P = ARGV[1]
local function nodes(room) return P .. ':presence:' .. room .. ':nodes' end
local function users(room) return P .. ':presence:' .. room .. ':users' end
local ROOMS = P .. ':presence:rooms'
local function noderooms(node) return P .. ':node:' .. node .. ':rooms' end
-- Removes every entry of node in room; returns {user, total after} for users it had there.
local function drop(node, room, out)
  local entries = redis.call('HGETALL', nodes(room))
  local head = node .. '\\0'
  for i = 1, #entries, 2 do
    local field = entries[i]
    if string.sub(field, 1, #head) == head then
      local user = string.sub(field, #head + 1)
      local count = tonumber(entries[i + 1])
      redis.call('HDEL', nodes(room), field)
      local total = redis.call('HINCRBY', users(room), user, -count)
      if total <= 0 then redis.call('HDEL', users(room), user); total = 0 end
      table.insert(out, {room, user, total})
    end
  end
  if redis.call('HLEN', users(room)) == 0 then redis.call('SREM', ROOMS, room) end
end
`;

// ARGV: prefix, node, room, user. Returns the user's cluster-wide connections after the join.
const JOIN = `${COMMON}
local node, room, user = ARGV[2], ARGV[3], ARGV[4]
redis.call('HINCRBY', nodes(room), node .. '\\0' .. user, 1)
local total = redis.call('HINCRBY', users(room), user, 1)
redis.call('SADD', noderooms(node), room)
redis.call('SADD', ROOMS, room)
return total
`;

// ARGV: prefix, node, room, user. Returns the total after the leave, or -1 when this node had no
// such entry (it was lost with Redis and not rebuilt yet): nothing changes then.
const LEAVE = `${COMMON}
local node, room, user = ARGV[2], ARGV[3], ARGV[4]
local field = node .. '\\0' .. user
local mine = redis.call('HINCRBY', nodes(room), field, -1)
if mine <= 0 then redis.call('HDEL', nodes(room), field) end
if mine < 0 then return -1 end
local total = redis.call('HINCRBY', users(room), user, -1)
if total <= 0 then redis.call('HDEL', users(room), user); total = 0 end
if redis.call('HLEN', users(room)) == 0 then redis.call('SREM', ROOMS, room) end
return total
`;

// ARGV: prefix, node, then room, user, count triples of the node's local membership. Replaces the
// node's entries; returns {room, user, change, total} for users whose cluster-wide presence changed.
const RESYNC = `${COMMON}
local node = ARGV[2]
local before = {}
local function key(room, user) return room .. '\\0' .. user end
local old = {}
for _, room in ipairs(redis.call('SMEMBERS', noderooms(node))) do
  local entries = redis.call('HGETALL', nodes(room))
  local head = node .. '\\0'
  for i = 1, #entries, 2 do
    if string.sub(entries[i], 1, #head) == head then
      local user = string.sub(entries[i], #head + 1)
      before[key(room, user)] = tonumber(redis.call('HGET', users(room), user) or '0')
    end
  end
  drop(node, room, old)
end
redis.call('DEL', noderooms(node))
local seen = {}
for i = 3, #ARGV, 3 do
  local room, user, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local k = key(room, user)
  if before[k] == nil then before[k] = tonumber(redis.call('HGET', users(room), user) or '0') end
  redis.call('HSET', nodes(room), node .. '\\0' .. user, count)
  redis.call('HINCRBY', users(room), user, count)
  redis.call('SADD', noderooms(node), room)
  redis.call('SADD', ROOMS, room)
  seen[k] = {room, user}
end
for _, entry in ipairs(old) do seen[key(entry[1], entry[2])] = {entry[1], entry[2]} end
local out = {}
for k, entry in pairs(seen) do
  local after = tonumber(redis.call('HGET', users(entry[1]), entry[2]) or '0')
  if before[k] == 0 and after > 0 then table.insert(out, {entry[1], entry[2], 'join', after}) end
  if before[k] > 0 and after == 0 then table.insert(out, {entry[1], entry[2], 'leave', 0}) end
end
return out
`;

// ARGV: prefix, dead node, its liveness key. Removes the node's entries exactly once (the SREM
// decides which reaper does it); returns {room, user, total after}.
const REAP = `${COMMON}
local node = ARGV[2]
if redis.call('EXISTS', ARGV[3]) == 1 then return {} end
if redis.call('SREM', P .. ':nodes', node) == 0 then return {} end
local out = {}
for _, room in ipairs(redis.call('SMEMBERS', noderooms(node))) do drop(node, room, out) end
redis.call('DEL', noderooms(node))
return out
`;

// ARGV: prefix, node. This node leaves: its entries go, and so does its liveness.
const LEAVE_CLUSTER = `${COMMON}
local node = ARGV[2]
local out = {}
for _, room in ipairs(redis.call('SMEMBERS', noderooms(node))) do drop(node, room, out) end
redis.call('DEL', noderooms(node), P .. ':node:' .. node .. ':alive')
redis.call('SREM', P .. ':nodes', node)
return out
`;

// ARGV: prefix. Every room with members and its distinct users.
const ROOMS = `${COMMON}
local out = {}
for _, room in ipairs(redis.call('SMEMBERS', ROOMS)) do
  local n = redis.call('HLEN', users(room))
  if n > 0 then table.insert(out, {room, n}) else redis.call('SREM', ROOMS, room) end
end
return out
`;

type Row = [string, string, number];

function byUser(a: PresenceMember, b: PresenceMember): number {
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

/**
 * The cluster's shared membership in Redis. Every change is one Lua script, so a user's first
 * join and last leave are decided once for the whole cluster. Each node refreshes a liveness key
 * every `heartbeatMs`; every node looks for nodes whose key expired and removes their entries
 * (a SIGKILLed node is gone within `nodeTtlMs + heartbeatMs`, 20 s with the defaults). After an
 * outage, {@link ClusterPresence.resync} rewrites the node's share from its own registry.
 * Scripts compute key names, so this needs a single Redis (not Redis Cluster).
 */
export function createRedisPresence(options: RedisPresenceOptions): ClusterPresence {
  return new RedisPresence(options);
}

class RedisPresence implements ClusterPresence {
  readonly #prefix: string;
  readonly #node: string;
  readonly #heartbeatMs: number;
  readonly #ttlMs: number;
  readonly #logger: Logger | undefined;
  readonly #redis: RedisConnection;
  #timer: NodeJS.Timeout | undefined;
  #connecting: Promise<unknown> | undefined;

  constructor(options: RedisPresenceOptions) {
    this.#prefix = options.prefix ?? 'switchyard';
    this.#node = options.nodeId;
    this.#heartbeatMs = options.heartbeatMs ?? 5_000;
    this.#ttlMs = options.nodeTtlMs ?? 15_000;
    this.#logger = options.logger;
    this.#redis = createRedisConnection({
      url: options.url,
      role: 'presence',
      failFast: true,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  async join(room: string, userId: string): Promise<{ firstForUser: boolean; connections: number }> {
    const total = Number(await this.#eval(JOIN, [this.#node, room, userId]));
    return { firstForUser: total === 1, connections: total };
  }

  async leave(room: string, userId: string): Promise<{ lastForUser: boolean; connections: number }> {
    const total = Number(await this.#eval(LEAVE, [this.#node, room, userId]));
    return total < 0 ? { lastForUser: false, connections: 0 } : { lastForUser: total === 0, connections: total };
  }

  async snapshot(room: string): Promise<PresenceSnapshot> {
    await this.#connect();
    const users = await this.#redis.hGetAll(`${this.#prefix}:presence:${room}:users`);
    const members = Object.entries(users)
      .map(([userId, n]) => ({ userId, connections: Number(n) }))
      .filter((m) => m.connections > 0)
      .sort(byUser);
    return { room, members };
  }

  async rooms(): Promise<{ room: string; members: number }[]> {
    const rows = (await this.#eval(ROOMS, [])) as [string, number][];
    return rows.map(([room, members]) => ({ room, members: Number(members) }));
  }

  async resync(local: ReadonlyMap<string, ReadonlyMap<string, number>>): Promise<ClusterPresenceChange[]> {
    const args = [this.#node];
    for (const [room, users] of local) for (const [user, n] of users) args.push(room, user, String(n));
    const rows = (await this.#eval(RESYNC, args)) as [string, string, 'join' | 'leave', number][];
    return rows.map(([room, userId, change, connections]) => ({
      room,
      userId,
      change,
      connections: Number(connections),
    }));
  }

  start(reaped: (changes: { room: string; userId: string; connections: number }[]) => void): void {
    const beat = (): void => {
      this.#beat(reaped).catch((err: unknown) => {
        this.#logger?.debug({ event: 'presence_heartbeat_failed', err }, 'presence heartbeat failed');
      });
    };
    beat();
    this.#timer = setInterval(beat, this.#heartbeatMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    try {
      if (this.#redis.isReady) await this.#eval(LEAVE_CLUSTER, [this.#node]);
    } finally {
      this.#redis.destroy();
    }
  }

  async #beat(reaped: (changes: { room: string; userId: string; connections: number }[]) => void): Promise<void> {
    await this.#connect();
    await this.#redis.set(this.#aliveKey(this.#node), '1', { PX: this.#ttlMs });
    await this.#redis.sAdd(`${this.#prefix}:nodes`, this.#node);
    for (const node of await this.#redis.sMembers(`${this.#prefix}:nodes`)) {
      if (node === this.#node) continue;
      const rows = (await this.#eval(REAP, [node, this.#aliveKey(node)])) as Row[];
      if (rows.length === 0) continue;
      this.#logger?.warn({ event: 'node_reaped', node, entries: rows.length }, 'removed the presence of a dead node');
      reaped(rows.map(([room, userId, connections]) => ({ room, userId, connections: Number(connections) })));
    }
  }

  #aliveKey(node: string): string {
    return `${this.#prefix}:node:${node}:alive`;
  }

  async #eval(script: string, args: string[]): Promise<unknown> {
    await this.#connect();
    return this.#redis.eval(script, { keys: [], arguments: [this.#prefix, ...args] });
  }

  #connect(): Promise<unknown> {
    this.#connecting ??= this.#redis.connect().catch((err: unknown) => {
      this.#connecting = undefined;
      throw err;
    });
    return this.#connecting;
  }
}
