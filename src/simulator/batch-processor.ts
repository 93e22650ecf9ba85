/**
 * How a simulated batch moves: validation at the first look, a configurable number of lines
 * answered per retrieve (so tests control progress by polling, not by waiting), expiry part-way,
 * cancellation, and the output and error files in OpenAI's line format. See docs/batch.md.
 */
import type { SimContext } from './context.js';
import { invalidValueBody, serverErrorBody } from './error-bodies.js';
import type { ApiErrorBody } from './error-bodies.js';
import { parseFaultScript, scriptedFaultAt } from './faults.js';
import { parseGenerationRequest } from './request-info.js';
import type { Endpoint } from './request-info.js';
import { composeAnswer } from './compose.js';
import { checkModelParameters } from './models.js';
import { chatCompletionObject, newId, responseObject } from './response-bodies.js';
import type { BatchErrorItem, BatchInputLine, BatchState, SimBatch } from './batch-store.js';

/** Endpoints a batch may target (OpenAI's list); only the two generation ones are answered. */
export const BATCH_ENDPOINTS = new Set([
  '/v1/responses',
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/completions',
  '/v1/moderations',
]);

/** Most requests in one input file. */
export const MAX_BATCH_REQUESTS = 50_000;

/** Result of {@link parseInputFile}. */
export type ParsedInput = { ok: true; lines: BatchInputLine[] } | { ok: false; errors: BatchErrorItem[] };

function lineError(code: string, message: string, line: number | null, param: string | null = null): BatchErrorItem {
  return { code, message, param, line };
}

function generationEndpoint(url: string): Endpoint | undefined {
  if (url === '/v1/responses') return 'responses';
  if (url === '/v1/chat/completions') return 'chat';
  return undefined;
}

/** Reads an input file's JSONL lines, checking each one like OpenAI's validation step does. */
export function parseInputFile(content: Buffer, endpoint: string, model: string): ParsedInput {
  const lines: BatchInputLine[] = [];
  const errors: BatchErrorItem[] = [];
  const seen = new Set<string>();
  const kind = generationEndpoint(endpoint);
  const texts = content.toString('utf8').split('\n');
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]?.trim() ?? '';
    if (text === '') continue;
    const lineNo = i + 1;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      errors.push(lineError('invalid_json_line', 'This line is not parseable as valid JSON.', lineNo));
      continue;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      errors.push(lineError('invalid_request', 'Each line must be a JSON object.', lineNo));
      continue;
    }
    const record = json as Record<string, unknown>;
    const customId = record.custom_id;
    if (typeof customId !== 'string' || customId === '') {
      errors.push(
        lineError('missing_required_parameter', "Missing required parameter: 'custom_id'.", lineNo, 'custom_id'),
      );
      continue;
    }
    if (seen.has(customId)) {
      errors.push(
        lineError('duplicate_custom_id', `The custom_id '${customId}' is used more than once.`, lineNo, 'custom_id'),
      );
      continue;
    }
    seen.add(customId);
    if (record.method !== 'POST') {
      errors.push(lineError('invalid_method', "Only the 'POST' method is supported.", lineNo, 'method'));
      continue;
    }
    if (record.url !== endpoint) {
      errors.push(
        lineError('mismatched_url', `The url of every line must match the batch endpoint ${endpoint}.`, lineNo, 'url'),
      );
      continue;
    }
    const parsed = kind === undefined ? undefined : parseGenerationRequest(kind, record.body, model);
    lines.push({ customId, body: record.body, inputTokens: parsed?.ok === true ? parsed.request.inputTokens : 1 });
  }
  if (lines.length > MAX_BATCH_REQUESTS) {
    errors.push(
      lineError(
        'too_many_requests',
        `A batch holds at most ${MAX_BATCH_REQUESTS} requests, got ${lines.length}.`,
        null,
      ),
    );
  }
  if (lines.length === 0 && errors.length === 0)
    errors.push(lineError('empty_file', 'The input file has no requests.', null));
  return errors.length === 0 ? { ok: true, lines } : { ok: false, errors };
}

/** Message of the enqueued-token refusal. */
export function tokenLimitMessage(model: string, limit: number): string {
  return (
    `Enqueued token limit reached for ${model} in organization org-sim. Limit: ${limit.toLocaleString('en-US')} ` +
    'enqueued tokens. Please try submitting your requests again later.'
  );
}

function seconds(ctx: SimContext): number {
  return Math.floor(ctx.clock.now() / 1000);
}

/**
 * Moves `batch` one step, as if time had passed between two looks: validating → in_progress (or
 * failed), then `batchLinesPerPoll` lines per call, then finalizing → completed; cancelling →
 * cancelled. Terminal batches do not change.
 */
