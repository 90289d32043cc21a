import { defineConfig } from 'vitest/config';

// One vitest project per package, the server's end-to-end suites again on the `ws` transport,
// and the framework examples; `npm test` runs them all, type tests included.
export default defineConfig({
  test: {
    projects: ['packages/*', 'packages/server/vitest.ws.config.ts', 'examples/vitest.config.ts'],
  },
});
