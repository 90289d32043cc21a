// A consumer project outside the monorepo: packs the three packages, installs the tarballs into a
// scratch project in a temporary directory (registry dependencies such as uWebSockets.js come
// from the registry, as for any user), type-checks the README's first app with its own tsconfig
// in NodeNext and in Bundler resolution, then runs it: the server, a token from the installed
// `switchyard` command, and the client, which must print the message it sent.
// Needs the packages built (`npx turbo run build`).
//
//   node scripts/consumer-test.mjs [--keep]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'switchyard-consumer-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
const children = [];

function sh(cmd, args, cwd, env = {}) {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The ```ts blocks of the README's "A first app" section, by the file name in their first line. */
function firstApp() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## A first app'),
    readme.indexOf('\n## ', readme.indexOf('## A first app') + 1),
  );
  const files = {};
  for (const [, code] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = /^\/\/ (\S+\.ts)/.exec(code)?.[1];
    if (name === undefined) throw new Error(`a first-app block does not start with its file name:\n${code}`);
    files[name] = code;
  }
  for (const name of ['contract.ts', 'server.ts', 'client.ts'])
    if (files[name] === undefined) throw new Error(`README's first app has no ${name}`);
  return files;
}

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function waitForOutput(child, pattern, what, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; output:\n${text}`)), timeoutMs);
    const onData = (chunk) => {
      text += chunk;
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.on('exit', (code) => {
      if (!pattern.test(text)) {
        clearTimeout(timer);
        reject(new Error(`${what}: exited with ${code} first; output:\n${text}`));
      }
    });
  });
}

async function main() {
  const started = Date.now();
  sh('mkdir', ['-p', tarballs, app], work);
  sh(
    'npm',
    [
      'pack',
      '--silent',
      '--pack-destination',
      tarballs,
      './packages/protocol',
      './packages/server',
      './packages/client',
    ],
    root,
  );
  const packed = readdirSync(tarballs).map((f) => join(tarballs, f));
  console.log(`ok - packed ${packed.length} tarballs`);

  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
  );
  sh(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...packed,
      'ws',
      `typescript@${rootPkg.devDependencies.typescript}`,
      '@types/node@20',
      '@types/ws',
    ],
    app,
  );
  console.log('ok - installed the tarballs into a project outside the monorepo');

  for (const [name, code] of Object.entries(firstApp())) writeFileSync(join(app, name), code);
  const common = { target: 'ES2022', strict: true, skipLibCheck: false, types: ['node'], lib: ['ES2022', 'DOM'] };
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { ...common, module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'dist' },
      include: ['*.ts'],
    }),
  );
  writeFileSync(
    join(app, 'tsconfig.bundler.json'),
    JSON.stringify({
      compilerOptions: { ...common, module: 'ESNext', moduleResolution: 'Bundler', noEmit: true },
      include: ['*.ts'],
    }),
  );
  sh('npx', ['--no-install', 'tsc', '-p', 'tsconfig.bundler.json'], app);
  console.log('ok - the first app type-checks with Bundler resolution');
  sh('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], app);
  console.log('ok - the first app type-checks and compiles with NodeNext resolution');

  const port = String(await freePort());
  const env = { ...process.env, PORT: port, SWITCHYARD_JWT_SECRET: 'consumer-test-secret-of-at-least-32-bytes' };
  const server = spawn(process.execPath, ['dist/server.js'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(server);
  // The server prints nothing itself: wait until its port answers.
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      if (i > 300 || server.exitCode !== null) throw new Error('the first app server did not come up');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  console.log('ok - the server runs (uWebSockets.js resolved from the consumer project)');
  const token = sh(
    'npx',
    ['--no-install', 'switchyard', 'token', '--sub', 'alice', '--rooms', 'chat:*'],
    app,
    env,
  ).trim();
  console.log('ok - `npx switchyard token` works in the consumer project');
  const client = spawn(process.execPath, ['dist/client.js'], {
    cwd: app,
    env: { ...env, SWITCHYARD_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(client);
  const output = await waitForOutput(client, /sent [0-9a-f-]{36}/, 'the client');
  if (!output.includes('alice: hi')) throw new Error(`the client did not receive its message:\n${output}`);
  const exit = await new Promise((resolve) =>
    client.exitCode !== null ? resolve(client.exitCode) : client.on('exit', resolve),
  );
  if (exit !== 0) throw new Error(`the client exited with ${exit}`);
  console.log(
    `ok - server and client exchanged a message ("alice: hi") in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

try {
  await main();
} catch (error) {
  console.error(`not ok - ${error.message}`);
  process.exitCode = 1;
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  if (process.argv.includes('--keep')) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
