/**
 * Success bodies: the Responses API `response` object, the `chat.completion` object and the
 * model list, shaped like OpenAI's so the official SDK parses them unchanged.
 */
import { randomBytes } from 'node:crypto';
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

/** The tier a request was served at: flex when it asked for flex, otherwise the default tier. */
function servedTier(request: GenerationRequest): string {
  return request.serviceTier === 'flex' ? 'flex' : 'default';
}

/** The answer to put into a success body. */
export interface Answer {
  text: string;
  status: 'completed' | 'incomplete';
  inputTokens: number;
  outputTokens: number;
  /** Unix seconds. */
  createdAt: number;
}

/** A Responses API `response` object. */
export function responseObject(request: GenerationRequest, answer: Answer): Record<string, unknown> {
  const incomplete = answer.status === 'incomplete';
  return {
    id: newId('resp_', 48),
    object: 'response',
    created_at: answer.createdAt,
    status: answer.status,
    background: false,
    completed_at: incomplete ? null : answer.createdAt,
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.maxOutputTokens ?? null,
    metadata: request.metadata ?? {},
    model: request.model,
    output: [
      {
        id: newId('msg_', 48),
        type: 'message',
        status: answer.status,
        role: 'assistant',
        content: [{ type: 'output_text', text: answer.text, annotations: [], logprobs: [] }],
      },
    ],
    parallel_tool_calls: true,
    previous_response_id: null,
    prompt: request.prompt ?? null,
    reasoning: { effort: null, summary: null },
    service_tier: servedTier(request),
    store: true,
    temperature: request.temperature ?? 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: {
      input_tokens: answer.inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: answer.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: answer.inputTokens + answer.outputTokens,
    },
    user: null,
  };
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
        finish_reason: answer.status === 'incomplete' ? 'length' : 'stop',
      },
    ],
    usage: {
      prompt_tokens: answer.inputTokens,
      completion_tokens: answer.outputTokens,
      total_tokens: answer.inputTokens + answer.outputTokens,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
    service_tier: servedTier(request),
    system_fingerprint: 'fp_simulator',
  };
}

/** The `GET /v1/models` list. */
export function modelList(models: readonly string[], created: number): Record<string, unknown> {
  return {
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created, owned_by: 'system' })),
  };
}
