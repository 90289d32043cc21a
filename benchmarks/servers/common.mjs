// Shared plumbing of the contender servers: argument parsing, the readiness line the
// orchestrator waits for, and a clean exit (so `--cpu-prof` profiles get written).
import { parseArgs } from 'node:util';

/** Parses `--name value` flags of a contender server. */
export function serverArgs(options) {
  return parseArgs({ options, strict: true }).values;
}

/** Tells the orchestrator the server is listening. */
export function announce(port) {
  process.stdout.write(`${JSON.stringify({ ready: true, port, pid: process.pid })}\n`);
}

/** Exits on SIGTERM/SIGINT or when the orchestrator goes away (stdin closes). */
export function exitOnSignal(close) {
  let done = false;
  const stop = () => {
    if (done) return;
    done = true;
    try {
      close?.();
    } finally {
      // Leave time for sockets to close, bounded.
      setTimeout(() => process.exit(0), 50).unref();
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

/** Loads uWebSockets.js and refuses the slow `ws` fallback, which has no `getParts`. */
export async function loadNativeUws() {
  const uWS = (await import('uWebSockets.js')).default;
  if (typeof uWS.getParts !== 'function') {
    process.stderr.write('uWebSockets.js native binary did not load (no getParts): refusing the fallback shim\n');
    process.exit(3);
  }
  return uWS;
}
