import { UsageError } from '../core/errors.js';
import type { Artist, RequestRecord } from '../core/types.js';
import { renderTemplate, type PromptTemplate } from './template.js';

/** Text sent as `artist_data` when the CSV has none. */
export const NO_DATA_TEXT = 'No additional data provided';

/** Model used for templates that name none and runs without `--model`. */
export const FALLBACK_MODEL = 'gpt-4o-mini';

/** Responses API body (the subset we send). */
export interface ResponsesBody {
  model?: string;
  instructions?: string;
  input?: string;
  max_output_tokens?: number;
  temperature?: number;
  prompt?: { id: string; version?: string; variables: { artist_name: string; artist_data: string } };
  metadata?: Record<string, string>;
}

/** Chat Completions body (the subset we send). */
export interface ChatBody {
  model: string;
  messages: { role: 'system' | 'user'; content: string }[];
  max_completion_tokens?: number;
  temperature?: number;
}

/** A request ready for the provider, plus what the output records about it. */
export type PreparedRequest =
  | { api: 'responses'; body: ResponsesBody; record: RequestRecord }
  | { api: 'chat'; body: ChatBody; record: RequestRecord };

/** Builds the request for each artist. */
export interface RequestBuilder {
  build(artist: Artist): PreparedRequest;
  /** Output cap of every request (for token estimates), if known. */
  readonly maxOutputTokens: number | undefined;
  /** Short description for logs, e.g. `template built-in (gpt-4o-mini)`. */
  readonly label: string;
}

/** How requests are built. */
export type PromptSource =
  | { kind: 'stored'; promptId: string; promptVersion?: string | undefined; model?: string | undefined }
  | { kind: 'template'; template: PromptTemplate; model?: string | undefined };

/** The variables every prompt gets (docs/architecture.md#requests). */
export function artistVariables(artist: Artist): { artist_name: string; artist_data: string } {
  return { artist_name: artist.name, artist_data: artist.data ?? NO_DATA_TEXT };
}

// OpenAI limits metadata values to 512 characters.
const metadataFor = (artist: Artist): Record<string, string> => ({ artist_id: artist.id.slice(0, 512) });

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
  const { template } = source;
  const model = source.model ?? template.model ?? FALLBACK_MODEL;
  return {
    maxOutputTokens: template.maxOutputTokens,
    label: `template ${template.source} (${model}${api === 'chat' ? ', chat completions' : ''})`,
    build(artist) {
      const variables = artistVariables(artist);
      const input = renderTemplate(template.body, variables);
      const record: RequestRecord = { model, variables };
      if (api === 'chat') {
        const body: ChatBody = { model, messages: [] };
        if (template.instructions) body.messages.push({ role: 'system', content: template.instructions });
        body.messages.push({ role: 'user', content: input });
        if (template.maxOutputTokens !== undefined) body.max_completion_tokens = template.maxOutputTokens;
        if (template.temperature !== undefined) body.temperature = template.temperature;
        return { api: 'chat', body, record };
      }
      const body: ResponsesBody = { model, input, metadata: metadataFor(artist) };
      if (template.instructions) body.instructions = template.instructions;
      if (template.maxOutputTokens !== undefined) body.max_output_tokens = template.maxOutputTokens;
      if (template.temperature !== undefined) body.temperature = template.temperature;
      return { api: 'responses', body, record };
    },
  };
}
