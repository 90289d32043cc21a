// A small horizontal bar chart in SVG, no dependencies: one group per series, one bar per
// contender, each bar labelled with its median and a whisker for min..max.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = ['#1f6feb', '#6e40c9', '#8fb8ff', '#d29922', '#bf8700', '#cf222e', '#8c959f'];

/**
 * @param {object} o
 * @param {string} o.title
 * @param {string} o.unit axis caption
 * @param {{ title: string, bars: { label: string, median: number, min: number, max: number, color?: string }[] }[]} o.groups
 * @param {boolean} [o.log] logarithmic axis (values spanning decades)
 */
export function barChart({ title, unit, groups, log = true }) {
  const width = 760;
  const left = 210;
  const right = 90;
  const barH = 16;
  const gap = 5;
  const plotW = width - left - right;
  const all = groups.flatMap((g) => g.bars.flatMap((b) => [b.min, b.max, b.median])).filter((v) => v > 0);
  const hi = Math.max(...all);
  const lo = log ? Math.min(...all) : 0;
  const lmin = log ? Math.floor(Math.log10(lo)) : 0;
  const lmax = log ? Math.ceil(Math.log10(hi)) : hi;
  const x = (v) =>
    left + (log ? ((Math.log10(Math.max(v, 10 ** lmin)) - lmin) / (lmax - lmin)) * plotW : (v / lmax) * plotW);
  let y = 44;
  const parts = [];
  for (const g of groups) {
    parts.push(`<text x="8" y="${y + 12}" font-weight="bold">${esc(g.title)}</text>`);
    y += 20;
    g.bars.forEach((b, i) => {
      const color = b.color ?? COLORS[i % COLORS.length];
      const x0 = left;
      parts.push(`<text x="${left - 6}" y="${y + barH - 4}" text-anchor="end">${esc(b.label)}</text>`);
      parts.push(
        `<rect x="${x0}" y="${y}" width="${Math.max(1, x(b.median) - x0).toFixed(1)}" height="${barH}" fill="${color}"/>`,
      );
      parts.push(
        `<line x1="${x(b.min).toFixed(1)}" x2="${x(b.max).toFixed(1)}" y1="${y + barH / 2}" y2="${y + barH / 2}" stroke="#24292f" stroke-width="1.5"/>`,
      );
      parts.push(
        `<text x="${(x(Math.max(b.max, b.median)) + 6).toFixed(1)}" y="${y + barH - 4}">${fmt(b.median)}</text>`,
      );
      y += barH + gap;
    });
    y += 10;
  }
  const ticks = [];
  if (log) {
    for (let e = lmin; e <= lmax; e++) ticks.push(10 ** e);
  } else {
    for (let i = 0; i <= 4; i++) ticks.push((lmax * i) / 4);
  }
  const axisY = y + 4;
  const grid = ticks.map(
    (t) =>
      `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="36" y2="${axisY}" stroke="#d0d7de" stroke-dasharray="3,3"/>` +
      `<text x="${x(t).toFixed(1)}" y="${axisY + 14}" text-anchor="middle" fill="#57606a">${fmt(t)}</text>`,
  );
  const height = axisY + 40;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...grid,
    ...parts,
    `<text x="${left + plotW / 2}" y="${axisY + 32}" text-anchor="middle" fill="#57606a">${esc(unit)}${log ? ' (log scale)' : ''}; bar = median, line = min..max</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function fmt(v) {
  if (!Number.isFinite(v)) return '';
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}
