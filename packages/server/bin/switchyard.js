#!/usr/bin/env node
// The `switchyard` executable. An installed package always has dist/; a clone of the repository
// has none until something builds it, so `npx switchyard …` right after `npm ci` builds the server
// package (and @switchyard/protocol) once, then runs the command.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(packageDir, 'dist', 'cli.js');
const repoRoot = join(packageDir, '..', '..');
const inCheckout = existsSync(join(packageDir, 'src', 'cli.ts')) && existsSync(join(repoRoot, 'turbo.json'));
const built =
  existsSync(cli) && (!inCheckout || existsSync(join(repoRoot, 'packages', 'protocol', 'dist', 'index.js')));

if (!built) {
  if (!inCheckout) {
    process.stderr.write(`switchyard: ${cli} is missing; reinstall @switchyard/server\n`);
    process.exit(1);
  }
  process.stderr.write('switchyard: not built yet in this checkout; building @switchyard/server once…\n');
  const build = spawnSync(
    'npm',
    ['run', '--silent', 'build', '--', '--filter=@switchyard/server...', '--output-logs=errors-only'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 2, 2],
      shell: process.platform === 'win32',
    },
  );
  if (build.status !== 0 || !existsSync(cli)) {
    process.stderr.write('switchyard: the build failed; run `npm run build` at the repository root to see why\n');
    process.exit(1);
  }
}

const { runCli } = await import(pathToFileURL(cli).href);
await runCli();
