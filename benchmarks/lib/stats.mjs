// Summaries of repeated runs: median with min and max.

export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}

/** Summaries of the given numeric fields over a list of run results. */
export function summarize(runs, fields) {
  const out = {};
  for (const f of fields) out[f] = summary(runs.map((r) => r?.[f]));
  return out;
}

/** Rounds numbers for readable JSON. */
export function roundDeep(value) {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(5)) : v)),
  );
}
