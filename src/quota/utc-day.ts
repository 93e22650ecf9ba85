/** UTC calendar-day helpers. Provider quotas roll over at UTC midnight, not local midnight. */

const DAY_MS = 86_400_000;

/** The UTC day of `epochMs` as `YYYY-MM-DD`. */
export function utcDayKey(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Epoch ms of the first UTC midnight strictly after `epochMs`. */
export function nextUtcMidnight(epochMs: number): number {
  return (Math.floor(epochMs / DAY_MS) + 1) * DAY_MS;
}
