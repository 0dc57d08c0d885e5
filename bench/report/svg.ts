// The chart: one group per workload, one horizontal bar per tool, ops/s on a
// log scale, whiskers from the slowest to the fastest run. Plain SVG, no
// dependency; rows not measured (not yet in vnic, peers missing) are listed
// in grey so the gaps show.
import { fmt } from '../core/stats';
import type { RowSummary } from '../core/types';
import type { RunReport } from './report';

const WIDTH = 1180;
const LABEL_W = 250;
const PLOT_W = 640;
const ROW_H = 17;
const HEAD_H = 26;
const TOP = 96;
const BAR_H = 11;

const COLORS: Array<[RegExp, string]> = [
  [/^vnic/, '#e8590c'],
  [/^mnl/, '#1c3d8c'],
  [/^libnl/, '#4c6ef5'],
  [/^pyroute2/, '#2b8a3e'],
  [/^netlink-npm/, '#862e9c'],
  [/^ip-/, '#868e96'],
];
const LEGEND: Array<[string, string]> = [
  ['vnic', '#e8590c'], ['raw libmnl', '#1c3d8c'], ['libnl', '#4c6ef5'], ['pyroute2', '#2b8a3e'],
  ['npm netlink', '#862e9c'], ['ip (spawned / -batch)', '#868e96'],
];

const color = (tool: string): string => COLORS.find(([re]) => re.test(tool))?.[1] ?? '#495057';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(x: number, y: number, body: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(body)}</text>`;
}

const tick = (value: number): string =>
  value >= 1e6 ? `${value / 1e6}M` : value >= 1e3 ? `${value / 1e3}k` : String(value);

export function renderChart(report: RunReport): string {
  const groups = report.results.map((r) => ({
    title: r.workload.title,
    rows: r.rows.filter((row) => row.chart && (row.skip || row.opsPerSec !== undefined || row.failures.length > 0)),
  })).filter((g) => g.rows.length > 0);

  const values = groups.flatMap((g) => g.rows.flatMap((row) => row.usPerOp ? [1e6 / row.usPerOp.max, 1e6 / row.usPerOp.min] : []));
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(1e-3, Math.min(...values, 1e6)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
  const x = (v: number): number => LABEL_W + (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * PLOT_W;

  const height = TOP + groups.reduce((h, g) => h + HEAD_H + g.rows.length * ROW_H, 0) + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
      'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(12, 22, `vnic vs the peers: operations per second (log scale), ${report.params.mode} run, ${report.machine.date}`,
      'font-size="15" font-weight="bold"'),
    text(12, 40, `${report.machine.cpus}; ${report.machine.kernel}; node ${report.machine.node}. ` +
      'Bar: median of the runs; whisker: slowest to fastest run.', 'fill="#495057"'),
    text(12, 54, 'One op = the workload\'s unit (a create, a lifecycle, a dump…); "× the time of" compares with the ' +
      'raw-libmnl row of the same run.', 'fill="#495057"'),
  ];
  LEGEND.forEach(([name, fill], i) => {
    const lx = 12 + i * 160;
    out.push(`<rect x="${lx}" y="64" width="12" height="10" fill="${fill}"/>`, text(lx + 16, 73, name));
  });

  // Decade grid over the whole plot.
  const bottom = height - 30;
  for (let v = lo; v <= hi * 1.0001; v *= 10) {
    out.push(`<line x1="${x(v).toFixed(1)}" y1="${TOP - 6}" x2="${x(v).toFixed(1)}" y2="${bottom}" stroke="#dee2e6"/>`,
      text(x(v), TOP - 9, tick(v), 'text-anchor="middle" fill="#868e96"'),
      text(x(v), bottom + 13, tick(v), 'text-anchor="middle" fill="#868e96"'));
  }
  out.push(text(LABEL_W + PLOT_W / 2, bottom + 26, 'operations per second (log scale)', 'text-anchor="middle" fill="#495057"'));

  let y = TOP;
  for (const group of groups) {
    out.push(`<line x1="12" y1="${y + 4}" x2="${WIDTH - 12}" y2="${y + 4}" stroke="#adb5bd"/>`,
      text(12, y + 19, group.title, 'font-weight="bold" font-size="12"'));
    y += HEAD_H;
    group.rows.forEach((row, i) => out.push(...bar(row, y + i * ROW_H, x)));
    y += group.rows.length * ROW_H;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function bar(row: RowSummary, y: number, x: (v: number) => number): string[] {
  const mid = y + ROW_H / 2;
  const label = text(LABEL_W - 8, mid + 4, row.tool, `text-anchor="end"${row.tool.startsWith('vnic') ? ' font-weight="bold"' : ''}`);
  if (!row.usPerOp || row.opsPerSec === undefined) {
    const why = row.skip ?? `failed: ${row.failures[0] ?? 'no result'}`;
    return [label, text(LABEL_W + 4, mid + 4, why.length > 90 ? `${why.slice(0, 87)}…` : why, 'fill="#adb5bd" font-style="italic"')];
  }
  const end = x(row.opsPerSec);
  const [slow, fast] = [x(1e6 / row.usPerOp.max), x(1e6 / row.usPerOp.min)];
  const ratio = row.vsReference !== undefined && row.reference !== row.tool ? ` · ${row.vsReference.toFixed(2)}× the time of ${row.reference}` : '';
  return [
    label,
    `<rect x="${LABEL_W}" y="${(mid - BAR_H / 2).toFixed(1)}" width="${Math.max(1, end - LABEL_W).toFixed(1)}" height="${BAR_H}" fill="${color(row.tool)}"/>`,
    `<line x1="${slow.toFixed(1)}" y1="${mid}" x2="${fast.toFixed(1)}" y2="${mid}" stroke="#212529" stroke-width="1"/>`,
    `<line x1="${slow.toFixed(1)}" y1="${mid - 3}" x2="${slow.toFixed(1)}" y2="${mid + 3}" stroke="#212529"/>`,
    `<line x1="${fast.toFixed(1)}" y1="${mid - 3}" x2="${fast.toFixed(1)}" y2="${mid + 3}" stroke="#212529"/>`,
    text(Math.max(end, fast) + 6, mid + 4, `${fmt(row.opsPerSec)}/s · ${fmt(row.usPerOp.median)} µs${ratio}`, 'fill="#343a40"'),
  ];
}
