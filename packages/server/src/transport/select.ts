import { optionError } from '../config/config-error.js';
import type { ServerOptions } from '../config/options.js';
import type { Transport, TransportSettings } from './types.js';
import { createUwsTransport } from './uws.js';
import { createWsTransport } from './ws.js';

/** The transports `createServer()` can run on. */
export type TransportKind = 'uws' | 'ws';

type TransportChoice = Pick<ServerOptions, 'transport' | 'server' | 'app' | 'perMessageDeflate'>;

/**
 * Which transport the options ask for: `ws` when a Node server is given or `transport: 'ws'`,
 * uWebSockets.js otherwise. Contradictions are refused rather than half honoured.
 * @throws ConfigError for options that belong to the other transport
 */
export function transportKind(options: TransportChoice): TransportKind {
  const kind = options.transport ?? (options.server !== undefined ? 'ws' : 'uws');
  if (kind !== 'uws' && kind !== 'ws') throw optionError('transport', `must be 'uws' or 'ws', got ${String(kind)}`);
  if (options.server !== undefined && options.app !== undefined)
    throw optionError('server', 'a Node HTTP server and app (a uWebSockets.js app) exclude each other');
  if (kind === 'uws' && options.server !== undefined)
    throw optionError('server', "a Node HTTP server needs transport: 'ws'");
  if (kind === 'ws' && options.app !== undefined)
    throw optionError('app', "a uWebSockets.js app needs transport: 'uws'");
  if (kind === 'uws' && options.perMessageDeflate !== undefined && options.perMessageDeflate !== false)
    throw optionError('perMessageDeflate', "offered only by transport: 'ws'");
  return kind;
}

/**
 * Creates the transport the options choose. Only the uWS transport refuses uWebSockets.js's
 * JavaScript fallback: the `ws` transport does not run on uWS at all.
 */
export function createTransport<D>(options: TransportChoice, settings: TransportSettings): Transport<D> {
  if (transportKind(options) === 'ws')
    return createWsTransport<D>(settings, { server: options.server, perMessageDeflate: options.perMessageDeflate });
  return createUwsTransport<D>(settings, options.app);
}
