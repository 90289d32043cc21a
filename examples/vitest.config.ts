import { defineProject } from 'vitest/config';

// The framework examples (Express, Fastify, node:http), each started and used by a real client.
export default defineProject({
  test: {
    name: 'examples',
    include: ['frameworks.test.ts'],
    testTimeout: 20_000,
  },
});
