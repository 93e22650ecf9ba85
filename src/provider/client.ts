import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { Clock } from '../core/clock.js';
import { ProviderError, type ProviderErrorKind } from '../core/errors.js';
import type { ProviderSuccess, ResponseHeaders, TokenUsage } from '../core/types.js';
import type { PreparedRequest } from '../prompt/index.js';
import { jsonBody, requestIdOf, statusError } from './http-answer.js';
import { createHttpExchange, type HttpAnswer } from './http-exchange.js';
import { checkIdentity } from './identity.js';
import { readChatFinish, readResponse } from './response-status.js';
import { chatFields, responseFields } from './wire-shapes.js';

/** Options of one model call. */
export interface GenerateOptions {
  /** Aborts the HTTP request at once (second Ctrl+C). */
  signal?: AbortSignal;
  /** Deadline of the whole exchange in ms: connection, headers and the full body. */
  timeoutMs: number;
  /** `service_tier` to ask for (flex mode); the request's own body is sent unchanged when absent. */
  serviceTier?: 'flex' | 'default' | undefined;
}

/** The single place that talks HTTP to the model API. */
export interface ModelProvider {
  /**
   * Sends one request. Resolves with a validated success, or rejects with a classified
   * `ProviderError` (or `ShutdownError` when aborted).
   */
  generate(request: PreparedRequest, options: GenerateOptions): Promise<ProviderSuccess>;
}

/** Options of {@link createOpenAIProvider}. */
export interface OpenAIProviderOptions {
  apiKey: string;
  /** API base URL, e.g. `http://127.0.0.1:8080/v1`. @default https://api.openai.com/v1 */
  baseURL?: string | undefined;
  /** Sent as `OpenAI-Organization` when set (the `OPENAI_ORG_ID` of OpenAI's SDKs). */
  organization?: string | undefined;
  /** Sent as `OpenAI-Project` when set (the `OPENAI_PROJECT_ID` of OpenAI's SDKs). */
  project?: string | undefined;
  clock: Clock;
}

/** Where requests go when no base URL is given. */
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

const zeroUsage: TokenUsage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };

function fail(
  message: string,
  kind: ProviderErrorKind,
  headers: ResponseHeaders,
  requestId: string | undefined,
  apiCode?: string,
): never {
  throw new ProviderError(message, { kind, status: 200, headers, requestId, apiCode });
}

function headersFor(options: OpenAIProviderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.apiKey}`,
    'user-agent': 'artist-bio-gen',
  };
  if (options.organization !== undefined && options.organization !== '')
    headers['openai-organization'] = options.organization;
  if (options.project !== undefined && options.project !== '') headers['openai-project'] = options.project;
  return headers;
}

/**
 * A provider that sends each call as one plain HTTP POST on a keep-alive connection
 * (`node:http` / `node:https`), with no retries of its own: every retry goes through our gate so
 * the daily budget and windows see it. The wire format is OpenAI's Responses and Chat Completions
 * APIs; the OpenAI SDK is kept for batch mode only (BENCHMARKS.md scenario 12 says why).
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): ModelProvider {
  const exchange = createHttpExchange({
    baseURL: options.baseURL ?? DEFAULT_BASE_URL,
    headers: headersFor(options),
  });
  const { clock } = options;

  function responses(answer: HttpAnswer, started: number): ProviderSuccess {
    const { headers } = answer;
    const requestId = requestIdOf(headers);
    const data = responseFields(jsonBody(answer));
    const reading = readResponse(data);
    if (!reading.ok) fail(reading.message, reading.kind, headers, requestId, reading.code);
    const identity = checkIdentity(data.id, data.created_at, data.model, headers, requestId);
    const { text, sources } = reading;
    const usage = data.usage
      ? {
          input_tokens: data.usage.input_tokens,
          output_tokens: data.usage.output_tokens,
          total_tokens: data.usage.total_tokens,
          ...cachedPart(data.usage.input_tokens_details?.cached_tokens),
        }
      : zeroUsage;
    return {
      text,
      ...identity,
      usage,
      headers,
      requestId,
      durationMs: clock.now() - started,
      serviceTier: data.service_tier ?? undefined,
      sources,
    };
  }

  function chat(answer: HttpAnswer, started: number): ProviderSuccess {
    const { headers } = answer;
    const requestId = requestIdOf(headers);
    const data = chatFields(jsonBody(answer));
    const identity = checkIdentity(data.id, data.created, data.model, headers, requestId);
    const choice = data.choices[0];
    if (!choice) fail('Chat completion has no choices', 'incomplete', headers, requestId);
    const reading = readChatFinish(choice.finish_reason, choice.message.content);
    if (!reading.ok) fail(reading.message, reading.kind, headers, requestId, reading.code);
    const { text } = reading;
    const usage = data.usage
      ? {
          input_tokens: data.usage.prompt_tokens,
          output_tokens: data.usage.completion_tokens,
          total_tokens: data.usage.total_tokens,
          ...cachedPart(data.usage.prompt_tokens_details?.cached_tokens),
        }
      : zeroUsage;
    return {
      text,
      ...identity,
      usage,
      headers,
      requestId,
      durationMs: clock.now() - started,
      serviceTier: data.service_tier ?? undefined,
    };
  }

  return {
    async generate(request, opts) {
      const started = clock.now();
      const tier = opts.serviceTier;
      const call = { signal: opts.signal, timeoutMs: opts.timeoutMs };
      if (request.api === 'chat') {
        const body: ChatCompletionCreateParamsNonStreaming =
          tier === undefined ? request.body : { ...request.body, service_tier: tier };
        const answer = await exchange.post('/chat/completions', JSON.stringify(body), call);
        if (answer.status < 200 || answer.status > 299) throw statusError(answer);
        return chat(answer, started);
      }
      const body: ResponseCreateParamsNonStreaming =
        tier === undefined ? request.body : { ...request.body, service_tier: tier };
      const answer = await exchange.post('/responses', JSON.stringify(body), call);
      if (answer.status < 200 || answer.status > 299) throw statusError(answer);
      return responses(answer, started);
    },
  };
}

// Cached input tokens are billed at a lower rate (docs/costs.md); only a positive count is kept.
function cachedPart(cached: number | undefined): { cached_input_tokens?: number } {
  return cached !== undefined && cached > 0 ? { cached_input_tokens: cached } : {};
}
