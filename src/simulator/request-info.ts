/**
 * Reads what the simulator needs out of a `/v1/responses` or `/v1/chat/completions` body:
 * model, artist, the text used for token estimates and fault scripts, and the output cap.
 */
import type { ApiErrorBody } from './error-bodies.js';
import { integerBelowMinBody, invalidValueBody, missingParameterBody } from './error-bodies.js';
import { WEB_SEARCH_TOOL_TYPES } from './grounding.js';

/** Which generation endpoint a request hit. */
export type Endpoint = 'responses' | 'chat';

/** A stored-prompt reference as sent by the client. */
export interface StoredPrompt {
  id: string;
  version?: string;
  variables?: Record<string, unknown>;
}

/** A validated generation request. */
export interface GenerationRequest {
  endpoint: Endpoint;
  /** Model the answer names: the request's, or the simulator default for stored prompts. */
  model: string;
  artistName: string;
  /** Key for per-artist counters and stats. */
  artistKey: string;
  /** The artist's data when the request states it (variable, metadata or `Artist data:` line). */
  artistData: string | undefined;
  /** Variables, input and messages: where fault tokens are looked for. */
  scanText: string;
  /** Estimated input tokens. */
  inputTokens: number;
  /** Output cap from the request, when it set one. */
  maxOutputTokens: number | undefined;
  prompt: StoredPrompt | undefined;
  instructions: string | undefined;
  metadata: Record<string, unknown> | undefined;
  temperature: number | undefined;
  /** `top_p` as sent. */
  topP: number | undefined;
  /** Reasoning effort as sent (`reasoning.effort`, or `reasoning_effort` on chat). */
  effort: string | undefined;
  /** True when the request offers the web search tool. */
  webSearch: boolean;
  /** `service_tier` as sent. */
  serviceTier: string | undefined;
  /** `store` as sent. */
  store: boolean | undefined;
  /** `text.verbosity` (or `verbosity` on chat) as sent. */
  verbosity: string | undefined;
}

/** Result of {@link parseGenerationRequest}. */
export type ParsedRequest = { ok: true; request: GenerationRequest } | { ok: false; body: ApiErrorBody };

/** Extra input tokens a stored prompt stands for (its hidden template text). */
export const STORED_PROMPT_OVERHEAD_TOKENS = 120;

const NAME_LINE = /^[ \t*_-]*artist(?: name)?[ \t]*:[ \t*_]*(.+?)[ \t*_]*$/im;
const DATA_LINE = /^[ \t*_-]*artist data[ \t]*:[ \t*_]*(.+?)[ \t*_]*$/im;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
}

/** Text of a variable, which may be a plain string or an `input_text` object. */
function variableText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (isObject(value) && typeof value.text === 'string') return value.text;
  return undefined;
}

