import { CONFIG_FILE_SPEC, OPTION_SPECS } from './option-specs.js';

/** The config flags, one per line with their environment variable, for `switchyard --help`. */
export function formatConfigFlags(): string {
  const rows: [string, string, string][] = [
    [`--${CONFIG_FILE_SPEC.flag}`, CONFIG_FILE_SPEC.env, 'JSON config file'],
    ...OPTION_SPECS.map((spec): [string, string, string] => [
      `--${spec.flag}`,
      spec.env,
      describe(spec.type.syntax === 'string' ? spec.summary : `${spec.summary} (${spec.type.syntax})`, spec.default),
    ]),
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length));
  const envWidth = Math.max(...rows.map(([, env]) => env.length));
  return rows.map(([flag, env, text]) => `  ${flag.padEnd(width)}  ${env.padEnd(envWidth)}  ${text}`).join('\n');
}

function describe(summary: string, fallback: unknown): string {
  return fallback === undefined ? summary : `${summary} [${formatDefault(fallback)}]`;
}

/** A default as `--help` and docs/configuration.md write it: `on`/`off`, lists comma-separated. */
export function formatDefault(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
