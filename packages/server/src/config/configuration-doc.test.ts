import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDefault } from './help.js';
import { OPTION_SPECS } from './option-specs.js';

const DOC = readFileSync(fileURLToPath(new URL('../../../../docs/configuration.md', import.meta.url)), 'utf8');

/** The option rows of the doc's tables: `| \`key\` | \`ENV\` | \`--flag\` | default | meaning |`, as cells. */
const rows = DOC.split('\n')
  .filter((line) => /^\| `[^`]+` \| `SWITCHYARD_[A-Z_]+` \|/.test(line))
  .map((line) =>
    line
      .slice(1, -1)
      .split(' | ')
      .map((cell) => cell.trim()),
  );

function rowOf(key: string): string[] | undefined {
  return rows.find((cells) => cells[0] === `\`${key}\``);
}

describe('docs/configuration.md agrees with the options schema', () => {
  it.each(OPTION_SPECS.map((spec) => [spec.key, spec] as const))('documents %s', (key, spec) => {
    const cells = rowOf(key);
    expect(cells, `no row for ${key}`).toBeDefined();
    const [, env, flag, fallback = '', ...meaning] = cells as string[];
    expect(env).toBe(`\`${spec.env}\``);
    expect(flag).toBe(`\`--${spec.flag}\``);
    if (spec.default !== undefined) expect(fallback).toBe(`\`${formatDefault(spec.default)}\``);
    const range = spec.type.range;
    if (range !== undefined) {
      // The range as the schema enforces it, without thousands separators.
      const text = [fallback, ...meaning].join(' | ');
      expect(text, `${key}: range`).toContain(`${range.min}–${range.max}`);
      if (range.orZero) expect(text, `${key}: what 0 means`).toMatch(/\b0 \(/);
    }
  });

  it('documents no option the schema does not have', () => {
    const keys = new Set(OPTION_SPECS.map((spec) => `\`${spec.key}\``));
    for (const [key] of rows) expect(keys, `${key} is documented but not an option`).toContain(key);
  });
});
