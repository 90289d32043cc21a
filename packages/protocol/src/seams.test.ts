import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// JSON-only apps and browsers must never load msgpackr: only codec-msgpack.ts imports it, and
// nothing reachable from the main entry imports codec-msgpack.ts.

const dir = new URL('./', import.meta.url);
const sources = readdirSync(dir).filter((file) => file.endsWith('.ts') && !file.includes('.test'));
const importsOf = (file: string): string[] =>
  [...readFileSync(new URL(file, dir), 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)].map(
    (m) => m[1] ?? '',
  );

describe('dependency seams', () => {
  it('imports msgpackr from codec-msgpack.ts only', () => {
    expect(sources.filter((file) => importsOf(file).includes('msgpackr'))).toEqual(['codec-msgpack.ts']);
  });

  it('keeps codec-msgpack.ts out of the main entry graph', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) if (spec.startsWith('./')) visit(spec.slice(2).replace(/\.js$/, '.ts'));
    };
    visit('index.ts');
    expect(seen.has('validate.ts')).toBe(true);
    expect(seen.has('codec-msgpack.ts')).toBe(false);
    expect(seen.has('codec-msgpack-v2.ts')).toBe(false);
  });
});
