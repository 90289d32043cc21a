// The servers under test. Each runs as its own process; `protocol` names the wire adapter the
// generator speaks to it; `auth` whether connections carry a JWT; `cluster` that it runs as two
// nodes sharing rooms through a private Redis (`--redis-url` is added by the harness), which only
// the cluster scenario runs.

/** Contender id -> how to start it and speak to it. */
export const CONTENDERS = {
  'switchyard-json': {
    label: 'Switchyard JSON',
    script: 'servers/switchyard.mjs',
    args: [],
    protocol: 'switchyard-json',
    auth: 'hs256',
  },
  'switchyard-msgpack': {
    label: 'Switchyard msgpack',
    script: 'servers/switchyard.mjs',
    args: [],
    protocol: 'switchyard-msgpack',
    auth: 'hs256',
  },
  // Protocol version 1 (push as a map), still served for older clients: the cost of the bigger frame.
  'switchyard-json-v1': {
    label: 'Switchyard JSON, protocol v1',
    script: 'servers/switchyard.mjs',
    args: [],
    protocol: 'switchyard-json-v1',
    auth: 'hs256',
  },
  'switchyard-msgpack-v1': {
    label: 'Switchyard msgpack, protocol v1',
    script: 'servers/switchyard.mjs',
    args: [],
    protocol: 'switchyard-msgpack-v1',
    auth: 'hs256',
  },
  'switchyard-json-nometrics': {
    label: 'Switchyard JSON, metrics off',
    script: 'servers/switchyard.mjs',
    args: ['--metrics', 'off'],
    protocol: 'switchyard-json',
    auth: 'hs256',
  },
  // The young-generation cap docs/server.md suggests for many idle connections (`nodeFlags` are
  // Node/V8 flags of this contender's process only); compared with 'switchyard-json' in the same run.
  'switchyard-json-semi4': {
    label: 'Switchyard JSON, --max-semi-space-size=4',
    script: 'servers/switchyard.mjs',
    args: [],
    nodeFlags: ['--max-semi-space-size=4'],
    protocol: 'switchyard-json',
    auth: 'hs256',
    // Only when named with `--contenders`.
    optIn: true,
  },
  // The same server on the `ws` transport (a Node HTTP server), for apps that attach to their own.
  'switchyard-ws': {
    label: 'Switchyard JSON on ws',
    script: 'servers/switchyard.mjs',
    args: ['--transport', 'ws'],
    protocol: 'switchyard-json',
    auth: 'hs256',
  },
  'uws-raw': { label: 'raw uWS', script: 'servers/uws-raw.mjs', args: [], protocol: 'uws-raw', auth: null },
  'uws-raw-defer': {
    label: 'raw uWS, deferred publish',
    script: 'servers/uws-raw.mjs',
    args: ['--defer'],
    protocol: 'uws-raw',
    auth: null,
  },
  'sio-uws': {
    label: 'Socket.IO on uWS',
    script: 'servers/socketio.mjs',
    args: ['--engine', 'uws'],
    protocol: 'socketio',
    auth: null,
  },
  'sio-default': {
    label: 'Socket.IO default',
    script: 'servers/socketio.mjs',
    args: ['--engine', 'default'],
    protocol: 'socketio',
    auth: null,
  },
  'switchyard-json-cluster': {
    label: 'Switchyard JSON, 2 nodes + Redis',
    script: 'servers/switchyard.mjs',
    args: [],
    protocol: 'switchyard-json',
    auth: 'hs256',
    cluster: true,
  },
  'uws-redis': {
    label: 'raw uWS + Redis PUBLISH, 2 nodes',
    script: 'servers/uws-redis.mjs',
    args: [],
    protocol: 'uws-raw',
    auth: null,
    cluster: true,
  },
  'sio-redis': {
    label: 'Socket.IO default + Redis adapter, 2 nodes',
    script: 'servers/socketio.mjs',
    args: ['--engine', 'default'],
    protocol: 'socketio',
    auth: null,
    cluster: true,
  },
};

/** Contenders that run as one process (every scenario but the cluster one), opt-in ones aside. */
export const SINGLE_NODE = Object.keys(CONTENDERS).filter((id) => !CONTENDERS[id].cluster && !CONTENDERS[id].optIn);

/** The Switchyard contenders (their ids start with `switchyard`). */
export const isSwitchyard = (id) => id.startsWith('switchyard');
