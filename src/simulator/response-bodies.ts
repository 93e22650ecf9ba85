/**
 * Success bodies: the Responses API `response` object, the `chat.completion` object and the
 * model list, shaped like OpenAI's so the official SDK parses them unchanged.
 */
import { randomBytes } from 'node:crypto';
import type { Answer } from './compose.js';
import { webSearchCallItem } from './grounding.js';
import type { GenerationRequest } from './request-info.js';

/** Random hex id with a prefix, e.g. `resp_…` (OpenAI ids carry no meaning). */
export function newId(prefix: string, hexChars: number): string {
  return (
    prefix +
    randomBytes(Math.ceil(hexChars / 2))
      .toString('hex')
      .slice(0, hexChars)
  );
}

/** A Responses API `response` object. */
export function responseObject(request: GenerationRequest, answer: Answer): Record<string, unknown> {
  const done = answer.status === 'completed';
  const output: Record<string, unknown>[] = [];
  if (answer.reasoningTokens > 0) output.push({ id: newId('rs_', 48), type: 'reasoning', summary: [] });
  if (answer.searchQuery !== undefined) output.push(webSearchCallItem(answer.searchQuery));
  if (answer.status !== 'failed' && (done || answer.text !== '')) {
    output.push({
      id: newId('msg_', 48),
      type: 'message',
      status: done ? 'completed' : 'incomplete',
      role: 'assistant',
      content: [{ type: 'output_text', text: answer.text, annotations: answer.annotations, logprobs: [] }],
    });
  }
  return {
    id: newId('resp_', 48),
    object: 'response',
    created_at: answer.createdAt,
    status: answer.status,
    background: false,
    completed_at: done ? answer.createdAt : null,
    error: answer.error ?? null,
    incomplete_details: answer.incompleteReason === undefined ? null : { reason: answer.incompleteReason },
    instructions: request.instructions ?? null,
    max_output_tokens: request.maxOutputTokens ?? null,
    metadata: request.metadata ?? {},
    model: request.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    prompt: request.prompt ?? null,
    reasoning: { effort: answer.effort ?? null, summary: null },
    service_tier: servedTier(request.serviceTier),
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: { format: { type: 'text' }, verbosity: request.verbosity ?? 'medium' },
    tool_choice: 'auto',
    tools: request.webSearch ? [{ type: 'web_search', search_context_size: 'medium' }] : [],
    top_p: request.topP ?? 1,
    truncation: 'disabled',
    usage: {
      input_tokens: answer.inputTokens,
      input_tokens_details: { cached_tokens: answer.cachedTokens, cache_write_tokens: answer.cacheWriteTokens },
      output_tokens: answer.outputTokens,
      output_tokens_details: { reasoning_tokens: answer.reasoningTokens },
      total_tokens: answer.inputTokens + answer.outputTokens,
    },
    user: null,
  };
}

/** The tier that served a request: `auto` (or none) runs on `default`. */
function servedTier(requested: string | undefined): string {
  return requested === undefined || requested === 'auto' ? 'default' : requested;
}

/** A `chat.completion` object. */
export function chatCompletionObject(request: GenerationRequest, answer: Answer): Record<string, unknown> {
  return {
    id: newId('chatcmpl-', 29),
    object: 'chat.completion',
    created: answer.createdAt,
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: finishReason(answer),
      },
    ],
    usage: {
      prompt_tokens: answer.inputTokens,
      completion_tokens: answer.outputTokens,
      total_tokens: answer.inputTokens + answer.outputTokens,
      prompt_tokens_details: { cached_tokens: answer.cachedTokens },
      completion_tokens_details: { reasoning_tokens: answer.reasoningTokens },
    },
    service_tier: servedTier(request.serviceTier),
    system_fingerprint: 'fp_simulator',
  };
}

function finishReason(answer: Answer): string {
  if (answer.incompleteReason === 'content_filter') return 'content_filter';
  return answer.status === 'completed' ? 'stop' : 'length';
}

/** The `GET /v1/models` list. */
export function modelList(models: readonly string[], created: number): Record<string, unknown> {
  return {
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created, owned_by: 'system' })),
  };
}
