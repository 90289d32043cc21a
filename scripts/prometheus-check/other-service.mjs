#!/usr/bin/env node
// An unrelated Node.js service beside Switchyard in the check's Prometheus: prom-client's default
// process metrics (the same nodejs_* and process_* names Switchyard exposes) plus a metric of its
// own, with some CPU and garbage so its series move. A dashboard panel that is not scoped to
// Switchyard targets would show or sum these. Writes OTHER_TARGET to the --state file.
//
// usage: node other-service.mjs --state FILE [--max-sec 240]
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

const { values: args } = parseArgs({
  options: { state: { type: 'string' }, 'max-sec': { type: 'string', default: '240' } },
});
if (!args.state) {
  console.error('usage: other-service.mjs --state FILE [--max-sec N]');
  process.exit(2);
}

const registry = new Registry();
collectDefaultMetrics({ register: registry });
const jobs = new Counter({ name: 'other_jobs_total', help: 'Jobs done.', registers: [registry] });
// Busy work: CPU time and short-lived garbage, so GC and CPU series of this process are not flat.
setInterval(() => {
  let kept = 0;
  for (let i = 0; i < 20_000; i++) kept += new Array(32).fill(i).length;
  jobs.inc(kept > 0 ? 1 : 0);
}, 100);

const server = createServer((req, res) => {
  if (req.url !== '/metrics') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': registry.contentType });
  void registry.metrics().then((text) => res.end(text));
}).listen(0, '127.0.0.1', () => {
  appendFileSync(args.state, `OTHER_TARGET=127.0.0.1:${server.address().port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, Number(args['max-sec']) * 1000).unref();
