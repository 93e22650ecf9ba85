/**
 * Formats a duration the way OpenAI writes `x-ratelimit-reset-*` values and the "Please try
 * again in …" part of 429 messages: `120ms`, `1s`, `1.574s`, `6m0s`, `1m30.5s`, `1h2m3s`.
 *
 * The input is rounded up to a whole millisecond (see {@link ceilMs}), so a client that waits the
 * printed time never comes back early. Zero, negative and non-finite inputs print `0s`.
 */
export function formatResetDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  const total = ceilMs(ms);
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = formatSeconds(total % 60_000);
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** Whole seconds plus up to three decimals, trailing zeros dropped (`30500` → `30.5`). */
function formatSeconds(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const fraction = ms % 1000;
  if (fraction === 0) return String(whole);
  return `${whole}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}`;
}

/**
 * Rounds a wait up to a whole millisecond, ignoring float dust below a nanosecond so that
 * 1.0000000000000009 ms reads as 1 ms, not 2.
 */
export function ceilMs(ms: number): number {
  return Math.max(0, Math.ceil(ms - 1e-6));
}
