// Rooms with history, measured on their own (`npm run bench:history`): the server pinned to one
// core, this script (the clients) to the other.
//   1. Publish cost: the same fan-out (1 publisher, 100 subscribers of JSON v2, 20,000 messages)
//      in a room with history and in one without, on the same server, CPU per delivery.
//   2. A reconnection storm: 1,000 clients disconnected while 100 messages are published, then
//      all reconnecting at once with `since`; time until every one has recovered all 100, and
//      the server's CPU for it.
// Prints one JSON line of results and a short table. Figures depend on the machine's load: read
// the load average it prints, and repeat when in doubt.
import { loadavg } from 'node:os';
import { call, open } from './lib/ws-client.mjs';
import { cpuSeconds } from './lib/proc.mjs';
import { startServer } from './lib/spawn.mjs';

const SUBSCRIBERS = 100;
const MESSAGES = 20_000;
const STORM = Number(process.env.STORM ?? 1000);
const MISSED = 100;
const serverCore = Number(process.env.SERVER_CORE ?? 0);

async function fanOut(port, pid, room) {
  const subs = [];
  let received = 0;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const ws = await open(port, `s${i}`);
    await call(ws, { t: 'join', id: 1, room });
    ws.on('message', () => received++);
    subs.push(ws);
  }
  const publisher = await open(port, 'publisher');
  await call(publisher, { t: 'join', id: 1, room });
  const before = cpuSeconds(pid);
  const started = performance.now();
  const payload = { text: 'x'.repeat(80) };
  for (let sent = 0; sent < MESSAGES;) {
    // Bursts of 25 per write window keep every server read below uWS's per-handler fan-out cliff.
    for (let j = 0; j < 25 && sent < MESSAGES; j++, sent++)
      publisher.send(JSON.stringify({ t: 'publish', room, event: 'm', data: payload }));
    await new Promise((r) => setImmediate(r));
    while (received < (sent - 200) * SUBSCRIBERS) await new Promise((r) => setTimeout(r, 1));
  }
  while (received < MESSAGES * SUBSCRIBERS) await new Promise((r) => setTimeout(r, 2));
  const seconds = cpuSeconds(pid) - before;
  const wall = (performance.now() - started) / 1000;
  for (const ws of [...subs, publisher]) ws.terminate();
  return {
    cpuPerMillion: (seconds / (MESSAGES * SUBSCRIBERS)) * 1e6,
    deliveriesPerSec: (MESSAGES * SUBSCRIBERS) / wall,
  };
}

async function storm(port, pid) {
  const room = 'hist:storm';
  const positions = [];
  for (let i = 0; i < STORM; i++) {
    const ws = await open(port, `r${i}`);
    const reply = await call(ws, { t: 'join', id: 1, room });
    positions.push({ offset: reply.data.offset, epoch: reply.data.epoch });
    ws.terminate();
  }
  const publisher = await open(port, 'publisher');
  for (let i = 0; i < MISSED; i++) {
    await call(publisher, { t: 'publish', room, event: 'm', data: { i, text: 'x'.repeat(80) }, id: i + 1 });
  }
  const before = cpuSeconds(pid);
  const started = performance.now();
  let recovered = 0;
  let complete = 0;
  await Promise.all(
    positions.map(async (since, i) => {
      const ws = await open(port, `r${i}`);
      let got = 0;
      await new Promise((resolve) => {
        ws.on('message', (raw) => {
          const e = JSON.parse(String(raw));
          if (e.t === 'reply' && e.data?.recovered === true) recovered++;
          if (Array.isArray(e) && ++got === MISSED) {
            complete++;
            resolve();
          }
        });
        ws.send(JSON.stringify({ t: 'join', id: 1, room, since }));
      });
      ws.terminate();
    }),
  );
  const wall = (performance.now() - started) / 1000;
  const seconds = cpuSeconds(pid) - before;
  publisher.terminate();
  return { clients: STORM, messagesEach: MISSED, recovered, complete, seconds: wall, serverCpuSeconds: seconds };
}

const load = loadavg()
  .map((n) => n.toFixed(2))
  .join(' ');
const server = await startServer({ script: 'servers/switchyard.mjs', args: ['--history', 'on'], core: serverCore });
try {
  const plain = await fanOut(server.port, server.pid, 'plain');
  const history = await fanOut(server.port, server.pid, 'hist:fan');
  const reconnect = await storm(server.port, server.pid);
  const result = { load, plain, history, ratio: history.cpuPerMillion / plain.cpuPerMillion, reconnect };
  console.log(JSON.stringify(result));
  console.log(`load at start: ${load}`);
  console.log(
    `fan-out to ${SUBSCRIBERS}, ${MESSAGES} messages: CPU-s per million deliveries without history ${plain.cpuPerMillion.toFixed(2)}, with ${history.cpuPerMillion.toFixed(2)} (ratio ${result.ratio.toFixed(2)})`,
  );
  console.log(
    `${STORM} clients recovering ${MISSED} messages each: ${reconnect.seconds.toFixed(2)} s to all recovered (${reconnect.recovered} recovered: true), server CPU ${reconnect.serverCpuSeconds.toFixed(2)} s`,
  );
} finally {
  await server.stop();
}
