import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createTokenVerifier, signToken } from './auth/index.js';
import { closeOnSignals } from './cli-signals.js';

// These tests run the built CLI, as users do: `npx tsc -p packages/server/tsconfig.build.json` first.
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));

function pemPair(): { publicKey: string; privateKey: string } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Runs the CLI with a clean environment: only PATH and the given variables. */
function run(
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

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npx tsc -p packages/server/tsconfig.build.json`);
});

describe('switchyard usage', () => {
  it('prints help with every environment variable and exits 0', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: switchyard <command>/);
    for (const name of ['SWITCHYARD_PORT', 'SWITCHYARD_JWT_SECRET', 'SWITCHYARD_MAX_PAYLOAD', 'SWITCHYARD_CONFIG'])
      expect(stdout).toContain(name);
    expect(run(['help']).code).toBe(0);
    expect(run(['token', '--help']).stdout).toMatch(/^Usage/);
  });

  it('answers an unknown or missing command with usage and exit 2', () => {
    const unknown = run(['launch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: unknown command "launch"');
    expect(unknown.stderr).toContain('Usage: switchyard');
    expect(run([]).code).toBe(2);
  });

  it('answers an unknown flag with exit 2 naming it', () => {
    const { code, stderr } = run(['check-config', '--prot', '1']);
    expect(code).toBe(2);
    expect(stderr).toContain("'--prot'");
  });
});

describe('switchyard check-config', () => {
  it('prints the effective configuration with secrets redacted', () => {
    const { code, stdout } = run(['check-config', '--max-payload', '2048'], {
      SWITCHYARD_JWT_SECRET: SECRET,
      SWITCHYARD_API_KEY: 'an-api-key-long-enough',
      SWITCHYARD_PORT: '7000',
    });
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({
      port: 7000,
      host: '0.0.0.0',
      apiKey: '[redacted]',
      auth: { secret: '[redacted]', algorithms: ['HS256'] },
      limits: { maxPayload: 2048 },
    });
    expect(stdout).not.toContain(SECRET);
    expect(stdout).not.toContain('an-api-key-long-enough');
  });

  it('warns on stderr about each risky setting it sees, and about none in a hardened configuration', () => {
    const risky = run(['check-config', '--allow-anonymous', 'on'], {
      SWITCHYARD_JWT_SECRET: SECRET,
      SWITCHYARD_API_KEY: 'an-api-key-long-enough',
    });
    expect(risky.code).toBe(0);
    const warnings = risky.stderr.split('\n').filter((line) => line.startsWith('warning: '));
    expect(warnings).toEqual([
      expect.stringContaining('/metrics is served on the public port 9001'),
      expect.stringContaining('apiKey has 22 characters'),
      expect.stringContaining('allowedOrigins is unset'),
      expect.stringContaining('auth.allowQueryToken is on'),
      expect.stringContaining('auth.allowAnonymous is on'),
    ]);

    const hardened = run(['check-config'], {
      SWITCHYARD_JWT_SECRET: SECRET,
      SWITCHYARD_API_KEY: 'k'.repeat(40),
      SWITCHYARD_METRICS_PORT: '9464',
      SWITCHYARD_ALLOWED_ORIGINS: 'https://app.example.com',
      SWITCHYARD_ALLOW_QUERY_TOKEN: 'off',
    });
    expect(hardened.code).toBe(0);
    // Only the descriptor-limit note, no warning.
    expect(hardened.stderr.split('\n').filter((line) => line.startsWith('warning: '))).toEqual([]);
  });

  it('exits 1 naming the bad key', () => {
    const env = run(['check-config'], { SWITCHYARD_PORT: 'abc' });
    expect(env.code).toBe(1);
    expect(env.stderr).toContain('SWITCHYARD_PORT: expected an integer 0-65535');
    expect(env.stdout).toBe('');

    const file = join(dir, 'typo.json');
    writeFileSync(file, JSON.stringify({ limits: { maxPayloadBytes: 1 } }));
    const config = run(['check-config', '--config', file]);
    expect(config.code).toBe(1);
    expect(config.stderr).toContain(`limits.maxPayloadBytes in ${file}: unknown option`);
  });

  it("accepts allowedOrigins '*' with the warning createServer() logs", () => {
    const { code, stdout, stderr } = run(['check-config'], { SWITCHYARD_ALLOWED_ORIGINS: '*' });
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { allowedOrigins: unknown }).allowedOrigins).toEqual(['*']);
    expect(stderr).toContain("warning: allowedOrigins contains '*': ANY web page can open a WebSocket");
  });

  it('refuses a trusted proxy header without trusted proxies', () => {
    const { code, stderr } = run(['check-config', '--trusted-proxy-header', 'x-forwarded-for']);
    expect(code).toBe(1);
    expect(stderr).toContain('--trusted-proxy-header: requires SWITCHYARD_TRUSTED_PROXIES');
  });

  it('warns about unknown SWITCHYARD_ variables without failing', () => {
    const { code, stderr } = run(['check-config'], { SWITCHYARD_PROT: '1' });
    expect(code).toBe(0);
    expect(stderr).toContain('warning: unknown environment variable SWITCHYARD_PROT');
  });
});

describe('switchyard token', () => {
  it('mints a token the configured secret verifies', () => {
    const { code, stdout } = run(['token', '--sub', 'alice', '--rooms', 'chat:*,news'], {
      SWITCHYARD_JWT_SECRET: SECRET,
    });
    expect(code).toBe(0);
    const token = stdout.trim();
    const principal = createTokenVerifier({ secret: SECRET }).verify(token);
    expect(principal.userId).toBe('alice');
    expect(principal.rooms).toEqual(['chat:*', 'news']);
    const claims = claimsOf(token);
    expect(Number(claims['exp']) - Number(claims['iat'])).toBe(3600);
    expect(claims['publish']).toBeUndefined();
  });

  it('writes the publish claim from --publish', () => {
    const { code, stdout } = run(['token', '--sub', 'alice', '--publish', 'chat:*, news,'], {
      SWITCHYARD_JWT_SECRET: SECRET,
    });
    expect(code).toBe(0);
    const principal = createTokenVerifier({ secret: SECRET }).verify(stdout.trim());
    expect(principal.claims['publish']).toEqual(['chat:*', 'news']);
  });

  it('writes the configured issuer and audience, the ttl and the kid', () => {
    const file = join(dir, 'rotation.json');
    writeFileSync(
      file,
      JSON.stringify({
        auth: { secret: { old: SECRET, new: `${SECRET}-new` }, issuer: 'https://auth.example', audience: 'chat' },
      }),
    );
    const { code, stdout } = run(['token', '--sub', 'bob', '--ttl', '90', '--kid', 'new', '--config', file]);
    expect(code).toBe(0);
    const token = stdout.trim();
    expect(claimsOf(token)).toMatchObject({ iss: 'https://auth.example', aud: 'chat' });
    expect(Number(claimsOf(token)['exp']) - Number(claimsOf(token)['iat'])).toBe(90);
    expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({ kid: 'new' });
    const verifier = createTokenVerifier({
      secret: { old: SECRET, new: `${SECRET}-new` },
      issuer: 'https://auth.example',
      audience: 'chat',
    });
    expect(verifier.verify(token).userId).toBe('bob');

    const unknownKid = run(['token', '--sub', 'bob', '--kid', 'newer', '--config', file]);
    expect(unknownKid.code).toBe(1);
    expect(unknownKid.stderr).toContain('--kid: no secret named "newer" (configured: old, new)');
    // Names inherited by every object are not secrets either.
    const inherited = run(['token', '--sub', 'bob', '--kid', 'constructor', '--config', file]);
    expect(inherited.code).toBe(1);
    expect(inherited.stderr).toContain('--kid: no secret named "constructor" (configured: old, new)');

    const single = join(dir, 'single.json');
    writeFileSync(single, JSON.stringify({ auth: { secret: { only: SECRET } } }));
    const onlyKid = run(['token', '--sub', 'bob', '--config', single]).stdout.trim();
    expect(JSON.parse(Buffer.from(onlyKid.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({ kid: 'only' });

    const ambiguous = run(['token', '--sub', 'bob', '--config', file]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('--kid: several secrets are configured; pick one of old, new');
  });

  it('mints no exp with --ttl none', () => {
    const { stdout } = run(['token', '--sub', 'carol', '--ttl', 'none'], { SWITCHYARD_JWT_SECRET: SECRET });
    expect(claimsOf(stdout.trim())).not.toHaveProperty('exp');
  });

  it('signs RS256 with --private-key-file and checks it against the configured public key', () => {
    const good = pemPair();
    const other = pemPair();
    writeFileSync(join(dir, 'good.pub.pem'), good.publicKey);
    writeFileSync(join(dir, 'good.key.pem'), good.privateKey);
    writeFileSync(join(dir, 'other.key.pem'), other.privateKey);
    const env = { SWITCHYARD_JWT_PUBLIC_KEY_FILE: 'good.pub.pem' };
    const ok = run(['token', '--sub', 'dave', '--private-key-file', 'good.key.pem'], env);
    expect(ok.code).toBe(0);
    expect(createTokenVerifier({ publicKey: good.publicKey }).verify(ok.stdout.trim()).userId).toBe('dave');

    const mismatch = run(['token', '--sub', 'dave', '--private-key-file', 'other.key.pem'], env);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('does not verify with the configured keys');
    expect(mismatch.stdout).toBe('');
  });

  it('fails clearly without --sub, without a key, or with a bad ttl', () => {
    const noSub = run(['token'], { SWITCHYARD_JWT_SECRET: SECRET });
    expect(noSub.code).toBe(2);
    expect(noSub.stderr).toContain('--sub');
    const noKey = run(['token', '--sub', 'x']);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('no signing key: set SWITCHYARD_JWT_SECRET');
    const badTtl = run(['token', '--sub', 'x', '--ttl', 'soon'], { SWITCHYARD_JWT_SECRET: SECRET });
    expect(badTtl.code).toBe(1);
    expect(badTtl.stderr).toContain('--ttl: expected seconds or a duration');
  });
});

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

describe('closeOnSignals', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function harness(close: () => Promise<void>) {
    const signals = new EventEmitter();
    const exits: number[] = [];
    const messages: string[] = [];
    const closes: number[] = [];
    const clock = { ms: 0 };
    const result = closeOnSignals({ close: ({ graceMs }) => (closes.push(graceMs), close()) }, 2_000, {
      err: (text) => messages.push(text),
      signals,
      exit: (code) => exits.push(code),
      now: () => clock.ms,
    });
    const advance = (ms: number): void => {
      clock.ms += ms;
      vi.advanceTimersByTime(ms);
    };
    return { signals, exits, messages, closes, result, advance };
  }

  it('closes with the grace once the duplicate window has passed, and resolves 0', async () => {
    const h = harness(() => Promise.resolve());
    h.signals.emit('SIGTERM', 'SIGTERM');
    expect(h.closes).toEqual([]);
    h.advance(500);
    expect(h.closes).toEqual([2_000]);
    expect(await h.result).toBe(0);
    expect(h.exits).toEqual([]);
  });

  it('exits at once, non-zero, on a second, different signal within the window; the close never starts', () => {
    const h = harness(() => new Promise<void>(() => {}));
    h.signals.emit('SIGINT', 'SIGINT');
    h.signals.emit('SIGTERM', 'SIGTERM');
    expect(h.exits).toEqual([143]);
    expect(h.messages.at(-1)).toBe('SIGTERM again: exiting now');
    h.advance(1_000);
    expect(h.closes).toEqual([]);
    const again = harness(() => new Promise<void>(() => {}));
    again.signals.emit('SIGTERM', 'SIGTERM');
    again.signals.emit('SIGINT', 'SIGINT');
    expect(again.exits).toEqual([130]);
  });

  it('takes the same signal again within half a second as the first one (npm forwards Ctrl-C)', () => {
    const h = harness(() => new Promise<void>(() => {}));
    h.signals.emit('SIGINT', 'SIGINT');
    h.advance(20);
    h.signals.emit('SIGINT', 'SIGINT');
    expect(h.exits).toEqual([]);
    h.advance(480);
    expect(h.closes).toHaveLength(1);
  });

  it('removes its handlers when the shutdown starts, so a later signal takes the default action', () => {
    const h = harness(() => new Promise<void>(() => {}));
    expect(h.signals.listenerCount('SIGTERM')).toBe(1);
    expect(h.signals.listenerCount('SIGINT')).toBe(1);
    h.signals.emit('SIGTERM', 'SIGTERM');
    h.advance(500);
    expect(h.signals.listenerCount('SIGTERM')).toBe(0);
    expect(h.signals.listenerCount('SIGINT')).toBe(0);
  });

  it('resolves 1 when closing fails', async () => {
    const h = harness(() => Promise.reject(new Error('boom')));
    h.signals.emit('SIGINT', 'SIGINT');
    h.advance(500);
    expect(await h.result).toBe(1);
    expect(h.messages.at(-1)).toBe('error while closing: boom');
  });
});
