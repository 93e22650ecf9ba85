import type { ValidationIssue, ValidationIssueKind, ValidationResult } from './validate.js';

/** Options of {@link formatValidation}. */
export interface FormatValidationOptions {
  /** Most issues shown per kind, and most ids shown per missing/extra list. @default 10 */
  limit?: number;
}

const TITLES: Record<ValidationIssueKind, string> = {
  invalid_json: 'lines that are not valid JSON',
  not_object: 'lines that are not JSON objects',
  missing_field: 'missing or mistyped fields',
  error_set: 'records with a non-null error',
  too_short: 'bios shorter than the minimum length',
  duplicate: 'duplicate artist ids',
  torn_line: 'torn last line',
  blank_line: 'blank lines',
  empty_file: 'empty file',
};

function describe(issue: ValidationIssue): string {
  const where = issue.line === 0 ? 'file' : `line ${issue.line}`;
  const who = issue.artistId === null || issue.kind === 'duplicate' ? '' : ` (artist ${issue.artistId})`;
  return `${where}${who}: ${issue.message}`;
}

function idList(ids: readonly string[], limit: number): string {
  const shown = ids.slice(0, limit).join(', ');
  return ids.length > limit ? `${shown}, … and ${ids.length - limit} more (use --json for the full list)` : shown;
}

/**
 * Human report of a validation, one finding per line, long lists capped at `limit` entries.
 * Ends with `Result: OK` or `Result: FAILED (n problems)`.
 */
export function formatValidation(result: ValidationResult, options: FormatValidationOptions = {}): string {
  const limit = options.limit ?? 10;
  const lines = [
    `Validated ${result.outputPath}: ${result.lines} lines, ${result.validRecords} valid records, ` +
      `${result.uniqueIds} unique artist ids (minimum bio length ${result.minLength})`,
  ];

  const byKind = new Map<ValidationIssueKind, ValidationIssue[]>();
  for (const issue of result.issues) {
    const list = byKind.get(issue.kind) ?? [];
    list.push(issue);
    byKind.set(issue.kind, list);
  }
  for (const [kind, list] of byKind) {
    lines.push(`✗ ${list.length} ${TITLES[kind]}`);
    for (const issue of list.slice(0, limit)) lines.push(`    ${describe(issue)}`);
    if (list.length > limit) lines.push(`    … and ${list.length - limit} more (use --json for the full list)`);
  }

  const fingerprints = Object.entries(result.promptFingerprints);
  if (fingerprints.length > 1) {
    // A warning, not a problem: mixing prompts can be deliberate (README.md#redoing-stale-bios).
    lines.push(
      `! warning: bios written by ${fingerprints.length} different prompts (prompt_fingerprint: lines)`,
      ...fingerprints.map(([fingerprint, count]) => `    ${fingerprint}: ${count}`),
      '    to regenerate those not written by the current prompt: run --resume --redo-stale',
    );
  }

  let problems = result.issues.length;
  if (result.input !== null) {
    const { input } = result;
    lines.push(
      `Input ${input.path}: ${input.artists} valid artists` +
        (input.rowErrors > 0 ? ` (${input.rowErrors} bad rows ignored)` : ''),
    );
    if (input.missing.length > 0) {
      lines.push(
        `✗ ${input.missing.length} input artists missing from the output`,
        `    ${idList(input.missing, limit)}`,
      );
    } else {
      lines.push('✓ every input artist is in the output');
    }
    if (input.extra.length > 0) {
      lines.push(`✗ ${input.extra.length} output artists not in the input`, `    ${idList(input.extra, limit)}`);
    }
    problems += input.missing.length + input.extra.length;
  }

  lines.push(result.ok ? 'Result: OK' : `Result: FAILED (${problems} problem${problems === 1 ? '' : 's'})`);
  return `${lines.join('\n')}\n`;
}
