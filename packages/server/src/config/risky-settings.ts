import type { ServerOptions } from './options.js';

/** Minimum API key length below which `check-config` calls the key weak. */
export const STRONG_API_KEY_LENGTH = 32;

/**
 * The settings of a loaded configuration that a production deployment should not run with,
 * each as one sentence saying what is exposed and which option changes it (the production
 * checklist in docs/server.md, item by item). Defaults count: `/metrics` on the public port
 * is the default, and it is what the checklist is for.
 * @param options the effective options, defaults filled in (as `loadConfig` returns them)
 * @returns the warnings, in checklist order; empty for a hardened configuration
 */
export function riskySettings(options: ServerOptions): string[] {
  const warnings: string[] = [];
  const port = options.port ?? 9001;
  if (options.metrics !== false && options.metricsPort === undefined)
    warnings.push(
      `/metrics is served on the public port ${port}: set metricsPort (SWITCHYARD_METRICS_PORT) to a port only Prometheus reaches, or metrics off`,
    );
  if (options.apiKey !== undefined && options.apiKey.length < STRONG_API_KEY_LENGTH)
    warnings.push(
      `apiKey has ${options.apiKey.length} characters: use at least ${STRONG_API_KEY_LENGTH} random ones (openssl rand -base64 32) and keep /v1/* off your public proxy`,
    );
  if (options.allowedOrigins === undefined || options.allowedOrigins.length === 0)
    warnings.push(
      'allowedOrigins is unset: any web page can open a connection with its visitors’ tokens; list your app’s origins (SWITCHYARD_ALLOWED_ORIGINS)',
    );
  if (options.auth?.allowQueryToken !== false)
    warnings.push(
      'auth.allowQueryToken is on: tokens sent as ?token= end up in proxy and access logs; turn it off (SWITCHYARD_ALLOW_QUERY_TOKEN=off) once clients send the header or subprotocol',
    );
  if (options.auth?.allowAnonymous === true)
    warnings.push('auth.allowAnonymous is on: anyone can connect without a token');
  return warnings;
}
