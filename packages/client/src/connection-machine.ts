import { isTerminalClose, shouldReauthenticate, shouldReconnectSlowly, type CloseCode } from '@switchyard/protocol';
import { backoff } from './backoff.js';

/**
 * The connection's lifecycle as a pure function: `(state, event) -> [state, effects]`.
 * No sockets, timers or clocks here; the driver (connection.ts) performs the effects, so every
 * transition is testable on its own and the driver can be tested with a manual clock.
 */

// Typed against the protocol's table, without shipping the whole table to browsers.
/** `CloseCode.NORMAL`: a deliberate close that ends the session. */
export const NORMAL_CLOSE: (typeof CloseCode)['NORMAL'] = 1000;

/** The public connection status. */
export type Status = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** A status change, with the close code and reason that caused it. */
export interface StatusEvent {
  readonly status: Status;
  /** The close code behind `reconnecting` or `closed`. */
  readonly code?: number;
  /** The close reason behind `reconnecting` or `closed`. */
  readonly reason?: string;
  /** With `reconnecting`: milliseconds until the next attempt. */
  readonly delayMs?: number;
  /**
   * With `closed`: true when a terminal close code (4000–4099) ended the session, or a 41xx code
   * without `getToken` to fetch a new token, or `maxRefusals` refused attempts in a row.
   */
  readonly terminal?: boolean;
  /** With `closed`: true when the session ended because `maxRefusals` attempts in a row were refused. */
  readonly unauthorized?: boolean;
}

/** Where the machine is: no socket yet, socket opening, welcomed, waiting to retry, done. */
export type Phase = 'idle' | 'socket' | 'open' | 'waiting' | 'closed';

/** The machine's state. */
export interface MachineState {
  readonly phase: Phase;
  readonly status: Status;
  /** Failed attempts since the last welcome. */
  readonly attempt: number;
  /** The next attempt must fetch a fresh token first. */
  readonly refreshToken: boolean;
  /** Attempts in a row refused for their token. */
  readonly refusals: number;
}

/** What happened. */
export type MachineEvent =
  | { readonly type: 'connect' }
  | { readonly type: 'welcome' }
  | {
      readonly type: 'socket-closed';
      readonly code: number;
      readonly reason: string;
      /** The attempt was refused for its token (or, where the status is hidden, failed before opening). */
      readonly refused?: boolean;
    }
  | { readonly type: 'retry-due' }
  | { readonly type: 'close'; readonly reason: string };

/** What the driver must do. */
export type Effect =
  | { readonly type: 'open-socket'; readonly refreshToken: boolean }
  | { readonly type: 'close-socket'; readonly code: number; readonly reason: string }
  | { readonly type: 'schedule-retry'; readonly delayMs: number }
  | { readonly type: 'cancel-retry' }
  | ({ readonly type: 'status' } & StatusEvent);

/** Reconnect delays. */
export interface BackoffConfig {
  /** Smallest reconnect delay, ms. @default 500 */
  readonly minDelayMs: number;
  /** Largest reconnect delay, ms. @default 10000 */
  readonly maxDelayMs: number;
  /** Smallest delay after a 42xx close (rate limited, overloaded), ms. @default 5000 */
  readonly slowMinDelayMs: number;
  /** Largest delay after a 42xx close, ms. @default 60000 */
  readonly slowMaxDelayMs: number;
}

/** Defaults of {@link BackoffConfig}. */
export const DEFAULT_BACKOFF: BackoffConfig = {
  minDelayMs: 500,
  maxDelayMs: 10_000,
  slowMinDelayMs: 5_000,
  slowMaxDelayMs: 60_000,
};

/** The state before `connect`. */
export const initialState: MachineState = {
  phase: 'idle',
  status: 'closed',
  attempt: 0,
  refreshToken: false,
  refusals: 0,
};

