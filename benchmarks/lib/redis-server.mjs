// A private redis-server for the cluster scenario: a free loopback port, no persistence
// (`--save "" --appendonly no`), pinned with `taskset` like the servers; never the machine's
// shared Redis.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** A loopback TCP port nobody listens on right now. */
export async function freePort() {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

/** Starts redis-server pinned to `core`; resolves once it accepts connections. */
export async function startRedis({ core, timeoutMs = 10_000 }) {
  const port = await freePort();
  const child = spawn(
    'taskset',
    [
      '-c',
      String(core),
      'redis-server',
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const tail = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server not ready after ${timeoutMs} ms`)), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}: ${tail.join(' | ')}`));
    });
    lines.on('line', (line) => {
      tail.push(line);
      if (tail.length > 5) tail.shift();
      if (line.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.removeAllListeners('exit');
  // Keep draining its log so it never blocks on a full pipe.
  lines.removeAllListeners('line');
  lines.on('line', () => {});
  return {
    port,
    // taskset execs redis-server, so the child pid is Redis's own.
    pid: child.pid,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(t);
    },
  };
}
