import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BACKOFF,
  initialState,
  transition,
  type Effect,
  type MachineEvent,
  type MachineState,
} from './connection-machine.js';

const random = (): number => 0;

function run(events: MachineEvent[], state: MachineState = initialState): [MachineState, Effect[]] {
  let effects: Effect[] = [];
  for (const event of events) [state, effects] = transition(state, event, DEFAULT_BACKOFF, random);
  return [state, effects];
}

const opened: MachineEvent[] = [{ type: 'connect' }, { type: 'welcome' }];
const closed = (code: number, reason = ''): MachineEvent => ({ type: 'socket-closed', code, reason });

describe('connection machine', () => {
  it('connects, then opens on the welcome', () => {
    const [connecting, effects] = run([{ type: 'connect' }]);
    expect(connecting).toMatchObject({ phase: 'socket', status: 'connecting' });
    expect(effects).toEqual([
      { type: 'status', status: 'connecting' },
      { type: 'open-socket', refreshToken: false },
    ]);
    const [open, more] = run([{ type: 'welcome' }], connecting);
    expect(open).toMatchObject({ phase: 'open', status: 'open', attempt: 0 });
    expect(more).toEqual([{ type: 'status', status: 'open' }]);
  });

  it('reconnects with normal backoff after 1001/1006/1011', () => {
    for (const code of [1001, 1006, 1011, 4999]) {
      const [state, effects] = run([...opened, closed(code, 'bye')]);
      expect(state).toMatchObject({ phase: 'waiting', status: 'reconnecting', attempt: 1, refreshToken: false });
      expect(effects).toEqual([
        { type: 'status', status: 'reconnecting', code, reason: 'bye', delayMs: 500 },
        { type: 'schedule-retry', delayMs: 500 },
      ]);
    }
  });

  it('stops on a terminal code (40xx) and says so', () => {
    for (const code of [4000, 4002, 4099]) {
      const [state, effects] = run([...opened, closed(code, 'kicked')]);
      expect(state).toMatchObject({ phase: 'closed', status: 'closed' });
      expect(effects).toEqual([{ type: 'status', status: 'closed', code, reason: 'kicked', terminal: true }]);
    }
  });

  it('asks for a fresh token after a 41xx close', () => {
    const [state, effects] = run([...opened, closed(4100)]);
    expect(state).toMatchObject({ status: 'reconnecting', refreshToken: true });
    expect(effects.at(-1)).toEqual({ type: 'schedule-retry', delayMs: 500 });
    const [, retry] = run([{ type: 'retry-due' }], state);
    expect(retry).toEqual([{ type: 'open-socket', refreshToken: true }]);
  });

  it('stops after a 41xx close when no fresh token can be fetched (a fixed token)', () => {
    const [open] = run(opened);
    const [state, effects] = transition(open, closed(4100, 'token expired'), DEFAULT_BACKOFF, random, false);
    expect(state).toMatchObject({ phase: 'closed', status: 'closed' });
    expect(effects).toEqual([
      { type: 'status', status: 'closed', code: 4100, reason: 'token expired', terminal: true },
    ]);
    // Other codes still reconnect without getToken.
    expect(transition(open, closed(1006), DEFAULT_BACKOFF, random, false)[0]).toMatchObject({ status: 'reconnecting' });
  });

  it('backs off slowly after a 42xx close', () => {
    const [, effects] = run([...opened, closed(4200)]);
    expect(effects.at(-1)).toEqual({ type: 'schedule-retry', delayMs: DEFAULT_BACKOFF.slowMinDelayMs });
    const [, top] = transition(run(opened)[0], closed(4201), DEFAULT_BACKOFF, () => 0.999_999);
    expect(top.at(-1)).toMatchObject({ delayMs: DEFAULT_BACKOFF.slowMinDelayMs });
  });

  it('grows the delay with each failed attempt and resets it on the welcome', () => {
    const max = (): number => 0.999_999;
    let state = run(opened)[0];
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      let effects: Effect[];
      [state, effects] = transition(state, closed(1006), DEFAULT_BACKOFF, max);
      delays.push((effects.at(-1) as { delayMs: number }).delayMs);
      [state] = transition(state, { type: 'retry-due' }, DEFAULT_BACKOFF, max);
    }
    expect(delays).toEqual([500, 999, 1_999, 3_999, 7_999, 9_999]);
    [state] = transition(state, { type: 'welcome' }, DEFAULT_BACKOFF, max);
    expect(state.attempt).toBe(0);
  });

  it('asks for a fresh token when an attempt fails before the welcome (a refused upgrade looks like 1006)', () => {
    const [state] = run([{ type: 'connect' }, closed(1006)]);
    expect(state).toMatchObject({ status: 'reconnecting', refreshToken: true });
  });

  it('closes with 1000 from open, and cancels the retry when waiting', () => {
    const [state, effects] = run([...opened, { type: 'close', reason: 'done' }]);
    expect(state.status).toBe('closed');
    expect(effects).toEqual([
      { type: 'close-socket', code: 1000, reason: 'done' },
      { type: 'status', status: 'closed', code: 1000, reason: 'done' },
    ]);
    const [, waiting] = run([...opened, closed(1006), { type: 'close', reason: 'done' }]);
    expect(waiting[0]).toEqual({ type: 'cancel-retry' });
  });

  it('treats a server 1000 as the end of the session', () => {
    const [state, effects] = run([...opened, closed(1000)]);
    expect(state.status).toBe('closed');
    expect(effects).toEqual([{ type: 'status', status: 'closed', code: 1000, reason: '', terminal: false }]);
  });

  it('ignores events that make no sense in the current phase', () => {
    const [open] = run(opened);
    expect(transition(open, { type: 'welcome' }, DEFAULT_BACKOFF, random)).toEqual([open, []]);
    expect(transition(open, { type: 'retry-due' }, DEFAULT_BACKOFF, random)).toEqual([open, []]);
    expect(transition(open, { type: 'connect' }, DEFAULT_BACKOFF, random)).toEqual([open, []]);
    const [done] = run([...opened, closed(4002)]);
    expect(transition(done, closed(1006), DEFAULT_BACKOFF, random)).toEqual([done, []]);
  });

  it('ends the session with a status event when closed before connecting, and only once', () => {
    const [closed, effects] = run([{ type: 'close', reason: 'bye' }]);
    expect(closed).toMatchObject({ phase: 'closed', status: 'closed' });
    expect(effects).toEqual([{ type: 'status', status: 'closed', code: 1000, reason: 'bye' }]);
    expect(transition(closed, { type: 'close', reason: 'again' }, DEFAULT_BACKOFF, random)).toEqual([closed, []]);
  });

  it('can connect again after closing', () => {
    const [state, effects] = run([...opened, { type: 'close', reason: '' }, { type: 'connect' }]);
    expect(state).toMatchObject({ phase: 'socket', status: 'connecting' });
    expect(effects.at(-1)).toEqual({ type: 'open-socket', refreshToken: false });
  });

  it('ends the session after maxRefusals refused attempts in a row, and only in a row', () => {
    const refused: MachineEvent = { type: 'socket-closed', code: 1006, reason: 'HTTP 401', refused: true };
    const step = (state: MachineState, event: MachineEvent): [MachineState, Effect[]] =>
      transition(state, event, DEFAULT_BACKOFF, random, true, 3);
    let [state] = step(initialState, { type: 'connect' });
    [state] = step(state, refused);
    expect(state).toMatchObject({ phase: 'waiting', refusals: 1, refreshToken: true });
    [state] = step(step(state, { type: 'retry-due' })[0], refused);
    expect(state.refusals).toBe(2);
    // Any other failure breaks the row.
    [state] = step(step(state, { type: 'retry-due' })[0], closed(1006));
    expect(state.refusals).toBe(0);
    for (let i = 0; i < 2; i++) [state] = step(step(state, { type: 'retry-due' })[0], refused);
    let effects: Effect[];
    [state, effects] = step(step(state, { type: 'retry-due' })[0], refused);
    expect(state).toMatchObject({ phase: 'closed', status: 'closed', refusals: 3 });
    expect(effects).toEqual([
      { type: 'status', status: 'closed', code: 1006, reason: 'HTTP 401', terminal: true, unauthorized: true },
    ]);
  });

  it('starts counting refusals again after a welcome', () => {
    const refused: MachineEvent = { type: 'socket-closed', code: 1006, reason: '', refused: true };
    let [state] = transition(initialState, { type: 'connect' }, DEFAULT_BACKOFF, random, true, 2);
    [state] = transition(state, refused, DEFAULT_BACKOFF, random, true, 2);
    [state] = transition(state, { type: 'retry-due' }, DEFAULT_BACKOFF, random, true, 2);
    [state] = transition(state, { type: 'welcome' }, DEFAULT_BACKOFF, random, true, 2);
    expect(state.refusals).toBe(0);
  });
});
