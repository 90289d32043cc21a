// A server whose shutdown work keeps the event loop busy: every `disconnect` listener call blocks
// for 200 ms, so closing N connections holds the loop for N × 200 ms. Run by cli.test.ts against
// the built package; prints its port, then a line when the shutdown work starts.
import { closeOnSignals } from '../../dist/cli.js';
import { createServer } from '../../dist/server.js';

const server = createServer({ auth: { secret: 's'.repeat(32) }, logLevel: 'silent' });
let announced = false;
server.on('disconnect', () => {
  if (!announced) {
    announced = true;
    // Synchronous on a pipe: the parent reads it while this process is still blocked.
    process.stderr.write('shutdown work started\n');
  }
  const end = Date.now() + 200;
  while (Date.now() < end);
});
const { port } = await server.listen(0, '127.0.0.1');
process.stderr.write(`port ${port}\n`);
const code = await closeOnSignals(server, 60_000, {
  err: (text) => process.stderr.write(`${text}\n`),
  signals: process,
  exit: (c) => process.exit(c),
});
process.exit(code);
