import { defineProject } from 'vitest/config';

// The end-to-end suites again, on the `ws` transport: startTestServer() reads
// SWITCHYARD_TEST_TRANSPORT, so every file below runs unchanged against a Node HTTP server.
export default defineProject({
  test: {
    name: 'server-ws',
    include: ['src/server.test.ts', 'src/**/*.e2e.test.ts'],
    env: { SWITCHYARD_TEST_TRANSPORT: 'ws' },
    testTimeout: 20_000,
  },
});
