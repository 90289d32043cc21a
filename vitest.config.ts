import { defineConfig } from 'vitest/config';

// One vitest project per package, plus the server's end-to-end suites on the `ws` transport;
// `npm test` runs them all, type tests included.
export default defineConfig({
  test: {
    projects: ['packages/*', 'packages/server/vitest.ws.config.ts'],
  },
});
