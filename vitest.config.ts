import { defineConfig } from 'vitest/config';

// One vitest project per package; `npm test` runs them all, type tests included.
export default defineConfig({
  test: {
    projects: ['packages/*'],
  },
});
