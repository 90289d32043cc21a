import type { ServerOptions } from './config/options.js';

/** A server's mutable lifecycle flags, shared by the parts that answer differently while it closes. */
export interface ServerState {
  listening: boolean;
  shuttingDown: boolean;
  /** True when Switchyard was added to the caller's app (ready without `listen()`). */
  readonly embedded: boolean;
}

/** The state of a server not yet listening; embedded when it was given the caller's app or server. */
export function initialServerState(options: ServerOptions): ServerState {
  return {
    listening: false,
    shuttingDown: false,
    embedded: options.app !== undefined || options.server !== undefined,
  };
}

/** True when the server answers `/readyz` with 200. */
export function isReady(state: ServerState): boolean {
  return (state.listening || state.embedded) && !state.shuttingDown;
}
