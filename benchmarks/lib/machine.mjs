// The machine a run happened on, recorded beside every result.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
};

// Some packages do not export package.json: walk up from the resolved entry point instead.
function version(pkg) {
  try {
    const require = createRequire(import.meta.url);
    let dir = dirname(require.resolve(pkg));
    for (let i = 0; i < 6; i++, dir = dirname(dir)) {
      try {
        const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        if (meta.name === pkg || meta.name?.startsWith('@trufflesuite/uws')) return meta.version;
      } catch {
        // keep walking
      }
    }
    return null;
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
      '@socket.io/redis-adapter': version('@socket.io/redis-adapter'),
      redis: version('redis'),
      'redis-server': sh('redis-server', ['--version'])?.match(/v=(\S+)/)?.[1] ?? null,
    },
    gitCommit: sh('git', ['rev-parse', '--short', 'HEAD']),
  };
}
