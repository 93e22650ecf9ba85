/** Small inline-SVG charts for the HTML report: no library, no network, text only. */

const W = 720;
const H = 220;
const PAD = { left: 56, right: 16, top: 28, bottom: 34 };

/** Escapes text for HTML and SVG. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** One series of a time chart. */
export interface Series {
  name: string;
  color: string;
  values: readonly number[];
  /** `bars` (counts per bucket) or `line` (levels). @default 'bars' */
  kind?: 'bars' | 'line';
}

/** A horizontal reference line (limit, threshold). */
export interface RefLine {
  value: number;
  label: string;
  color: string;
}

/** Options of {@link timeChart}. */
export interface TimeChartOptions {
  title: string;
  /** Start time (epoch ms) of each bucket. */
  times: readonly number[];
  bucketMs: number;
  series: readonly Series[];
  /** Spans to shade (pauses), epoch ms. */
  shaded?: readonly { from: number; to: number; label: string }[];
  refLines?: readonly RefLine[];
  /** Shown instead of the plot when there is nothing to draw. */
  emptyNote: string;
  /** Formats y-axis values. @default whole numbers */
  formatY?: (value: number) => string;
}

function frame(title: string, body: string, id: string): string {
  return (
    `<svg class="chart" data-chart="${escapeXml(id)}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(title)}" xmlns="http://www.w3.org/2000/svg">` +
    `<text x="${PAD.left}" y="18" class="title">${escapeXml(title)}</text>${body}</svg>`
  );
}

function note(title: string, text: string, id: string): string {
  const body =
    `<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" class="empty"/>` +
    `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="note">${escapeXml(text)}</text>`;
  return frame(title, body, id);
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** A chart of values over time: bars or lines per bucket, shaded spans and reference lines. */
export function timeChart(id: string, o: TimeChartOptions): string {
  const n = o.times.length;
  const peak = Math.max(0, ...o.series.flatMap((s) => s.values), ...(o.refLines ?? []).map((r) => r.value));
  if (n === 0 || o.series.every((s) => s.values.every((v) => v === 0))) return note(o.title, o.emptyNote, id);
  const first = o.times[0] ?? 0;
  const end = first + n * o.bucketMs;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const yMax = niceMax(peak);
  const fmt = o.formatY ?? ((v: number) => String(Math.round(v)));
  const x = (t: number): number => PAD.left + ((t - first) / (end - first)) * plotW;
  const y = (v: number): number => PAD.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [];
  for (const span of o.shaded ?? []) {
    const from = Math.max(first, span.from);
    const to = Math.min(end, span.to);
    if (to <= from) continue;
    parts.push(
      `<rect class="pause" x="${x(from).toFixed(1)}" y="${PAD.top}" width="${Math.max(1, x(to) - x(from)).toFixed(1)}" height="${plotH}"><title>${escapeXml(span.label)}</title></rect>`,
    );
  }
  for (let i = 0; i <= 4; i++) {
    const v = (yMax / 4) * i;
    parts.push(
      `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`,
      `<text class="axis" x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${escapeXml(fmt(v))}</text>`,
    );
  }
  for (let i = 0; i <= 4; i++) {
    const t = first + ((end - first) / 4) * i;
    parts.push(`<text class="axis" x="${x(t).toFixed(1)}" y="${H - 14}" text-anchor="middle">${clock(t)}</text>`);
  }
  const bars = o.series.filter((s) => (s.kind ?? 'bars') === 'bars');
  const slot = plotW / n;
  const barW = Math.max(0.5, (slot * 0.9) / Math.max(1, bars.length));
  bars.forEach((s, k) => {
    s.values.forEach((v, i) => {
      if (v <= 0) return;
      const left = PAD.left + i * slot + k * barW;
      parts.push(
        `<rect class="bar" fill="${s.color}" x="${left.toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(2)}" height="${(PAD.top + plotH - y(v)).toFixed(1)}"><title>${escapeXml(`${s.name}: ${fmt(v)} at ${clock(o.times[i] ?? first)}`)}</title></rect>`,
      );
    });
  });
  for (const s of o.series.filter((line) => line.kind === 'line')) {
    const points = s.values.map((v, i) => `${(PAD.left + (i + 0.5) * slot).toFixed(1)},${y(v).toFixed(1)}`);
    parts.push(`<polyline class="line" stroke="${s.color}" points="${points.join(' ')}"/>`);
  }
  for (const ref of o.refLines ?? []) {
    parts.push(
      `<line class="ref" stroke="${ref.color}" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(ref.value).toFixed(1)}" y2="${y(ref.value).toFixed(1)}"/>`,
      `<text class="axis" fill="${ref.color}" x="${W - PAD.right}" y="${(y(ref.value) - 4).toFixed(1)}" text-anchor="end">${escapeXml(ref.label)}</text>`,
    );
  }
  let legendX = W - PAD.right;
  const legend: string[] = [];
  for (const s of [...o.series].reverse()) {
    legendX -= s.name.length * 6.5 + 22;
    legend.push(
      `<rect x="${legendX}" y="9" width="10" height="10" fill="${s.color}"/><text class="axis" x="${legendX + 14}" y="18">${escapeXml(s.name)}</text>`,
    );
  }
  return frame(o.title, parts.join('') + legend.join(''), id);
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  title: string;
  labels: readonly string[];
  values: readonly number[];
  color: string;
  emptyNote: string;
}

/** A plain bar chart with one labelled bar per category (the latency histogram). */
export function barChart(id: string, o: BarChartOptions): string {
  if (o.values.every((v) => v === 0)) return note(o.title, o.emptyNote, id);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const yMax = niceMax(Math.max(...o.values));
  const slot = plotW / o.values.length;
  const y = (v: number): number => PAD.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax / 4) * i;
    parts.push(
      `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`,
      `<text class="axis" x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v)}</text>`,
    );
  }
  o.values.forEach((v, i) => {
    const left = PAD.left + i * slot + slot * 0.1;
    const label = o.labels[i] ?? '';
    parts.push(
      `<text class="axis" x="${(left + slot * 0.4).toFixed(1)}" y="${H - 14}" text-anchor="middle">${escapeXml(label)}</text>`,
    );
    if (v > 0) {
      parts.push(
        `<rect class="bar" fill="${o.color}" x="${left.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(slot * 0.8).toFixed(1)}" height="${(PAD.top + plotH - y(v)).toFixed(1)}"><title>${escapeXml(`${label}: ${v}`)}</title></rect>`,
      );
    }
  });
  return frame(o.title, parts.join(''), id);
}
