import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The CLI tests run the built CLI, as users do: `npx tsc -p packages/server/tsconfig.build.json` first.

/** The built CLI. */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
/** An HMAC secret long enough for every algorithm. */
export const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
/** The working directory the CLI runs in: empty, so no config file is found by accident. */
export const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));

/** Fails early, saying how to build, when the CLI was not built. */
export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npx tsc -p packages/server/tsconfig.build.json`);
}

/** Runs the CLI with a clean environment: only PATH and the given variables. */
export function run(
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
