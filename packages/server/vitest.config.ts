import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'server',
    include: ['src/**/*.test.ts'],
    // Many tests start real servers, child processes and a private redis-server: a loaded
    // machine makes them slow, never wrong (speed is measured in benchmarks/, not here).
    testTimeout: 20_000,
    // Enabled here: the root `vitest run --typecheck` flag does not reach projects in vitest 4.
    typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
