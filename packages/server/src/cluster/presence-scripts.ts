/**
 * Lua scripts behind cluster presence; each runs atomically in Redis. Every script takes
 * `ARGV[1]` = key prefix and `ARGV[2]` = node id. Keys (P = prefix):
 *
 * - `P:presence:conns:<room>`  hash `<node>|<user>` -> that node's connections of the user in the room
 * - `P:presence:users:<room>`  hash `<user>` -> the user's connections in the room, cluster-wide
 * - `P:presence:rooms`         set of rooms with members anywhere
 * - `P:node:<node>:members`    hash `<byte length of room>:<room><user>` -> connections (what to remove when the node dies)
 * - `P:node:<node>:alive`      liveness, expires unless heartbeats refresh it
 * - `P:node:<node>:reaped`     tombstone left by a reaper, so a node that was only stalled learns it lost its entries
 * - `P:nodes`                  set of registered nodes; removing a node from it decides who reaps it
 *
 * Keys are computed inside the scripts, which a single Redis allows and Redis Cluster does not.
 */

const PRELUDE = `
local p = ARGV[1]
local node = ARGV[2]
local roomsKey = p .. ':presence:rooms'
local function connsKey(room) return p .. ':presence:conns:' .. room end
local function usersKey(room) return p .. ':presence:users:' .. room end
local function nodeKey(n, what) return p .. ':node:' .. n .. ':' .. what end
local function memberField(room, user) return #room .. ':' .. room .. user end
local function parseMember(field)
  local colon = string.find(field, ':', 1, true)
  local size = tonumber(string.sub(field, 1, colon - 1))
  return string.sub(field, colon + 1, colon + size), string.sub(field, colon + size + 1)
end
local function total(room, user)
  return tonumber(redis.call('HGET', usersKey(room), user) or '0')
end
-- Adds delta to node n's connections of user in room; returns the user's cluster-wide count after.
local function apply(n, room, user, delta)
  local field = n .. '|' .. user
  if redis.call('HINCRBY', connsKey(room), field, delta) <= 0 then redis.call('HDEL', connsKey(room), field) end
  local members, member = nodeKey(n, 'members'), memberField(room, user)
  if redis.call('HINCRBY', members, member, delta) <= 0 then redis.call('HDEL', members, member) end
  local after = redis.call('HINCRBY', usersKey(room), user, delta)
  if after > 0 then
    redis.call('SADD', roomsKey, room)
    return after
  end
  redis.call('HDEL', usersKey(room), user)
  if redis.call('HLEN', usersKey(room)) == 0 then redis.call('SREM', roomsKey, room) end
  return 0
end
local function register(ttl)
  redis.call('SADD', p .. ':nodes', node)
  redis.call('SET', nodeKey(node, 'alive'), '1', 'PX', ttl)
end
-- Removes every entry of node n; returns { room, user, ... } for users left with no connection.
local function removeNode(n)
  local gone = {}
  local entries = redis.call('HGETALL', nodeKey(n, 'members'))
  for i = 1, #entries, 2 do
    local room, user = parseMember(entries[i])
    if apply(n, room, user, -tonumber(entries[i + 1])) == 0 then
      gone[#gone + 1] = room
      gone[#gone + 1] = user
    end
  end
  redis.call('DEL', nodeKey(n, 'members'))
  return gone
end
`;

/** ARGV: prefix, node, room, user, ttlMs. Returns the user's cluster-wide connections after. */
export const JOIN = `${PRELUDE}
register(ARGV[5])
return apply(node, ARGV[3], ARGV[4], 1)`;

/** ARGV: prefix, node, room, user. Returns { changed (0|1), the user's cluster-wide connections after }. */
export const LEAVE = `${PRELUDE}
local room, user = ARGV[3], ARGV[4]
if tonumber(redis.call('HGET', connsKey(room), node .. '|' .. user) or '0') <= 0 then
  return { 0, total(room, user) }
end
return { 1, apply(node, room, user, -1) }`;

/** ARGV: prefix, node, room. Returns HGETALL of the room's user totals. */
export const SNAPSHOT = `${PRELUDE}
return redis.call('HGETALL', usersKey(ARGV[3]))`;

/** ARGV: prefix, node. Returns { room, distinct users, ... }. */
export const ROOMS = `${PRELUDE}
local out = {}
for _, room in ipairs(redis.call('SMEMBERS', roomsKey)) do
  out[#out + 1] = room
  out[#out + 1] = redis.call('HLEN', usersKey(room))
end
return out`;

/** ARGV: prefix, node, ttlMs. Refreshes liveness; returns 1 when a reaper removed this node's entries meanwhile. */
export const HEARTBEAT = `${PRELUDE}
register(ARGV[3])
return redis.call('DEL', nodeKey(node, 'reaped'))`;

/**
 * ARGV: prefix, node, tombstoneSeconds. Removes the entries of every registered node whose
 * liveness expired, exactly once (the SREM and the removal are one atomic step). Returns
 * { room, user, ... } for users left with no connection in a room.
 */
export const REAP = `${PRELUDE}
local gone = {}
for _, n in ipairs(redis.call('SMEMBERS', p .. ':nodes')) do
  if redis.call('EXISTS', nodeKey(n, 'alive')) == 0 and redis.call('SREM', p .. ':nodes', n) == 1 then
    for _, value in ipairs(removeNode(n)) do gone[#gone + 1] = value end
    redis.call('SET', nodeKey(n, 'reaped'), '1', 'EX', ARGV[3])
  end
end
return gone`;

/**
 * ARGV: prefix, node, ttlMs, then room, user, connections triples: this node's whole contribution.
 * Replaces what Redis holds for the node with it. Returns { 'join'|'leave', room, user,
 * connections after, ... } for users whose cluster-wide presence appeared or vanished.
 */
export const RESYNC = `${PRELUDE}
register(ARGV[3])
redis.call('DEL', nodeKey(node, 'reaped'))
local wanted = {}
for i = 4, #ARGV, 3 do
  wanted[memberField(ARGV[i], ARGV[i + 1])] = { ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]) }
end
local touched = {}
local function change(room, user, delta)
  local key = memberField(room, user)
  if touched[key] == nil then touched[key] = { room, user, total(room, user) } end
  apply(node, room, user, delta)
end
local entries = redis.call('HGETALL', nodeKey(node, 'members'))
for i = 1, #entries, 2 do
  local room, user = parseMember(entries[i])
  local held, want = tonumber(entries[i + 1]), wanted[entries[i]]
  local count = 0
  if want ~= nil then
    count = want[3]
    wanted[entries[i]] = nil
  end
  if count ~= held then change(room, user, count - held) end
end
for _, want in pairs(wanted) do
  if want[3] > 0 then change(want[1], want[2], want[3]) end
end
local out = {}
for _, t in pairs(touched) do
  local after = total(t[1], t[2])
  if t[3] == 0 and after > 0 then
    out[#out + 1] = 'join'; out[#out + 1] = t[1]; out[#out + 1] = t[2]; out[#out + 1] = after
  elseif t[3] > 0 and after == 0 then
    out[#out + 1] = 'leave'; out[#out + 1] = t[1]; out[#out + 1] = t[2]; out[#out + 1] = 0
  end
end
return out`;

/** ARGV: prefix, node. Removes this node's entries, liveness and registration (graceful shutdown). */
export const DEPART = `${PRELUDE}
removeNode(node)
redis.call('SREM', p .. ':nodes', node)
redis.call('DEL', nodeKey(node, 'alive'), nodeKey(node, 'reaped'))
return 1`;
