import { readFileSync } from 'node:fs';
import { Registry, collectDefaultMetrics } from 'prom-client';

// Default metrics describe the process, not a server, and prom-client cannot stop the GC observer
// and event-loop monitor it starts: one private registry per process serves every instance.
let processRegistry: Registry | undefined;

/** prom-client's process metrics (event-loop lag, heap, GC, CPU, file descriptors), shared by every server in the process. */
export function getProcessRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    // Gauges named like counters break the naming rules (`promtool check metrics` rejects them);
    // the same totals remain as the per-type breakdowns `nodejs_active_handles{type}` and so on.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      processRegistry.removeSingleMetric(name);
    }
  }
  return processRegistry;
}

/** The version in @switchyard/server's package.json, for `switchyard_build_info`. */
export function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const version = (pkg as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    // Bundled without its package.json: the label still exists, with an honest value.
    return 'unknown';
  }
}
