// The machine a run happened on, recorded beside every result.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { createRequire } from 'node:module';

const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
};

function version(pkg) {
  try {
    const require = createRequire(import.meta.url);
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
  } catch {
    return null;
  }
}

export function describeMachine() {
  return {
    nproc: Number(sh('nproc', [])),
    cpuModel: cpus()[0]?.model ?? null,
    cpuMHz: cpus()[0]?.speed ?? null,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    openFilesLimit: Number(sh('sh', ['-c', 'ulimit -n'])),
    loadAverageAtStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
    versions: {
      'uWebSockets.js': version('uWebSockets.js'),
      'socket.io': version('socket.io'),
      'engine.io': version('engine.io'),
      ws: version('ws'),
    },
    gitCommit: sh('git', ['rev-parse', '--short', 'HEAD']),
  };
}
