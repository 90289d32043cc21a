// Type-checks every ```ts block in README.md and docs/*.md against the built packages, as a user's
// project would see them: each Markdown file becomes a scratch project in a temporary directory
// (node_modules linked to the repository's), each block one module. A block whose first line is
// `// <name>.ts` is written under that name, so the others can import it ('./contract.js').
// A block that is intentionally partial has the line `<!-- snippet: partial -->` right before its
// fence and is skipped; keep those few. Needs the packages built (`npx turbo run build`).
//
//   node scripts/check-doc-snippets.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'switchyard-snippets-'));
symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'snippets', private: true, type: 'module' }));

const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
let checked = 0;
let partial = 0;
const include = [];
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const dir = file.replace(/[/.]/g, '_');
  let n = 0;
  for (const match of text.matchAll(/(^|\n)(<!-- snippet: partial -->\n)?```ts\n([\s\S]*?)```/g)) {
    n += 1;
    if (match[2] !== undefined) {
      partial += 1;
      continue;
    }
    const code = match[3];
    const line = text.slice(0, match.index).split('\n').length + 1;
    const name = /^\/\/ ([\w-]+\.ts)\b/.exec(code)?.[1] ?? `block-${String(n).padStart(2, '0')}-line-${line}.ts`;
    mkdirSync(join(work, dir), { recursive: true });
    // `export {}` keeps each block a module of its own, so blocks do not collide.
    writeFileSync(join(work, dir, name), `${code}\nexport {};\n`);
    checked += 1;
  }
  if (n > 0) include.push(`${dir}/*.ts`);
}
writeFileSync(
  join(work, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['globals.d.ts', ...include],
  }),
);
// The few names the docs leave to the reader's app, declared once instead of in every block.
writeFileSync(
  join(work, 'globals.d.ts'),
  [
    "/** Your app's own functions and values that doc snippets call. */",
    'declare function render(message: unknown): void;',
    'declare function showBanner(text: string): void;',
    'declare function retryLater(): void;',
    'declare function getToken(): Promise<string>;',
    'declare const url: string;',
  ].join('\n'),
);

try {
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', work], { stdio: 'pipe', encoding: 'utf8' });
  console.log(`ok - ${checked} ts blocks in ${files.length} Markdown files type-check (${partial} marked partial)`);
  rmSync(work, { recursive: true, force: true });
} catch (error) {
  console.error(`${error.stdout}${error.stderr}`);
  console.error(`not ok - doc snippets do not type-check; the scratch project is kept in ${work}`);
  process.exitCode = 1;
}
