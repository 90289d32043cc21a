import { randomBytes } from 'node:crypto';
import type { StreamPosition } from '@switchyard/protocol';
import type { Logger } from '../log.js';
import type { HistoryPolicy } from '../config/options.js';
import { createRedisConnection, type RedisConnection } from './redis-connection.js';

/** Options of {@link createRedisHistory}. */
export interface RedisHistoryOptions {
  url: string;
  /** Starts every key and channel, as for the broker. @default 'switchyard' */
  prefix?: string;
  logger?: Logger;
}

/** A kept message: its offset and its frame in the cluster's canonical format, without position. */
export interface StoredMessage {
  readonly offset: number;
  readonly frame: Buffer;
}

/** What a recovery read found in Redis. */
export interface StoredRead {
  readonly recovered: boolean;
  readonly position: StreamPosition;
  /** Messages after the requested position, oldest first (empty unless recovered). */
  readonly messages: readonly StoredMessage[];
}

/** A page for the HTTP API. */
export interface StoredPage {
  readonly position: StreamPosition;
  readonly complete: boolean;
  readonly messages: readonly StoredMessage[];
}

/**
 * Rooms' history shared by the nodes of a cluster, in Redis: one stream and one small hash per
 * room. Appending a message, giving it the room's next offset and publishing it to the room's
 * channel happen in one Lua script, so every node receives a room's messages in offset order.
 */
export interface RedisHistory {
  /**
   * Appends `frame` (the push in the canonical format, without position) to `room`'s stream and
   * publishes `message` (an inter-node push message) on `channel` with the position appended.
   */
  appendAndPublish(
    room: string,
    policy: HistoryPolicy,
    frame: Uint8Array | string,
    message: Uint8Array,
    channel: string,
  ): Promise<StreamPosition>;
  /** The room's position; `marker` (an inter-node message) is then published on `channel`. */
  position(
    room: string,
    policy: HistoryPolicy,
    marker?: { channel: string; message: Uint8Array },
  ): Promise<StreamPosition>;
  /** The messages after `since`; `marker` is then published on `channel`. */
  read(
    room: string,
    policy: HistoryPolicy,
    since: StreamPosition,
    marker?: { channel: string; message: Uint8Array },
  ): Promise<StoredRead>;
  page(room: string, policy: HistoryPolicy, since: number, limit: number, epoch?: string): Promise<StoredPage>;
  close(): Promise<void>;
}

// The epoch lives in Redis beside the offset: a Redis that loses its data (a restart without
// persistence) loses both, and the next message starts a new epoch. Keys expire ttlSec after the
// last message, so a quiet room's history ends with its messages.
const COMMON = `
local P, room = ARGV[1], ARGV[2]
local meta = P .. ':history:' .. room .. ':meta'
local stream = P .. ':history:' .. room .. ':stream'
local function trim(ttlMs)
  local now = redis.call('TIME')
  local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  redis.call('XTRIM', stream, 'MINID', tostring(ms - ttlMs))
end
local function position(newEpoch, ttlMs)
  if redis.call('HSETNX', meta, 'epoch', newEpoch) == 1 then
    redis.call('HSET', meta, 'top', 0)
    redis.call('PEXPIRE', meta, ttlMs)
  end
  return redis.call('HGET', meta, 'epoch'), tonumber(redis.call('HGET', meta, 'top') or '0')
end
local function u32(n)
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
end
local function field(s)
  local n, out = #s, ''
  while n >= 128 do out = out .. string.char(n % 128 + 128); n = math.floor(n / 128) end
  return out .. string.char(n) .. s
end
`;

// ARGV: prefix, room, size, ttlMs, newEpoch, frame, message, channel. Returns {offset, epoch}.
const APPEND = `${COMMON}
local size, ttlMs = tonumber(ARGV[3]), tonumber(ARGV[4])
local epoch = position(ARGV[5], ttlMs)
local top = redis.call('HINCRBY', meta, 'top', 1)
redis.call('XADD', stream, 'MAXLEN', '~', size, '*', 'o', top, 'f', ARGV[6])
trim(ttlMs)
redis.call('PEXPIRE', meta, ttlMs)
redis.call('PEXPIRE', stream, ttlMs)
local message = ARGV[7] .. field(tostring(top)) .. field(epoch)
redis.call('PUBLISH', ARGV[8], string.char(1) .. u32(#message) .. message)
return {top, epoch}
`;

