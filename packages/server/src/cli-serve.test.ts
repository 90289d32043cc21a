import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signToken } from './auth/index.js';
import { assertBuilt, CLI, dir, run, SECRET } from './test-support/cli-run.js';

beforeAll(assertBuilt);

describe('switchyard serve', () => {
  interface Running {
    readonly child: ChildProcess;
    readonly base: string;
    readonly stderr: () => string;
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  }

  // A failed assertion must not leave a server running.
  const children = new Set<ChildProcess>();
  afterEach(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children.clear();
  });

  function start(args: string[], env: Record<string, string> = {}, demo = false): Promise<Running> {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--log-level', 'warn', ...args], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('exit', (code, signal) => done({ code, signal })),
    );
    return new Promise((ready, fail) => {
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const match = /listening on .+? \(connect: ws:\/\/(\S+)\/ws,/.exec(stderr);
        // The demo banner follows the ready line; wait for its last line.
        if (match?.[1] !== undefined && (!demo || stderr.includes('node -e'))) {
          ready({ child, base: match[1], stderr: () => stderr, exited });
        }
      });
      void exited.then(({ code }) => fail(new Error(`serve exited early with ${code}: ${stderr}`)));
    });
  }

  function connect(url: string): Promise<{ socket: WebSocket; welcome: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('message', (data) =>
        resolve({ socket, welcome: JSON.parse((data as Buffer).toString()) as Record<string, unknown> }),
      );
      socket.once('error', reject);
    });
  }

  it('embedded default: ephemeral secret, loopback only, a working demo token; SIGTERM exits 0', async () => {
    const server = await start(['--host', '0.0.0.0'], {}, true);
    expect(server.base).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.stderr()).toMatch(/switchyard listening on loopback only, 127\.0\.0\.1:\d+ /);
    expect(server.stderr()).toContain('--host=0.0.0.0 ignored: without a configured JWT key');
    expect(server.stderr()).toContain('EPHEMERAL HS256 secret');

    const health = await fetch(`http://${server.base}/healthz`);
    expect(health.status).toBe(200);

    const url = /(ws:\/\/\S+\/ws\?token=\S+)/.exec(server.stderr())?.[1];
    expect(url).toBeDefined();
    const { socket, welcome } = await connect(url as string);
    expect(welcome).toMatchObject({ t: 'welcome', userId: 'demo' });

    // The printed one-liner works as printed, from the repository root.
    const script = /node -e "(.+)"\n/.exec(server.stderr())?.[1] as string;
    const oneLiner = spawn(process.execPath, ['-e', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(oneLiner);
    let printed = '';
    await new Promise<void>((done) =>
      oneLiner.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        printed += chunk;
        if (printed.includes('"t":"reply"')) done();
      }),
    );
    oneLiner.kill();
    expect(printed).toContain('"t":"welcome"');
    expect(printed).toContain('{"t":"reply","id":1,"ok":true');
    const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)));

    server.child.kill('SIGTERM');
    expect(await closed).toBe(1001);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toContain('switchyard closed');
  }, 60_000);

  it('with a configured key: says it listens on all interfaces, no demo banner, tokens from `switchyard token` are accepted', async () => {
    const env = { SWITCHYARD_JWT_SECRET: SECRET };
    const server = await start(['--host', '0.0.0.0'], env);
    expect(server.stderr()).toMatch(/switchyard listening on all interfaces, 0\.0\.0\.0:\d+ /);
    expect(server.base).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.stderr()).not.toContain('EPHEMERAL');
    const token = run(['token', '--sub', 'erin'], env).stdout.trim();
    const { socket, welcome } = await connect(`ws://${server.base}/ws?token=${token}`);
    expect(welcome).toMatchObject({ t: 'welcome', userId: 'erin' });
    socket.close();
    server.child.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  // `npm start` builds the server, then runs the built CLI through npm. The build already ran
  // before the tests (`npm test` builds first), so the tests run the serve half of the script, as
  // npm runs it (npm, then the shell that `exec`s into node), and check that the script is that.
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const SERVE_COMMAND = 'exec node packages/server/dist/cli.js serve';

  it('`npm start` builds the server and its dependencies, then runs exactly the command these tests run', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts['start']).toBe(`turbo run build --filter=@switchyard/server... && ${SERVE_COMMAND}`);
  });

  // What a process manager does (SIGTERM to the process it started, npm) and what Ctrl-C in a
  // terminal does (SIGINT to the whole process group, which npm also forwards to its child).
  it.each([
    ['a SIGTERM sent to npm', 'npm'],
    ['a Ctrl-C (SIGINT to the process group)', 'group'],
  ] as const)(
    '`npm start` (its serve command under npm): %s shuts the server down gracefully instead of leaving it running',
    async (_name, target) => {
      const npm = spawn('npm', ['exec', '--silent', '--call', SERVE_COMMAND], {
        cwd: root,
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? tmpdir(),
          SWITCHYARD_PORT: '0',
          SWITCHYARD_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      children.add(npm);
      let stderr = '';
      const exited = new Promise<number | null>((done) => npm.on('exit', (code) => done(code)));
      const url = await new Promise<string>((ready, fail) => {
        npm.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
          const match = /(ws:\/\/\S+\/ws\?token=\S+)/.exec(stderr);
          if (match?.[1] !== undefined) ready(match[1]);
        });
        void exited.then((code) => fail(new Error(`npm exited early with ${code}: ${stderr}`)));
      });
      const base = new URL(url).host;
      const { socket, welcome } = await connect(url);
      expect(welcome).toMatchObject({ t: 'welcome', userId: 'demo' });
      const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)));

      if (target === 'npm') npm.kill('SIGTERM');
      else process.kill(-(npm.pid as number), 'SIGINT');
      const outcome = await Promise.race([
        closed,
        new Promise<string>((done) => setTimeout(() => done('still open'), 10_000)),
      ]);
      if (outcome !== 1001) socket.terminate();
      expect(outcome).toBe(1001);
      expect(await exited).toBe(0);
      expect(stderr).toContain('switchyard closed');
      expect(stderr).not.toContain('exiting now');
      await expect(fetch(`http://${base}/healthz`)).rejects.toThrow();
    },
    120_000,
  );

  it('a second SIGTERM ends the process at once while shutdown work keeps the event loop busy', async () => {
    const script = fileURLToPath(new URL('./test-support/busy-shutdown.mjs', import.meta.url));
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('exit', (code, signal) => done({ code, signal })),
    );
    const seen = (text: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (stderr.includes(text)) resolve();
        };
        child.stderr?.on('data', check);
        void exited.then(() => reject(new Error(`exited before "${text}": ${stderr}`)));
        check();
      });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    await seen('port ');
    const port = /port (\d+)/.exec(stderr)?.[1];
    const token = signToken({ sub: 'u' }, { secret: 's'.repeat(32) });
    // 40 connections: closing them holds the loop for 8 s.
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        const { socket } = await connect(`ws://127.0.0.1:${port}/ws?token=${token}`);
        socket.on('error', () => {});
      }),
    );
    child.kill('SIGTERM');
    await seen('shutdown work started');
    child.kill('SIGTERM');
    // Killed by the signal (status 143 in a shell) long before the 8 s of work could finish.
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(stderr).not.toContain('switchyard closed');
  }, 60_000);

  it('refuses an invalid configuration before listening', () => {
    const { code, stderr } = run(['serve'], { SWITCHYARD_PORT: 'abc' });
    expect(code).toBe(1);
    expect(stderr).toContain('SWITCHYARD_PORT: expected an integer 0-65535');
  });
});
