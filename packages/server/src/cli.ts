#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config/index.js';
import { formatConfigFlags } from './config/help.js';
import { UsageError, type Io } from './cli-io.js';
import { checkConfig, serve } from './cli-serve.js';
import { mintToken } from './cli-token.js';

export type { Io } from './cli-io.js';
export { closeOnSignals, type SignalIo } from './cli-signals.js';

const USAGE = `Usage: switchyard <command> [options]

Commands:
  serve           Start the server (no JWT key configured: ephemeral demo secret, 127.0.0.1 only)
  token           Mint a token for the configured key and print it
                    --sub <id>                 user id (required)
                    --rooms <patterns>         comma-separated room patterns, e.g. 'chat:*'
                    --publish <patterns>       comma-separated room patterns the user may publish to
                    --ttl <duration>           lifetime such as 15m, 1h, 7d, or seconds [1h]; 'none': no exp
                    --kid <id>                 key id (picks the secret when several are configured)
                    --private-key-file <file>  sign RS*/PS*/ES* tokens with this PEM private key
  check-config    Validate and print the effective configuration as JSON, secrets redacted
  help            Show this help

Options (every command; precedence: flags > SWITCHYARD_* environment > --config file > defaults):
${formatConfigFlags()}

Empty environment values count as unset. Room policies are set in the config file only.
Docs: docs/configuration.md`;

/** Runs one CLI command. @returns the process exit code. */
export async function main(io: Io): Promise<number> {
  const [command, ...rest] = io.argv;
  try {
    switch (command) {
      case 'serve':
        if (rest.includes('--help') || rest.includes('-h')) break;
        return await serve(io, rest);
      case 'token':
        if (rest.includes('--help') || rest.includes('-h')) break;
        return mintToken(io, rest);
      case 'check-config':
        if (rest.includes('--help') || rest.includes('-h')) break;
        return checkConfig(io, rest);
      case 'help':
      case '--help':
      case '-h':
        break;
      default:
        io.err(command === undefined ? 'error: missing command' : `error: unknown command "${command}"`);
        io.err(USAGE);
        return 2;
    }
    io.out(USAGE);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\nRun \`switchyard --help\` for usage.`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/**
 * Runs the CLI in this process with `process.argv`, `process.env` and the standard streams, and
 * sets the exit code: what the `switchyard` executable does.
 */
export async function runCli(): Promise<void> {
  const code = await main({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  });
  process.exitCode = code;
  // A server may leave handles behind (timers, the native loop); other commands end on their own,
  // which lets piped output drain on every platform.
  if (process.argv[2] === 'serve') process.exit(code);
}

// `node dist/cli.js …` runs the CLI; importing this module (tests, the bin launcher) does not.
function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) await runCli();