export function advanceBatch(ctx: SimContext, state: BatchState, batch: SimBatch): void {
  const now = seconds(ctx);
  switch (batch.status) {
    case 'validating': {
      if (batch.errors !== null) {
        batch.status = 'failed';
        batch.times.failed = now;
        return;
      }
      const limit = ctx.options.batchQueueTokens;
      const own = batch.lines.reduce((sum, line) => sum + line.inputTokens, 0);
      if (limit !== undefined && state.enqueuedTokens(batch) + own > limit) {
        batch.errors = [lineError('token_limit_exceeded', tokenLimitMessage(ctx.options.model, limit), null)];
        batch.status = 'failed';
        batch.times.failed = now;
        state.tokenLimitRejections++;
        return;
      }
      start(ctx, state, batch);
      batch.times.in_progress = now;
      batch.status = 'in_progress';
      return;
    }
    case 'in_progress': {
      const end = Math.min(
        batch.lines.length,
        batch.next + ctx.options.batchLinesPerPoll,
        batch.expireAtLine ?? Infinity,
      );
      while (batch.next < end) {
        const line = batch.lines[batch.next];
        batch.next++;
        if (line !== undefined) answerLine(ctx, batch, line);
      }
      if (batch.expireAtLine !== undefined && batch.next >= batch.expireAtLine && batch.next < batch.lines.length) {
        closeUnfinished(
          batch,
          'batch_expired',
          'This request could not be executed before the completion window expired.',
        );
        finish(state, batch, 'expired', now);
        return;
      }
      if (batch.next >= batch.lines.length) {
        batch.status = 'finalizing';
        batch.times.finalizing = now;
      }
      return;
    }
    case 'finalizing':
      finish(state, batch, 'completed', now);
      return;
    case 'cancelling':
      closeUnfinished(batch, 'batch_cancelled', 'This request was not executed because the batch was cancelled.');
      finish(state, batch, 'cancelled', now);
      return;
    default:
      return;
  }
}

/** Asks a batch to stop; returns false when it can no longer be cancelled. */
export function cancelBatch(ctx: SimContext, batch: SimBatch): boolean {
  if (batch.status !== 'validating' && batch.status !== 'in_progress' && batch.status !== 'finalizing') {
    return batch.status === 'cancelling' || batch.status === 'cancelled';
  }
  batch.status = 'cancelling';
  batch.times.cancelling = seconds(ctx);
  return true;
}

function start(ctx: SimContext, state: BatchState, batch: SimBatch): void {
  const index = state.started++;
  if (index < ctx.options.batchExpireCount) {
    batch.expireAtLine = Math.max(1, Math.floor(batch.lines.length * ctx.options.batchExpireShare));
  }
  state.startedPerInputFile.set(batch.inputFileId, (state.startedPerInputFile.get(batch.inputFileId) ?? 0) + 1);
  for (const line of batch.lines) {
    state.submittedPerCustomId.set(line.customId, (state.submittedPerCustomId.get(line.customId) ?? 0) + 1);
  }
}

function closeUnfinished(batch: SimBatch, code: string, message: string): void {
  for (let i = batch.next; i < batch.lines.length; i++) {
    const line = batch.lines[i];
    if (line === undefined) continue;
    batch.errorLines.push(
      JSON.stringify({
        id: newId('batch_req_', 32),
        custom_id: line.customId,
        response: null,
        error: { code, message },
      }),
    );
    batch.failed++;
  }
  batch.next = batch.lines.length;
}

function finish(state: BatchState, batch: SimBatch, status: 'completed' | 'expired' | 'cancelled', now: number): void {
  const createdAt = now;
  if (batch.outputLines.length > 0) {
    const file = state.files.add(`${batch.id}_output.jsonl`, 'batch_output', joinLines(batch.outputLines), createdAt);
    batch.outputFileId = file.id;
  }
  if (batch.errorLines.length > 0) {
    const file = state.files.add(`${batch.id}_error.jsonl`, 'batch_output', joinLines(batch.errorLines), createdAt);
    batch.errorFileId = file.id;
  }
  batch.status = status;
  batch.times[status] = now;
}

function joinLines(lines: readonly string[]): Buffer {
  return Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
}

function answerLine(ctx: SimContext, batch: SimBatch, line: BatchInputLine): void {
  const requestId = newId('req_', 32);
  const kind = generationEndpoint(batch.endpoint);
  const failLine = (status: number, body: ApiErrorBody): void => {
    batch.errorLines.push(
      JSON.stringify({
        id: newId('batch_req_', 32),
        custom_id: line.customId,
        response: { status_code: status, request_id: requestId, body },
        error: null,
      }),
    );
    batch.failed++;
  };
  if (kind === undefined) {
    failLine(400, invalidValueBody('url', `the simulator only answers /v1/responses and /v1/chat/completions.`));
    return;
  }
  const parsed = parseGenerationRequest(kind, line.body, ctx.options.model);
  if (!parsed.ok) {
    failLine(400, parsed.body);
    return;
  }
  const request = parsed.request;
  const refused = checkModelParameters(request);
  if (refused !== undefined) {
    failLine(400, refused);
    return;
  }
  const script = parseFaultScript(request.scanText);
  if (script.standing === 'bad_request') {
    failLine(400, invalidValueBody('input', 'the request was rejected by the FAIL400 fault script.'));
    return;
  }
  // Counted fault tokens (FAIL500x1, …) fail that many of the artist's batch lines, then it succeeds.
  const attempt = ctx.attempts.get(request.artistKey) ?? 0;
  ctx.attempts.set(request.artistKey, attempt + 1);
  if (scriptedFaultAt(script, attempt) !== undefined) {
    failLine(500, serverErrorBody());
    return;
  }
  const answer = composeAnswer(request, undefined, ctx.cachedPrefixes, seconds(ctx));
  const body = kind === 'responses' ? responseObject(request, answer) : chatCompletionObject(request, answer);
  batch.outputLines.push(
    JSON.stringify({
      id: newId('batch_req_', 32),
      custom_id: line.customId,
      response: { status_code: 200, request_id: requestId, body },
      error: null,
    }),
  );
  batch.completed++;
  batch.inputTokens += answer.inputTokens;
  batch.outputTokens += answer.outputTokens;
}
