// ESLint flat config: typescript-eslint's type-checked recommended rules over every package,
// benchmark, example and script. Type information comes from each file's nearest tsconfig.json
// (the packages' own; the root one covers scripts, benchmarks and e2e drivers), and packages see
// each other through their built dist/, so run `npx turbo run build` first (`npm run lint` does).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '.turbo/**',
      '**/.turbo/**',
      'benchmarks/results/**',
      'packages/protocol/fixtures/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  comments.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Every `eslint-disable` says why on its own line: `// eslint-disable-line rule -- reason`.
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: ['eslint-enable'] }],
      // `_`-prefixed names mark parameters an interface requires but this implementation ignores.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      // A caught value handed on to a rejection is passed as it came, not re-typed as an Error.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      // `let` stays for a destructuring that also assigns a `let`, and for a variable a closure in
      // its own initializer reads (a callback that reschedules on the object being built).
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Plain JavaScript (scripts, benchmarks, e2e drivers) is not type-checked (`checkJs` is off), so
    // its values are inferred as `any` wherever they cross a JSON parse, a child process or a
    // library without types: the no-unsafe-* rules would flag every such line without finding bugs.
    // The other type-aware rules (floating promises, misused promises, ...) still apply to it.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Likewise it carries no narrowing casts: ws's `message` data is typed Buffer | ArrayBuffer |
      // Buffer[] but is a Buffer unless `binaryType` says otherwise; a .ts file writes `as Buffer`.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    // Type tests (`*.test-d.ts`) are only compiled, never run: they pass `any`, async callbacks and
    // detached methods on purpose, to check what the public signatures accept.
    files: ['**/*.test-d.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Browser-side e2e code (page scripts evaluated in Chromium) uses DOM globals.
    files: ['packages/*/e2e/**', 'examples/*/e2e/**', 'examples/*/src/**'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
);
