import OpenAI from 'openai';
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { Clock } from '../core/clock.js';
import { ProviderError, type ProviderErrorKind } from '../core/errors.js';
import type { ProviderSuccess, TokenUsage } from '../core/types.js';
import type { PreparedRequest } from '../prompt/index.js';
import { createBoundedFetch } from './bounded-fetch.js';
import { classifyError } from './classify.js';
import { checkIdentity } from './identity.js';
import { readChatFinish, readResponse } from './response-status.js';

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
  /** API base URL, e.g. `http://127.0.0.1:8080/v1`. @default the SDK's (OpenAI) */
  baseURL?: string | undefined;
  clock: Clock;
}

const zeroUsage: TokenUsage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };

function fail(
  message: string,
  kind: ProviderErrorKind,
  headers: Headers,
  requestId: string | null,
  apiCode?: string,
): never {
  throw new ProviderError(message, { kind, status: 200, headers, requestId: requestId ?? undefined, apiCode });
}

/**
 * A provider backed by the official `openai` SDK with the SDK's own retries turned off: every
 * retry goes through our gate so the daily budget and windows see it.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): ModelProvider {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL ?? null,
    maxRetries: 0,
    fetch: createBoundedFetch(),
  });
  const { clock } = options;

  async function responses(
    body: ResponseCreateParamsNonStreaming,
    opts: GenerateOptions,
    started: number,
  ): Promise<ProviderSuccess> {
    const { data, response, request_id } = await client.responses
      .create(body, { signal: opts.signal ?? null, timeout: opts.timeoutMs, maxRetries: 0 })
      .withResponse();
    const headers = response.headers;
    const reading = readResponse(data);
    if (!reading.ok) fail(reading.message, reading.kind, headers, request_id, reading.code);
    const identity = checkIdentity(data.id, data.created_at, data.model, headers, request_id);
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
      requestId: request_id ?? undefined,
      durationMs: clock.now() - started,
      serviceTier: data.service_tier ?? undefined,
      sources,
    };
  }

  async function chat(
    body: ChatCompletionCreateParamsNonStreaming,
    opts: GenerateOptions,
    started: number,
  ): Promise<ProviderSuccess> {
    const { data, response, request_id } = await client.chat.completions
      .create(body, { signal: opts.signal ?? null, timeout: opts.timeoutMs, maxRetries: 0 })
      .withResponse();
    const headers = response.headers;
    const identity = checkIdentity(data.id, data.created, data.model, headers, request_id);
    const choice = Array.isArray(data.choices) ? data.choices[0] : undefined;
    if (!choice) fail('Chat completion has no choices', 'incomplete', headers, request_id);
    const reading = readChatFinish(choice.finish_reason, choice.message.content);
    if (!reading.ok) fail(reading.message, reading.kind, headers, request_id, reading.code);
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
      requestId: request_id ?? undefined,
      durationMs: clock.now() - started,
      serviceTier: data.service_tier ?? undefined,
    };
  }

  return {
    async generate(request, opts) {
      const started = clock.now();
      // The SDK adds an abort listener to the signal it is given and never removes it. Handing it
      // the run's long-lived signal would keep one listener (and its request) per call for the
      // whole run, so it gets a per-call signal that follows the caller's, unlinked afterwards.
      const outer = opts.signal;
      const call = new AbortController();
      const follow = (): void => call.abort(outer?.reason);
      if (outer?.aborted) follow();
      else outer?.addEventListener('abort', follow, { once: true });
      const callOpts: GenerateOptions = { ...opts, signal: call.signal };
      // The SDK's own timer stops once the headers arrive; this deadline also covers the body,
      // so a server that stalls or trickles after the headers cannot hold an attempt.
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        call.abort(new Error('request deadline'));
      }, opts.timeoutMs);
      try {
        const tier = opts.serviceTier;
        if (request.api === 'chat') {
          const body = tier === undefined ? request.body : { ...request.body, service_tier: tier };
          return await chat(body, callOpts, started);
        }
        const body = tier === undefined ? request.body : { ...request.body, service_tier: tier };
        return await responses(body, callOpts, started);
      } catch (error) {
        if (timedOut && outer?.aborted !== true) {
          throw new ProviderError(`No complete response within ${String(opts.timeoutMs)} ms (request timeout)`, {
            kind: 'timeout',
            cause: error,
          });
        }
        throw classifyError(error);
      } finally {
        clearTimeout(deadline);
        outer?.removeEventListener('abort', follow);
      }
    },
  };
}

// Cached input tokens are billed at a lower rate (docs/costs.md); only a positive count is kept.
function cachedPart(cached: number | undefined): { cached_input_tokens?: number } {
  return cached !== undefined && cached > 0 ? { cached_input_tokens: cached } : {};
}
