// `node report/heap-census.mjs before.heapsnapshot after.heapsnapshot N [top]`: what the live
// heap gained between two snapshots, grouped by object kind (constructor name for objects and
// closures, node type otherwise), per unit of N (connections). Snapshots come from the idle
// scenario's `--heap-snapshots DIR`, taken after a forced GC.
import { readFileSync } from 'node:fs';

function census(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const { node_fields: fields, node_types: types } = snap.snapshot.meta;
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const typeNames = types[0];
  const { nodes, strings } = snap;
  const groups = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const type = typeNames[nodes[i + iType]];
    const name = strings[nodes[i + iName]];
    const key =
      type === 'object' || type === 'closure' || type === 'array' || type === 'hidden' || type === 'object shape'
        ? `${type} ${name.slice(0, 60)}`
        : type;
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += nodes[i + iSize];
    groups.set(key, g);
  }
  return groups;
}

const [before, after, n = '1', top = '30'] = process.argv.slice(2);
if (!before || !after) {
  process.stderr.write('usage: node report/heap-census.mjs before.heapsnapshot after.heapsnapshot N [top]\n');
  process.exit(2);
}
const a = census(before);
const b = census(after);
const per = Number(n);
const rows = [];
for (const [key, g] of b) {
  const o = a.get(key) ?? { count: 0, bytes: 0 };
  rows.push({ key, count: (g.count - o.count) / per, bytes: (g.bytes - o.bytes) / per });
}
rows.sort((x, y) => y.bytes - x.bytes);
const total = rows.reduce((s, r) => s + r.bytes, 0);
process.stdout.write(`per unit of ${per}: ${total.toFixed(0)} bytes in total\n`);
process.stdout.write('bytes/unit  objects/unit  kind\n');
for (const r of rows.slice(0, Number(top)))
  process.stdout.write(`${r.bytes.toFixed(1).padStart(10)}  ${r.count.toFixed(2).padStart(12)}  ${r.key}\n`);
