/**
 * Typed views of the JSON answers of the Responses and Chat Completions APIs. Only the fields the
 * client reads are taken, each checked for its type: a field of the wrong type reads as absent,
 * and the checks after it (identity, status) decide what the answer is worth.
 */
import type { ResponseLike } from './response-status.js';

type Json = Record<string, unknown>;

/** `value` as a JSON object, or undefined when it is anything else (an array included). */
export function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function optionalCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `value` when it is a string, else undefined. */
export function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The fields of a Responses API `response` object the client reads. */
export interface ResponseFields extends ResponseLike {
  id: unknown;
  created_at: unknown;
  model: unknown;
  output: unknown[];
  usage:
    | {
        input_tokens: number;
        output_tokens: number;
        total_tokens: number;
        input_tokens_details?: { cached_tokens?: number | undefined } | undefined;
      }
    | undefined;
  service_tier: string | undefined;
}

/**
 * The concatenated text of every `output_text` part of every `message` item: what OpenAI's SDKs
 * expose as `output_text`.
 */
export function outputText(output: readonly unknown[]): string {
  const texts: string[] = [];
  for (const item of output) {
    const message = object(item);
    if (message?.['type'] !== 'message' || !Array.isArray(message['content'])) continue;
    for (const part of message['content'] as unknown[]) {
      const content = object(part);
      if (content?.['type'] === 'output_text' && typeof content['text'] === 'string') texts.push(content['text']);
    }
  }
  return texts.join('');
}

/** Reads a Responses API answer. */
export function responseFields(json: Json): ResponseFields {
  const output = Array.isArray(json['output']) ? (json['output'] as unknown[]) : [];
  const usage = object(json['usage']);
  const details = object(usage?.['input_tokens_details']);
  const error = object(json['error']);
  const incomplete = object(json['incomplete_details']);
  return {
    id: json['id'],
    created_at: json['created_at'],
    model: json['model'],
    status: optionalText(json['status']),
    error: error
      ? { code: optionalText(error['code']) ?? null, message: optionalText(error['message']) ?? null }
      : null,
    incomplete_details: incomplete ? { reason: optionalText(incomplete['reason']) ?? null } : null,
    output,
    output_text: outputText(output),
    usage: usage && {
      input_tokens: count(usage['input_tokens']),
      output_tokens: count(usage['output_tokens']),
      total_tokens: count(usage['total_tokens']),
      input_tokens_details: details && { cached_tokens: optionalCount(details['cached_tokens']) },
    },
    service_tier: optionalText(json['service_tier']),
  };
}

/** The fields of a chat completion the client reads. */
export interface ChatFields {
  id: unknown;
  created: unknown;
  model: unknown;
  choices: { finish_reason: string | null; message: { content: string | null } }[];
  usage:
    | {
        prompt_tokens: number;
        completion_tokens: number;
        total_tokens: number;
        prompt_tokens_details?: { cached_tokens?: number | undefined } | undefined;
      }
    | undefined;
  service_tier: string | undefined;
}

/** Reads a Chat Completions answer. */
export function chatFields(json: Json): ChatFields {
  const choices = Array.isArray(json['choices']) ? (json['choices'] as unknown[]) : [];
  const usage = object(json['usage']);
  const details = object(usage?.['prompt_tokens_details']);
  return {
    id: json['id'],
    created: json['created'],
    model: json['model'],
    choices: choices.map((c) => {
      const choice = object(c);
      return {
        finish_reason: optionalText(choice?.['finish_reason']) ?? null,
        message: { content: optionalText(object(choice?.['message'])?.['content']) ?? null },
      };
    }),
    usage: usage && {
      prompt_tokens: count(usage['prompt_tokens']),
      completion_tokens: count(usage['completion_tokens']),
      total_tokens: count(usage['total_tokens']),
      prompt_tokens_details: details && { cached_tokens: optionalCount(details['cached_tokens']) },
    },
    service_tier: optionalText(json['service_tier']),
  };
}
