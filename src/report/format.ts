/** Number formatting shared by the Markdown report and the end-of-run summary. */

/** Bytes per MB in this report (binary megabytes, as `ps` and `top` show memory). */
export const BYTES_PER_MB = 1024 * 1024;

/**
 * `1234.5` → `1,234.5` with a fixed number of decimals. Written out rather than with
 * `toLocaleString`, whose first call loads the ICU locale data: a tenth of a second of CPU in
 * every short run.
 */
export function formatNumber(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return String(value);
  const fixed = Math.abs(value).toFixed(decimals);
  const point = fixed.indexOf('.');
  const whole = point === -1 ? fixed : fixed.slice(0, point);
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  const sign = value < 0 && /[1-9]/.test(fixed) ? '-' : '';
  return sign + grouped + (point === -1 ? '' : fixed.slice(point));
}

/** A figure or `n/a` when it could not be measured. */
export function orNa(value: number | null, render: (value: number) => string): string {
  return value === null ? 'n/a' : render(value);
}

/** A duration for people: `850 ms`, `12.3 s`, `3 min 12 s`, `2 h 05 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)} h ${String(totalMinutes % 60).padStart(2, '0')} min`;
}

/** Megabytes with one decimal: `123.4 MB`. */
export function formatMb(mb: number): string {
  return `${formatNumber(mb, 1)} MB`;
}

/** A byte count for people: `512 B`, `12.5 KB`, `3.4 MB`, `1.20 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < BYTES_PER_MB) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * BYTES_PER_MB) return `${(bytes / BYTES_PER_MB).toFixed(1)} MB`;
  return `${(bytes / (1024 * BYTES_PER_MB)).toFixed(2)} GB`;
}

/** `{a: 2, b: 1}` → `a 2, b 1`, largest first; `none` when empty. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  return entries.length === 0 ? 'none' : entries.map(([kind, n]) => `${kind} ${formatNumber(n)}`).join(', ');
}

/** Epoch ms → ISO-8601 UTC. */
export function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
