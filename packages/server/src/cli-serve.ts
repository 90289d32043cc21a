import { signToken } from './auth/index.js';
import { redactConfig } from './config/index.js';
import { demoInstructions, planServe } from './config/embedded-default.js';
import { connectableHost, listeningLine } from './config/listening-line.js';
import { riskySettings } from './config/risky-settings.js';
import { descriptorNote, load, parseConfigFlags, type Io } from './cli-io.js';
import { closeOnSignals } from './cli-signals.js';

/** `switchyard check-config`: validates and prints the effective configuration, secrets redacted. */
export function checkConfig(io: Io, argv: readonly string[]): number {
  parseConfigFlags(argv);
  const loaded = load(io, argv);
  io.out(JSON.stringify(redactConfig(loaded.options), null, 2));
  io.err(`note: ${descriptorNote(loaded.options)}`);
  if (!loaded.hasKey)
    io.err('note: no JWT key configured; `switchyard serve` would use an ephemeral secret and bind 127.0.0.1 only');
  for (const warning of riskySettings(loaded.options)) io.err(`warning: ${warning}`);
  return 0;
}

/** `switchyard serve`: starts the server and closes it on SIGTERM or SIGINT; resolves with the exit code. */
export async function serve(io: Io, argv: readonly string[]): Promise<number> {
  parseConfigFlags(argv);
  const plan = planServe(load(io, argv));
  for (const notice of plan.notices) io.err(`warning: ${notice}`);
  // Loaded here, not at the top: only `serve` needs the native uWebSockets.js module.
  const { createServer } = await import('./server.js');
  const server = createServer(plan.options);
  const address = await server.listen(plan.options.port, plan.options.host);
  const base = `${connectableHost(address.host)}:${address.port}`;
  io.err(listeningLine(address.host, address.port));
  io.err(descriptorNote(plan.options));
  if (plan.ephemeralSecret !== undefined) {
    const token = signToken({ sub: 'demo', rooms: ['*'] }, { secret: plan.ephemeralSecret, expiresIn: '1h' });
    io.err(demoInstructions(base, token));
  }

  const graceMs = (plan.options.shutdownGraceSec ?? 10) * 1000;
  return closeOnSignals(server, graceMs, { err: io.err, signals: process, exit: (code) => process.exit(code) });
}
