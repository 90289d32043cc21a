// The load generator process: receives one scenario over IPC, runs it, answers with figures.
// Started by run.mjs pinned to its own core; it never shares a process with a server.
import { idle, idleRooms, storm } from './connections.mjs';
import { pubsub } from './pubsub.mjs';
import { requests } from './requests.mjs';

const SCENARIOS = { pubsub, requests, storm, idle, idleRooms };

async function run(msg) {
  try {
    const fn = SCENARIOS[msg.scenario];
    if (!fn) throw new Error(`unknown scenario ${msg.scenario}`);
    const result = await fn(msg);
    process.send({ ok: true, result });
  } catch (err) {
    process.send({ ok: false, error: String(err?.stack ?? err) });
  }
}
process.on('message', (msg) => void run(msg));
process.send({ ready: true });
