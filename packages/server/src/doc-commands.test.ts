import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every `npx switchyard …` example in the README files and docs/ that is safe to run (help,
// token, check-config; not serve) runs exactly as written, from the repository root.
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SECRET = 'doc-commands-test-secret-of-32-bytes-at-least';
const SAFE = /^(?:[A-Z_]+=\S+ )*npx switchyard (?:--help|help|token|check-config)\b/;

interface Example {
  readonly where: string;
  /** Lines run before the command in the same shell (exports, files the example writes). */
  readonly setup: readonly string[];
  readonly command: string;
  /** The output the docs show, if any. */
  readonly output: readonly string[];
}

function docFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  const readmes = ['README.md', ...['protocol', 'server', 'client'].map((p) => `packages/${p}/README.md`)];
  return [...readmes, ...docs];
}

function examples(): Example[] {
  const found: Example[] = [];
  for (const file of docFiles()) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const [, lang, body] of text.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
      const lines = (body ?? '').split('\n');
      if (lang === 'console') {
        const setup: string[] = [];
        lines.forEach((line, i) => {
          if (!line.startsWith('$ ')) return;
          const command = line.slice(2);
          if (SAFE.test(command)) {
            const output: string[] = [];
            for (const next of lines.slice(i + 1)) {
              if (next.startsWith('$ ')) break;
              if (next !== '') output.push(next);
            }
            found.push({ where: file, setup: [...setup], command, output });
          } else setup.push(command);
        });
      } else if (lang === 'sh') {
        for (const line of lines) {
          const command = line.replace(/\s+#.*$/, '');
          if (SAFE.test(command)) found.push({ where: file, setup: [], command, output: [] });
        }
      }
    }
    const prose = text.replace(/```[\s\S]*?```/g, '');
    for (const [, span] of prose.matchAll(/`(npx switchyard [^`]+)`/g))
      if (SAFE.test(span ?? '') && !(span ?? '').includes('<'))
        found.push({ where: file, setup: [], command: span as string, output: [] });
  }
  return found;
}

const found = examples();

describe('`npx switchyard` examples in the docs', () => {
  it('finds the examples (README, configuration.md)', () => {
    const where = new Set(found.map((e) => e.where));
    expect(where).toContain('README.md');
    expect(where).toContain('docs/configuration.md');
    expect(found.length).toBeGreaterThanOrEqual(5);
  });

  it.each(found.map((e) => [`${e.where}: ${e.command}`, e] as const))(
    '%s',
    (_name, example) => {
      const script = ['set -e', ...example.setup, example.command].join('\n');
      const result = spawnSync('bash', ['-c', script], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', SWITCHYARD_JWT_SECRET: SECRET },
        timeout: 60_000,
      });
      const error = example.output.find((line) => line.startsWith('error: '));
      if (error !== undefined) {
        expect(result.status, result.stderr).not.toBe(0);
        expect(result.stderr).toContain(error);
      } else {
        expect(result.status, result.stderr).toBe(0);
        const shown = example.output[0];
        if (shown?.endsWith('…')) expect(result.stdout.startsWith(shown.slice(0, -1))).toBe(true);
      }
    },
    60_000,
  );
});
