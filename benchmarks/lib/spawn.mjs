// Starting contender servers and the generator as separate processes, each pinned to its own
// core with `taskset` (which execs node, so the child pid is node's). The open-files limit is
// inherited: run.mjs checks it is high enough for the scenario's connection count.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Starts a server script pinned to `core`; resolves once it prints its ready line. */
export async function startServer({ script, args = [], core, nodeFlags = [], env, timeoutMs = 20_000 }) {
  const child = spawn('taskset', ['-c', String(core), process.execPath, ...nodeFlags, script, ...args], {
    cwd: ROOT,
    ...(env ? { env: { ...process.env, ...env } } : {}),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready after ${timeoutMs} ms`)), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code} before ready`));
    });
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line);
        if (msg.ready) {
          clearTimeout(timer);
          resolve(msg);
        }
      } catch {
        // not our line
      }
    });
  });
  return {
    port: ready.port,
    pid: ready.pid,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(t);
    },
  };
}

/** Starts the load generator pinned to `core`; `run(cfg)` sends it one scenario. */
export async function startGenerator({ core }) {
  const child = spawn('taskset', ['-c', String(core), process.execPath, 'gen/main.mjs'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`generator exited with ${code}`)));
  });
  return {
    pid: child.pid,
    run(cfg, timeoutMs = 300_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`generator timed out on ${cfg.scenario}`)), timeoutMs);
        child.once('message', (msg) => {
          clearTimeout(timer);
          if (msg.ok) resolve(msg.result);
          else reject(new Error(msg.error));
        });
        child.send(cfg);
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