// ARGV: prefix, room, ttlMs, newEpoch, since offset (-1: none), since epoch, limit (0: all),
// channel and marker ('' : none). Returns {complete, top, epoch, offset1, frame1, ...} for the
// messages after since (up to limit). The marker is published on the room's channel after the
// read: the node that gets it back has received every message the read saw.
const READ = `${COMMON}
local ttlMs, since, sinceEpoch, limit = tonumber(ARGV[3]), tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local epoch, top = position(ARGV[4], ttlMs)
trim(ttlMs)
if ARGV[9] ~= '' then redis.call('PUBLISH', ARGV[8], string.char(1) .. u32(#ARGV[9]) .. ARGV[9]) end
local out = {0, top, epoch}
if since < 0 then return out end
if sinceEpoch ~= '' and sinceEpoch ~= epoch then since = 0 else
  if since > top then return out end
  if since == top then out[1] = 1; return out end
end
local entries = redis.call('XRANGE', stream, '-', '+')
local first = true
for _, entry in ipairs(entries) do
  local fields = entry[2]
  local offset, frame
  for i = 1, #fields, 2 do
    if fields[i] == 'o' then offset = tonumber(fields[i + 1]) elseif fields[i] == 'f' then frame = fields[i + 1] end
  end
  if offset > since then
    if first then
      if offset == since + 1 and (sinceEpoch == '' or sinceEpoch == epoch) then out[1] = 1 end
      first = false
    end
    if limit > 0 and (#out - 3) / 2 >= limit then break end
    table.insert(out, offset)
    table.insert(out, frame)
  end
end
if first and (sinceEpoch == '' or sinceEpoch == epoch) and since >= top then out[1] = 1 end
return out
`;

function newEpoch(): string {
  return randomBytes(5).toString('hex');
}

/** Creates the Redis history store of a cluster node (docs/scaling.md). */
export function createRedisHistory(options: RedisHistoryOptions): RedisHistory {
  return new RedisHistoryStore(options);
}

type ReadReply = [number, number, Buffer, ...(number | Buffer)[]];

class RedisHistoryStore implements RedisHistory {
  readonly #prefix: string;
  readonly #redis: RedisConnection;
  #connecting: Promise<unknown> | undefined;

  constructor(options: RedisHistoryOptions) {
    this.#prefix = options.prefix ?? 'switchyard';
    this.#redis = createRedisConnection({
      url: options.url,
      role: 'history',
      failFast: true,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  async appendAndPublish(
    room: string,
    policy: HistoryPolicy,
    frame: Uint8Array | string,
    message: Uint8Array,
    channel: string,
  ): Promise<StreamPosition> {
    const reply = (await this.#eval(APPEND, [
      room,
      String(policy.size),
      String(policy.ttlSec * 1000),
      newEpoch(),
      toBuffer(frame),
      Buffer.from(message.buffer, message.byteOffset, message.byteLength),
      channel,
    ])) as [number, Buffer];
    return { offset: Number(reply[0]), epoch: reply[1].toString() };
  }

  async position(
    room: string,
    policy: HistoryPolicy,
    marker?: { channel: string; message: Uint8Array },
  ): Promise<StreamPosition> {
    return (await this.#read(room, policy, -1, '', 0, marker)).position;
  }

  async read(
    room: string,
    policy: HistoryPolicy,
    since: StreamPosition,
    marker?: { channel: string; message: Uint8Array },
  ): Promise<StoredRead> {
    const read = await this.#read(room, policy, since.offset, since.epoch, 0, marker);
    return read.complete
      ? { recovered: true, position: read.position, messages: read.messages }
      : { recovered: false, position: read.position, messages: [] };
  }

  async page(room: string, policy: HistoryPolicy, since: number, limit: number, epoch?: string): Promise<StoredPage> {
    return this.#read(room, policy, since, epoch ?? '', limit);
  }

  close(): Promise<void> {
    this.#redis.destroy();
    return Promise.resolve();
  }

  async #read(
    room: string,
    policy: HistoryPolicy,
    since: number,
    epoch: string,
    limit: number,
    marker?: { channel: string; message: Uint8Array },
  ): Promise<StoredPage> {
    const reply = (await this.#eval(READ, [
      room,
      String(policy.ttlSec * 1000),
      newEpoch(),
      String(since),
      epoch,
      String(limit),
      marker?.channel ?? '',
      marker === undefined ? '' : toBuffer(marker.message),
    ])) as ReadReply;
    const messages: StoredMessage[] = [];
    for (let i = 3; i + 1 < reply.length; i += 2) {
      messages.push({ offset: Number(reply[i]), frame: reply[i + 1] as Buffer });
    }
    return {
      complete: Number(reply[0]) === 1,
      position: { offset: Number(reply[1]), epoch: reply[2].toString() },
      messages,
    };
  }

  async #eval(script: string, args: (string | Buffer)[]): Promise<unknown> {
    this.#connecting ??= this.#redis.connect().catch((err: unknown) => {
      this.#connecting = undefined;
      throw err;
    });
    await this.#connecting;
    // Buffers in, buffers out: frames are bytes and must come back untouched.
    return this.#redis
      .withTypeMapping({ [BLOB_STRING]: Buffer })
      .eval(script, { keys: [], arguments: [this.#prefix, ...args] });
  }
}

// RESP3 blob string type code, for node-redis's type mapping.
const BLOB_STRING = 36;

function toBuffer(frame: Uint8Array | string): Buffer {
  return typeof frame === 'string' ? Buffer.from(frame) : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}
