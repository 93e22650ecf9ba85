/**
 * Planning a batch job's parts: each artist becomes one request line, the lines are cut into
 * input files within the size, request and token limits, and every file becomes a part of the
 * job state, saved before anything of it is sent. See docs/batch.md.
 */
import type { Artist } from '../core/types.js';
import type { JobContext } from './job-context.js';
import type { BatchPart } from './job-state.js';
import { estimateTokens, splitIntoFiles, type PlannedLine } from './planner.js';

/** Adds parts for `artists` at try number `attempt` to the job state and saves it. */
export function planParts(ctx: JobContext, artists: readonly Artist[], attempt: number): void {
  if (artists.length === 0) return;
  const { state, deps, options } = ctx;
  // One build per artist: building counts the request's tokens, which is not free.
  const lines: PlannedLine[] = artists.map((artist) => {
    const { body } = deps.build(artist);
    const text = requestLine(artist.id, state.endpoint, body);
    return { customId: artist.id, text, tokens: estimateTokens(body) + lineOverhead(artist.id) };
  });
  const files = splitIntoFiles(lines, {
    maxRequests: options.maxRequests,
    maxTokens: options.queueTokens,
  });
  for (const file of files) {
    const number = state.parts.length + 1;
    state.parts.push({
      name: `part-${String(number).padStart(4, '0')}`,
      customIds: file.lines.map((line) => line.customId),
      attempt,
      estimatedTokens: file.tokens,
      inputFileId: null,
      batchId: null,
      batchIds: [],
      status: 'planned',
      refusals: 0,
      endStatus: null,
      succeeded: 0,
      failed: 0,
      resubmitted: 0,
    });
  }
  ctx.save();
}

/**
 * The input file text of `part`: the request lines of its artists still without an output line,
 * or '' when every one of them is in the output already.
 */
export function partFileText(ctx: JobContext, part: BatchPart): string {
  return part.customIds.map((id) => lineText(ctx, id)).join('');
}

function lineText(ctx: JobContext, customId: string): string {
  const artist = ctx.artists.get(customId);
  if (artist === undefined) return '';
  return requestLine(customId, ctx.state.endpoint, ctx.deps.build(artist).body);
}

/** One line of a batch input file, newline included. */
function requestLine(customId: string, url: string, body: unknown): string {
  return `${JSON.stringify({ custom_id: customId, method: 'POST', url, body })}\n`;
}

/** Tokens of the line's wrapper around the body (custom_id, method, url). */
function lineOverhead(customId: string): number {
  return Math.ceil((customId.length + 60) / 4);
}
