/**
 * Splits the artists to send into batch input files: at most `maxRequests` lines, at most
 * `maxBytes` bytes, and at most `maxTokens` estimated input tokens per file. See docs/batch.md.
 */

/** OpenAI's size limit of a batch input file. */
export const MAX_BATCH_FILE_BYTES = 200 * 1024 * 1024;

/** One request line ready to go into a file. */
export interface PlannedLine {
  customId: string;
  /** The JSONL line, newline included. */
  text: string;
  /** Estimated input tokens of the request. */
  tokens: number;
}

/** Limits of one file. */
export interface SplitLimits {
  maxRequests: number;
  /** @default MAX_BATCH_FILE_BYTES */
  maxBytes?: number;
  /** @default undefined (no token limit) */
  maxTokens?: number | undefined;
}

/** A planned file. */
export interface PlannedFile {
  lines: PlannedLine[];
  bytes: number;
  tokens: number;
}

/** Cuts `lines` into files in order; a single line larger than a limit still gets a file of its own. */
export function splitIntoFiles(lines: Iterable<PlannedLine>, limits: SplitLimits): PlannedFile[] {
  const maxBytes = limits.maxBytes ?? MAX_BATCH_FILE_BYTES;
  const files: PlannedFile[] = [];
  let current: PlannedFile = { lines: [], bytes: 0, tokens: 0 };
  for (const line of lines) {
    const bytes = Buffer.byteLength(line.text);
    const full =
      current.lines.length >= limits.maxRequests ||
      current.bytes + bytes > maxBytes ||
      (limits.maxTokens !== undefined && current.tokens + line.tokens > limits.maxTokens);
    if (full && current.lines.length > 0) {
      files.push(current);
      current = { lines: [], bytes: 0, tokens: 0 };
    }
    current.lines.push(line);
    current.bytes += bytes;
    current.tokens += line.tokens;
  }
  if (current.lines.length > 0) files.push(current);
  return files;
}

/** Input tokens of a request body, estimated from its JSON text (about 4 characters a token; errs high). */
export function estimateTokens(body: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(body).length / 4));
}
