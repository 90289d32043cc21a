/** What {@link closeOnSignals} needs from its surroundings; `process` in production. */
export interface SignalIo {
  readonly err: (text: string) => void;
  readonly signals: {
    on(signal: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
    off(signal: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  };
  readonly exit: (code: number) => void;
  /** Clock for telling a forwarded duplicate from a second signal. @default Date.now */
  readonly now?: () => number;
}

// Under `npm start`, a terminal's Ctrl-C reaches the server twice: from the terminal and forwarded
// by npm a few milliseconds later. The same signal within this window is that one keypress.
const DUPLICATE_SIGNAL_MS = 500;

/**
 * Closes the server gracefully on the first SIGTERM or SIGINT and resolves with the exit code
 * (0, or 1 when closing failed). A second signal ends the process at once with 128 + its number
 * (the same signal again within half a second counts as the first one, forwarded by a parent
 * such as npm).
 *
 * Shutdown work can keep the event loop busy, and a JavaScript signal handler only runs when the
 * loop is free. So the shutdown starts once that half second has passed, after the handlers are
 * removed: from then on a signal takes the operating system's default action and terminates the
 * process at once (status 143 or 130), however busy the loop is.
 */
export function closeOnSignals(
  server: { close(options: { graceMs: number }): Promise<void> },
  graceMs: number,
  io: SignalIo,
): Promise<number> {
  return new Promise<number>((done) => {
    let closing = false;
    let first: { signal: NodeJS.Signals; at: number } | undefined;
    const now = io.now ?? Date.now;
    let backstop: NodeJS.Timeout | undefined;
    let starting: NodeJS.Timeout | undefined;
    const finish = (code: number): void => {
      clearTimeout(backstop);
      done(code);
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) {
        if (first !== undefined && signal === first.signal && now() - first.at < DUPLICATE_SIGNAL_MS) return;
        clearTimeout(backstop);
        clearTimeout(starting);
        io.err(`${signal} again: exiting now`);
        io.exit(signal === 'SIGINT' ? 130 : 143);
        return;
      }
      closing = true;
      first = { signal, at: now() };
      io.err(`${signal}: closing (grace ${graceMs / 1000}s; send again to force)`);
      // In case close() itself hangs past its grace.
      backstop = setTimeout(() => {
        io.err('shutdown did not finish in time: exiting');
        io.exit(1);
      }, graceMs + 5_000);
      backstop.unref();
      starting = setTimeout(() => {
        io.signals.off('SIGTERM', onSignal);
        io.signals.off('SIGINT', onSignal);
        server.close({ graceMs }).then(
          () => {
            io.err('switchyard closed');
            finish(0);
          },
          (error: unknown) => {
            io.err(`error while closing: ${(error as Error).message}`);
            finish(1);
          },
        );
      }, DUPLICATE_SIGNAL_MS);
    };
    io.signals.on('SIGTERM', onSignal);
    io.signals.on('SIGINT', onSignal);
  });
}
