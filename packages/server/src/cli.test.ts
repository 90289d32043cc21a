import { writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from './auth/index.js';
import { assertBuilt, dir, run, SECRET } from './test-support/cli-run.js';

function pemPair(): { publicKey: string; privateKey: string } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

beforeAll(assertBuilt);

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
