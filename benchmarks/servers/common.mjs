// Shared plumbing of the contender servers: argument parsing, the readiness line the
// orchestrator waits for, a clean exit (so `--cpu-prof` profiles get written), and the memory
// probe the idle scenarios read.
import { renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Parses `--name value` flags of a contender server. */
export function serverArgs(options) {
  return parseArgs({ options, strict: true }).values;
}

/** Tells the orchestrator the server is listening (and arms the memory probe). */
export function announce(port) {
  installMemoryProbe();
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

/** Where a server's memory probe writes its reading (the generator knows the server's pid). */
export function memoryProbeFile(pid) {
  return join(tmpdir(), `switchyard-bench-mem-${pid}.json`);
}

/**
 * On SIGUSR2: a forced full GC, then RSS and live heap written to {@link memoryProbeFile}; with
 * `BENCH_HEAP_SNAPSHOT_DIR` set, a heap snapshot beside it. Installed in every contender alike, so
 * "live heap" means the same thing for each. `gc` comes from the flag set at runtime, so no
 * contender needs a different command line.
 */
export function installMemoryProbe() {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  let seq = 0;
  process.on('SIGUSR2', () => {
    gc();
    gc();
    const m = process.memoryUsage();
    const reading = {
      seq: ++seq,
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
      heapTotalBytes: m.heapTotal,
      externalBytes: m.external,
      arrayBuffersBytes: m.arrayBuffers,
      spaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size])),
      // What each space holds reserved (new space: both semi-spaces), which RSS follows.
      spaceSizes: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size])),
    };
    const dir = process.env.BENCH_HEAP_SNAPSHOT_DIR;
    if (dir) reading.snapshot = v8.writeHeapSnapshot(join(dir, `${process.pid}-${seq}.heapsnapshot`));
    const file = memoryProbeFile(process.pid);
    writeFileSync(`${file}.tmp`, JSON.stringify(reading));
    renameSync(`${file}.tmp`, file);
  });
}
