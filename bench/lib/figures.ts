/** Small numeric helpers for repeated measurements and their printing. */

/** Median of the finite values (NaN when there is none). */
export function median(values: readonly (number | undefined)[]): number {
  const sorted = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}

/** `min–max` of the finite values, for showing the spread next to a median. */
export function spread(values: readonly (number | undefined)[], digits: number): string {
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (finite.length < 2) return '';
  return ` (${fixed(Math.min(...finite), digits)}–${fixed(Math.max(...finite), digits)})`;
}

/** A number with a fixed number of decimals and thousands separators; `n/a` when not finite. */
export function fixed(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Seconds from milliseconds, e.g. `12.3 s`. */
export function seconds(ms: number | undefined, digits = 1): string {
  return ms === undefined ? 'n/a' : `${fixed(ms / 1000, digits)} s`;
}

/** Megabytes, e.g. `84 MB`. */
export function megabytes(mb: number | undefined): string {
  return mb === undefined ? 'n/a' : `${fixed(mb, 0)} MB`;
}

/** Counts the lines of a text (a trailing newline does not start another). */
export function countLines(text: string): number {
  if (text === '') return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n : n + 1;
}
