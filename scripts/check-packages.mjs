// Publish readiness of the three packages: what `npm pack` would ship (dist with types, README,
// LICENSE; no tests, no source maps, no sources), then publint and @arethetypeswrong/cli.
// Needs the packages built (`npx turbo run build`).
//
//   node scripts/check-packages.mjs
import { execFileSync } from 'node:child_process';

const PACKAGES = ['protocol', 'server', 'client'];
const failures = [];

function npx(args) {
  return execFileSync('npx', ['--no-install', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

for (const name of PACKAGES) {
  const dir = `packages/${name}`;
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', `./${dir}`], { encoding: 'utf8' }));
  const files = pack.files.map((f) => f.path);
  const must = ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts'];
  if (name === 'server') must.push('bin/switchyard.js', 'dist/cli.js', 'dist/testing/index.d.ts');
  if (name !== 'protocol') must.push(name === 'client' ? 'dist/msgpack.d.ts' : 'dist/index.d.ts');
  for (const file of must) if (!files.includes(file)) failures.push(`${pack.name}: ${file} is not packed`);
  for (const file of files) {
    if (/\.test(-d)?\.|\/testing\/fixtures\/|test-support\//.test(file))
      failures.push(`${pack.name}: test file ${file} is packed`);
    if (file.endsWith('.map')) failures.push(`${pack.name}: source map ${file} is packed (its sources are not)`);
    if (file.startsWith('src/') || (file.endsWith('.ts') && !file.endsWith('.d.ts')))
      failures.push(`${pack.name}: source ${file} is packed`);
  }
  console.log(`ok - ${pack.name}: ${files.length} files, ${pack.unpackedSize} bytes unpacked`);
  try {
    npx(['publint', dir, '--strict']);
    console.log(`ok - ${pack.name}: publint`);
  } catch (error) {
    failures.push(`${pack.name}: publint\n${error.stdout}${error.stderr}`);
  }
  try {
    npx(['attw', '--pack', dir, '--profile', 'esm-only', '--format', 'table-flipped']);
    console.log(`ok - ${pack.name}: are the types wrong (esm-only profile)`);
  } catch (error) {
    failures.push(`${pack.name}: attw\n${error.stdout}${error.stderr}`);
  }
}

const server = JSON.parse(
  execFileSync('npm', ['pkg', 'get', 'dependencies', '-w', '@switchyard/server'], { encoding: 'utf8' }),
);
const uws = server['@switchyard/server']['uWebSockets.js'];
if (!/^npm:@trufflesuite\/uws-js-unofficial@/.test(uws ?? ''))
  failures.push(`@switchyard/server: uWebSockets.js must be a registry alias dependency, found ${uws}`);

if (failures.length > 0) {
  for (const failure of failures) console.error(`not ok - ${failure}`);
  process.exit(1);
}
