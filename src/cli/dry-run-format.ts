import { formatUsd } from '../cost/index.js';
import { formatNumber } from '../report/index.js';
import type { DryRunEstimate } from './dry-run-estimate.js';

const n = (value: number): string => formatNumber(Math.round(value));

/** `3 h 20 min`, `12 min`, `40 s`: a rough length, never finer than it can be. */
export function roughDuration(minutes: number): string {
  if (minutes < 1) return `${Math.max(1, Math.round(minutes * 60))} s`;
  if (minutes < 60) return `${Math.round(minutes)} min`;
  const hours = Math.floor(minutes / 60);
  const rest = Math.round(minutes % 60);
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

function tokenLines(e: DryRunEstimate): string[] {
  const t = e.tokens;
  const retry = e.retryCap !== undefined && e.outputCap !== undefined;
  const lines = [
    `  Requests:       ${n(t.requests)}${retry ? ` (${n(t.worstRequests)} at worst: an answer cut off at its cap is retried once with a ${n(e.retryCap ?? 0)}-token cap)` : ''}`,
  ];
  if (t.unmeasured === t.requests && t.requests > 0) {
    lines.push('  Input tokens:   unknown (a stored prompt lives on the server; only its variables are local)');
  } else {
    const average = t.requests - t.unmeasured === 0 ? 0 : t.inputTokens / (t.requests - t.unmeasured);
    lines.push(
      `  Input tokens:   ${n(t.inputTokens)} (${e.encoding} tokenizer; ${n(average)} per request on average, ${n(t.maxInputTokens)} at most)${t.unmeasured > 0 ? `, ${n(t.unmeasured)} request(s) not measurable` : ''}`,
    );
  }
  if (t.expectedOutputTokens === undefined || t.worstOutputTokens === undefined || e.outputCap === undefined) {
    lines.push('  Output tokens:  unknown (the prompt sets no max_output_tokens, so no output cap bounds them)');
  } else {
    const worstEach = retry ? `${n(e.outputCap)} + ${n(e.retryCap ?? 0)} per artist` : `${n(e.outputCap)} per artist`;
    lines.push(
      `  Output tokens:  ${n(t.expectedOutputTokens)} expected (${Math.round(e.expectedOutputShare * 100)} % of the ${n(e.outputCap)}-token cap, reasoning included), ${n(t.worstOutputTokens)} at worst (${worstEach})`,
    );
  }
  return lines;
}

function costLines(e: DryRunEstimate): string[] {
  const model = e.model ?? 'the model';
  if (e.tokens.tiers.length === 0) {
    const why =
      e.tokens.expectedOutputTokens === undefined
        ? 'no output cap'
        : `no price known for ${model}; give one with --prices FILE`;
    return [`  Cost:           unknown (${why})`];
  }
  const lines = [`  Cost of ${model}, per tier:`.padEnd(34) + 'expected'.padStart(12) + 'worst case'.padStart(14)];
  for (const tier of e.tokens.tiers) {
    lines.push(
      `    ${tier.tier}`.padEnd(34) + formatUsd(tier.expectedUsd).padStart(12) + formatUsd(tier.worstUsd).padStart(14),
    );
  }
  return lines;
}

function durationLines(e: DryRunEstimate): string[] {
  const d = e.duration;
  const lines: string[] = [];
  const rate =
    d.requestsPerMinute === undefined
      ? 'unknown rate limit (no earlier run on this key saw the provider limits; run once, then see `quota show`)'
      : `${n(d.requestsPerMinute)} requests/min allowed by the provider limits known from the ${e.limits.source ?? 'ledger'}` +
        ` (${e.limits.limits?.requestsPerMinute === undefined ? '?' : n(e.limits.limits.requestsPerMinute)} requests/min, ` +
        `${e.limits.limits?.tokensPerMinute === undefined ? '?' : n(e.limits.limits.tokensPerMinute)} tokens/min)`;
  if (e.dailyLimit !== undefined && d.requestsPerDay !== undefined) {
    const perDay =
      d.requestsPerDay < e.dailyLimit
        ? `${n(d.requestsPerDay)} requests a day: the threshold pause of ${e.pauseDurationHours} h lasts until the UTC day ends`
        : `${n(d.requestsPerDay)} requests a day`;
    const used = e.limits.usedToday > 0 ? `; ${n(e.limits.usedToday)} already used today` : '';
    const span = d.days === undefined || d.days <= 1 ? 'fits in today' : `spans ${d.days} days`;
    lines.push(
      `  Duration:       ${span} at --daily-limit ${e.dailyLimit}, threshold ${e.threshold} (${perDay}${used})`,
    );
  } else if (d.days !== undefined && d.days > 1) {
    lines.push(`  Duration:       spans ${d.days} days at the provider's rate limit (no daily limit)`);
  } else {
    lines.push('  Duration:       no daily limit');
  }
  lines.push(`  Rate:           ${rate}`);
  if (d.sendingMinutes !== undefined) {
    lines.push(`  Sending time:   about ${roughDuration(d.sendingMinutes)} in all, pauses not included`);
  }
  return lines;
}

/** The estimate as the dry run prints it (docs/costs.md#the-estimate shows an example). */
export function formatEstimate(e: DryRunEstimate): string {
  return [
    `ESTIMATE for ${n(e.tokens.requests)} artist(s) with ${e.label}:`,
    ...tokenLines(e),
    ...costLines(e),
    ...durationLines(e),
    '  (Expected output is a typical share of the cap; the worst case is what --max-cost reserves. See docs/costs.md.)',
  ].join('\n');
}
