/**
 * Reads a finished batch's output and error files into one outcome per `custom_id` (lines are
 * matched by id, never by position). A 200 line with a completed answer is a success; anything
 * else is a failure, retryable unless the request itself was rejected. See docs/batch.md.
 */
import { ProviderError } from '../core/errors.js';
import type { ProviderSuccess } from '../core/types.js';
import { outputText, stripTrailingCitations } from '../provider/index.js';

/** What became of one request of a batch. */
export type LineOutcome =
  { ok: true; success: ProviderSuccess } | { ok: false; error: ProviderError; retryable: boolean };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function incomplete(message: string, requestId: string | undefined): LineOutcome {
  return {
    ok: false,
    retryable: true,
    error: new ProviderError(message, { kind: 'incomplete', status: 200, requestId }),
  };
}

/** A success from a Responses API body, or a failure saying why not. */
function fromResponse(body: Json, requestId: string | undefined): LineOutcome {
  if (body.status !== 'completed') return incomplete(`Response ${String(body.status)} in the batch`, requestId);
  const usage = isObject(body.usage) ? body.usage : {};
  return success(
    body,
    outputText(Array.isArray(body.output) ? body.output : []),
    num(body.created_at),
    num(usage.input_tokens),
    num(usage.output_tokens),
    requestId,
  );
}

/** A success from a Chat Completions body, or a failure saying why not. */
function fromChat(body: Json, requestId: string | undefined): LineOutcome {
  const choice = Array.isArray(body.choices) && isObject(body.choices[0]) ? body.choices[0] : undefined;
  if (choice === undefined) return incomplete('Chat completion without choices in the batch', requestId);
  if (choice.finish_reason !== 'stop') {
    return incomplete(`Chat completion finished with ${String(choice.finish_reason)} in the batch`, requestId);
  }
  const message = isObject(choice.message) ? choice.message : {};
  const usage = isObject(body.usage) ? body.usage : {};
  return success(
    body,
    str(message.content) ?? '',
    num(body.created),
    num(usage.prompt_tokens),
    num(usage.completion_tokens),
    requestId,
  );
}

function success(
  body: Json,
  rawText: string,
  created: number,
  inputTokens: number,
  outputTokens: number,
  requestId: string | undefined,
): LineOutcome {
  const text = stripTrailingCitations(rawText);
  if (text === '') return incomplete('Empty answer in the batch', requestId);
  return {
    ok: true,
    success: {
      text,
      responseId: str(body.id) ?? '',
      created,
      model: str(body.model) ?? '',
      usage: { input_tokens: inputTokens, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
      headers: new Headers(),
      requestId,
      durationMs: 0,
      serviceTier: str(body.service_tier),
    },
  };
}

function failedResponse(status: number, body: unknown, requestId: string | undefined): LineOutcome {
  const error = isObject(body) && isObject(body.error) ? body.error : {};
  const message = str(error.message) ?? `HTTP ${status} in the batch`;
  const code = str(error.code);
  // A rejected request (4xx other than 408/409/429) fails the same way every time.
  const permanent = status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429;
  const kind = permanent ? 'bad_request' : status === 429 ? 'rate_limit' : 'server';
  return {
    ok: false,
    retryable: !permanent,
    error: new ProviderError(message, { kind, status, apiCode: code, apiType: str(error.type), requestId }),
  };
}

/** One line of an output or error file, by `custom_id`; undefined for a line that names none. */
export function readResultLine(line: unknown): { customId: string; outcome: LineOutcome } | undefined {
  if (!isObject(line)) return undefined;
  const customId = str(line.custom_id);
  if (customId === undefined) return undefined;
  const response = isObject(line.response) ? line.response : undefined;
  const requestId = str(response?.request_id);
  if (response !== undefined) {
    const status = num(response.status_code);
    const body = response.body;
    if (status !== 200) return { customId, outcome: failedResponse(status, body, requestId) };
    if (!isObject(body)) return { customId, outcome: incomplete('Answer without a body in the batch', requestId) };
    const outcome = body.object === 'chat.completion' ? fromChat(body, requestId) : fromResponse(body, requestId);
    return { customId, outcome };
  }
  const error = isObject(line.error) ? line.error : {};
  const code = str(error.code) ?? 'batch_error';
  const message = str(error.message) ?? `Request not executed (${code})`;
  return {
    customId,
    outcome: { ok: false, retryable: true, error: new ProviderError(message, { kind: 'incomplete', apiCode: code }) },
  };
}

/** Every line of a result file's text, by `custom_id` (a later line for an id wins). */
export function readResultFile(text: string, into: Map<string, LineOutcome>): void {
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      continue;
    }
    const read = readResultLine(json);
    if (read !== undefined) into.set(read.customId, read.outcome);
  }
}