/**
 * One transition. Events that make no sense in a phase leave the state alone.
 * `canReauthenticate`: a fresh token can be fetched (`getToken`); without one, a 41xx close ends
 * the session, since every attempt with the same token would be refused. `maxRefusals`: attempts
 * in a row refused for their token after which the session ends.
 */
export function transition(
  state: MachineState,
  event: MachineEvent,
  config: BackoffConfig,
  random: () => number,
  canReauthenticate = true,
  maxRefusals = Number.POSITIVE_INFINITY,
): [MachineState, Effect[]] {
  const { phase } = state;
  switch (event.type) {
    case 'connect':
      if (phase !== 'idle' && phase !== 'closed') return [state, []];
      return [
        { phase: 'socket', status: 'connecting', attempt: 0, refreshToken: false, refusals: 0 },
        [
          { type: 'status', status: 'connecting' },
          { type: 'open-socket', refreshToken: false },
        ],
      ];
    case 'welcome':
      if (phase !== 'socket') return [state, []];
      return [
        { phase: 'open', status: 'open', attempt: 0, refreshToken: false, refusals: 0 },
        [{ type: 'status', status: 'open' }],
      ];
    case 'retry-due':
      if (phase !== 'waiting') return [state, []];
      return [{ ...state, phase: 'socket' }, [{ type: 'open-socket', refreshToken: state.refreshToken }]];
    case 'close': {
      if (phase === 'closed') return [state, []];
      const { reason } = event;
      const effects: Effect[] = [{ type: 'status', status: 'closed', code: NORMAL_CLOSE, reason }];
      // Closed before connecting: no socket to close, but the session still ends with its status
      // event (the client fails what was queued for it).
      if (phase !== 'idle')
        effects.unshift(
          phase === 'waiting' ? { type: 'cancel-retry' } : { type: 'close-socket', code: NORMAL_CLOSE, reason },
        );
      return [{ ...state, phase: 'closed', status: 'closed' }, effects];
    }
    case 'socket-closed':
      return socketClosed(state, event, config, random, canReauthenticate, maxRefusals);
  }
}

/** The socket closed: end the session, or plan the next attempt after a backoff. */
function socketClosed(
  state: MachineState,
  event: Extract<MachineEvent, { type: 'socket-closed' }>,
  config: BackoffConfig,
  random: () => number,
  canReauthenticate: boolean,
  maxRefusals: number,
): [MachineState, Effect[]] {
  const { phase } = state;
  if (phase !== 'socket' && phase !== 'open') return [state, []];
  const { code, reason } = event;
  const refusals = event.refused ? state.refusals + 1 : 0;
  if (refusals >= maxRefusals) {
    return [
      { ...state, phase: 'closed', status: 'closed', refusals },
      [{ type: 'status', status: 'closed', code, reason, terminal: true, unauthorized: true }],
    ];
  }
  if (code === NORMAL_CLOSE || isTerminalClose(code) || (!canReauthenticate && shouldReauthenticate(code))) {
    return [
      { ...state, phase: 'closed', status: 'closed' },
      [{ type: 'status', status: 'closed', code, reason, terminal: code !== NORMAL_CLOSE }],
    ];
  }
  const slow = shouldReconnectSlowly(code);
  const delayMs = backoff(
    state.attempt,
    slow ? config.slowMinDelayMs : config.minDelayMs,
    slow ? config.slowMaxDelayMs : config.maxDelayMs,
    random,
  );
  // A socket that failed before the welcome may have been refused for its token (a browser
  // sees a 401 only as 1006), so the next attempt asks for a fresh one, as after a 41xx close.
  const refreshToken = shouldReauthenticate(code) || phase === 'socket';
  return [
    { phase: 'waiting', status: 'reconnecting', attempt: state.attempt + 1, refreshToken, refusals },
    [
      { type: 'status', status: 'reconnecting', code, reason, delayMs },
      { type: 'schedule-retry', delayMs },
    ],
  ];
}