/** Text of an `input` / `messages[].content` value: a string or a list of text parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') parts.push(part);
    else if (isObject(part) && typeof part.text === 'string') parts.push(part.text);
  }
  return parts.join('\n');
}

function itemsText(items: unknown): string {
  if (!Array.isArray(items)) return contentText(items);
  return items.map((item) => (isObject(item) ? contentText(item.content) : contentText(item))).join('\n');
}

type FieldResult = { value: number | undefined } | { error: ApiErrorBody };

function integerField(body: Json, name: string, min: number): FieldResult {
  const value = body[name];
  if (value === undefined || value === null) return { value: undefined };
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return { error: invalidValueBody(name, `expected an integer >= ${min}, got ${JSON.stringify(value)}.`) };
  }
  if (value < min) return { error: integerBelowMinBody(name, min, value) };
  return { value };
}

/** Validates a generation body and extracts what the simulator needs, or returns a 400 body. */
export function parseGenerationRequest(endpoint: Endpoint, body: unknown, defaultModel: string): ParsedRequest {
  if (!isObject(body)) return { ok: false, body: invalidValueBody('body', 'expected a JSON object.') };
  const model = nonEmptyString(body.model);
  const metadata = isObject(body.metadata) ? body.metadata : undefined;
  const temperature = typeof body.temperature === 'number' ? body.temperature : undefined;
  let prompt: StoredPrompt | undefined;
  let instructions: string | undefined;
  let scanText: string;
  let hiddenText = '';
  let maxOutput: FieldResult;
  let effort: string | undefined;
  let verbosity: string | undefined;
  let webSearch = false;

  if (endpoint === 'responses') {
    if (body.prompt !== undefined && body.prompt !== null) {
      if (!isObject(body.prompt)) return { ok: false, body: invalidValueBody('prompt', 'expected an object.') };
      const id = nonEmptyString(body.prompt.id);
      if (id === undefined) return { ok: false, body: missingParameterBody('prompt.id') };
      prompt = { id };
      const version = body.prompt.version;
      if (typeof version === 'string' || typeof version === 'number') prompt.version = String(version);
      if (isObject(body.prompt.variables)) prompt.variables = body.prompt.variables;
    }
    if (model === undefined && prompt === undefined) return { ok: false, body: missingParameterBody('model') };
    instructions = typeof body.instructions === 'string' ? body.instructions : undefined;
    const variables = Object.values(prompt?.variables ?? {})
      .map(variableText)
      .filter((text) => text !== undefined);
    scanText = [...variables, itemsText(body.input)].join('\n');
    hiddenText = instructions ?? '';
    maxOutput = integerField(body, 'max_output_tokens', 16);
    if (isObject(body.reasoning) && typeof body.reasoning.effort === 'string') effort = body.reasoning.effort;
    if (isObject(body.text) && typeof body.text.verbosity === 'string') verbosity = body.text.verbosity;
    webSearch =
      Array.isArray(body.tools) &&
      body.tools.some(
        (tool) => isObject(tool) && typeof tool.type === 'string' && WEB_SEARCH_TOOL_TYPES.has(tool.type),
      );
  } else {
    if (model === undefined) return { ok: false, body: missingParameterBody('model') };
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return { ok: false, body: missingParameterBody('messages') };
    }
    scanText = itemsText(body.messages);
    maxOutput = integerField(body, 'max_completion_tokens', 1);
    if ('value' in maxOutput && maxOutput.value === undefined) maxOutput = integerField(body, 'max_tokens', 1);
    if (typeof body.reasoning_effort === 'string') effort = body.reasoning_effort;
    if (typeof body.verbosity === 'string') verbosity = body.verbosity;
  }
  if ('error' in maxOutput) return { ok: false, body: maxOutput.error };

  const artistName =
    nonEmptyString(variableText(prompt?.variables?.artist_name)) ??
    nonEmptyString(metadata?.artist_name) ??
    nonEmptyString(NAME_LINE.exec(scanText)?.[1]) ??
    'this artist';
  const artistData =
    variableText(prompt?.variables?.artist_data) ??
    variableText(metadata?.artist_data) ??
    DATA_LINE.exec(scanText)?.[1];
  const artistId = metadata?.artist_id;
  const artistKey =
    (typeof artistId === 'string' || typeof artistId === 'number' ? String(artistId) : undefined) ??
    nonEmptyString(variableText(prompt?.variables?.artist_name)) ??
    nonEmptyString(metadata?.artist_name) ??
    artistName;
  const inputChars = scanText.length + hiddenText.length;
  const inputTokens =
    Math.max(1, Math.ceil(inputChars / 4)) + (prompt === undefined ? 0 : STORED_PROMPT_OVERHEAD_TOKENS);

  return {
    ok: true,
    request: {
      endpoint,
      model: model ?? defaultModel,
      artistName,
      artistKey,
      artistData,
      scanText,
      inputTokens,
      maxOutputTokens: maxOutput.value,
      prompt,
      instructions,
      metadata,
      temperature,
      topP: typeof body.top_p === 'number' ? body.top_p : undefined,
      effort,
      webSearch,
      serviceTier: typeof body.service_tier === 'string' ? body.service_tier : undefined,
      store: typeof body.store === 'boolean' ? body.store : undefined,
      verbosity,
    },
  };
}
