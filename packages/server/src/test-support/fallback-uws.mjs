// Run with UWS_USE_FALLBACK=1, so uWebSockets.js loads its JavaScript fallback: the uWS transport
// must still refuse to start, while the ws transport (which does not use uWS) serves. Prints one
// JSON line: the uWS refusal's error name and the port the ws server listens on.
import { createServer } from '../../dist/server.js';

let refused = '';
try {
  createServer({ auth: { secret: 's'.repeat(32) }, logLevel: 'silent' });
} catch (err) {
  refused = err instanceof Error ? err.name : String(err);
}
const server = createServer({ transport: 'ws', auth: { secret: 's'.repeat(32) }, logLevel: 'silent' });
const { port } = await server.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ refused, port })}\n`);
process.stdin.on('end', () => void server.close({ graceMs: 100 }).then(() => process.exit(0)));
process.stdin.resume();
