import { UsageError } from '../core/errors.js';
import type { Artist, RequestRecord } from '../core/types.js';
import type { PromptTemplate } from './template.js';
import type { ReasoningEffort, ServiceTier, ToolSpec, Verbosity } from './template-settings.js';
import { artistVariables, fingerprintOf, metadataFor } from './request-parts.js';
import { createTemplateBuilder } from './template-request.js';

export { artistVariables, FALLBACK_MODEL, fingerprintOf, NO_DATA_TEXT } from './request-parts.js';

/** Responses API body (the subset we send). */
export interface ResponsesBody {
  model?: string;
  instructions?: string;
  input?: string;
  max_output_tokens?: number;
  temperature?: number;
  top_p?: number;
  reasoning?: { effort: ReasoningEffort };
  text?: { verbosity: Verbosity };
  service_tier?: ServiceTier;
  store?: boolean;
  tools?: ToolSpec[];
  prompt?: { id: string; version?: string; variables: { artist_name: string; artist_data: string } };
  metadata?: Record<string, string>;
}

/** Chat Completions body (the subset we send). */
export interface ChatBody {
  model: string;
  messages: { role: 'system' | 'user'; content: string }[];
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  reasoning_effort?: ReasoningEffort;
  verbosity?: Verbosity;
  service_tier?: ServiceTier;
  store?: boolean;
}

/** A request ready for the provider, plus what the output records about it. */
export type PreparedRequest =
  | { api: 'responses'; body: ResponsesBody; record: RequestRecord; capRaised?: boolean }
  | { api: 'chat'; body: ChatBody; record: RequestRecord; capRaised?: boolean };

/** Builds the request for each artist. */
export interface RequestBuilder {
  build(artist: Artist): PreparedRequest;
  /** Output cap of every request (for token estimates), if known. */
  readonly maxOutputTokens: number | undefined;
  /** Short description for logs, e.g. `template built-in (gpt-6-luna)`. */
  readonly label: string;
  /**
   * Hash of what decides the wording of a bio: the template text and instructions, the model
   * and every request parameter (not the artist). Recorded on each output line.
   */
  readonly fingerprint: string;
  /** Things the builder changed or dropped, to be reported once per run (e.g. a refused `temperature`). */
  readonly notices: readonly string[];
  /**
   * The same request with its output cap doubled (at most the template's
   * `retry_max_output_tokens`), for the one retry of an answer cut off at the cap; undefined when
   * the cap was already raised once or cannot grow.
   */
  raiseOutputCap(request: PreparedRequest): PreparedRequest | undefined;
}

/** How requests are built. */
export type PromptSource =
  | { kind: 'stored'; promptId: string; promptVersion?: string | undefined; model?: string | undefined }
  | {
      kind: 'template';
      template: PromptTemplate;
      model?: string | undefined;
      /** Adds the web search tool even when the template does not (`--web-search`). */
      webSearch?: boolean | undefined;
    };

/**
 * Creates the request builder for a prompt source and API flavour. Stored prompts only exist on
 * the Responses API, so combining them with `chat` is a usage error.
 */
export function createRequestBuilder(source: PromptSource, api: 'responses' | 'chat'): RequestBuilder {
  if (source.kind === 'stored') {
    if (api === 'chat') {
      throw new UsageError('--prompt-id needs the Responses API; it cannot be combined with --api chat');
    }
    const { promptId, promptVersion, model } = source;
    return {
      maxOutputTokens: undefined,
      fingerprint: fingerprintOf({ prompt: promptId, version: promptVersion ?? null, model: model ?? null }),
      notices: [],
      raiseOutputCap: () => undefined,
      label: `stored prompt ${promptId}${promptVersion ? ` v${promptVersion}` : ''}`,
      build(artist) {
        const variables = artistVariables(artist);
        const prompt: NonNullable<ResponsesBody['prompt']> = { id: promptId, variables };
        if (promptVersion) prompt.version = promptVersion;
        const body: ResponsesBody = { prompt, metadata: metadataFor(artist) };
        if (model) body.model = model;
        const record: RequestRecord = { prompt_id: promptId, variables };
        if (promptVersion) record.version = promptVersion;
        if (model) record.model = model;
        return { api: 'responses', body, record };
      },
    };
  }
  return createTemplateBuilder(source, api);
}
