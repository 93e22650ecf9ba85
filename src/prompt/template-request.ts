/**
 * Builds Responses and Chat Completions bodies from a local template: every front-matter setting
 * mapped to its API field, parameters the model family refuses left out (with a notice), and the
 * larger cap for the one retry of an answer cut off at `max_output_tokens`.
 */
import { UsageError } from '../core/errors.js';
import type { RequestRecord } from '../core/types.js';
import type { ChatBody, PreparedRequest, PromptSource, RequestBuilder, ResponsesBody } from './builders.js';
import { artistVariables, FALLBACK_MODEL, fingerprintOf, metadataFor } from './request-parts.js';
import { modelFamily } from './model-family.js';
import { renderTemplate } from './template.js';
import type { ToolSpec } from './template-settings.js';

const WEB_SEARCH: ToolSpec = { type: 'web_search' };

/** The template's tools, plus web search when asked for and not already there. */
function toolsOf(listed: readonly ToolSpec[] | undefined, webSearch: boolean): ToolSpec[] {
  const tools = [...(listed ?? [])];
  if (webSearch && !tools.some((tool) => tool.type.startsWith('web_search'))) tools.push(WEB_SEARCH);
  return tools;
}

/** Creates the builder for a template source (see {@link createRequestBuilder}). */
export function createTemplateBuilder(
  source: Extract<PromptSource, { kind: 'template' }>,
  api: 'responses' | 'chat',
): RequestBuilder {
  const { template } = source;
  const model = source.model ?? template.model ?? FALLBACK_MODEL;
  const family = modelFamily(model);
  const notices: string[] = [];
  let effort = template.reasoningEffort;
  if (effort !== undefined && !family.reasoning && family.known === true) {
    notices.push(`${model} does not reason: reasoning_effort ${effort} is not sent.`);
    effort = undefined;
  }
  const sampling = family.acceptsSampling(effort);
  const dropped = [
    template.temperature === undefined ? undefined : 'temperature',
    template.topP === undefined ? undefined : 'top_p',
  ].filter((name) => name !== undefined);
  if (!sampling && dropped.length > 0) {
    notices.push(
      `${model} does not accept ${dropped.join(' or ')} at reasoning effort ${effort ?? `${family.defaultEffort ?? 'default'} (its default)`}: ` +
        `not sent. Set reasoning_effort: none in the template to use ${dropped.join('/')}, or remove ${dropped.length > 1 ? 'them' : 'it'}.`,
    );
  }
  const tools = toolsOf(template.tools, template.webSearch === true || source.webSearch === true);
  if (api === 'chat' && tools.length > 0) {
    throw new UsageError(
      `Template ${template.source} uses tools (${tools.map((t) => t.type).join(', ')}), which need the Responses API; remove --api chat`,
    );
  }
  const store = template.store ?? false;
  const cap = template.maxOutputTokens;
  const retryCap = template.retryMaxOutputTokens ?? (cap === undefined ? undefined : cap * 2);

  function responsesBody(input: string): ResponsesBody {
    const body: ResponsesBody = { model, input };
    if (template.instructions) body.instructions = template.instructions;
    if (cap !== undefined) body.max_output_tokens = cap;
    if (effort !== undefined) body.reasoning = { effort };
    if (sampling && template.temperature !== undefined) body.temperature = template.temperature;
    if (sampling && template.topP !== undefined) body.top_p = template.topP;
    if (template.verbosity !== undefined) body.text = { verbosity: template.verbosity };
    if (template.serviceTier !== undefined) body.service_tier = template.serviceTier;
    body.store = store;
    if (tools.length > 0) body.tools = tools;
    return body;
  }

  function chatBody(input: string): ChatBody {
    const body: ChatBody = { model, messages: [] };
    if (template.instructions) body.messages.push({ role: 'system', content: template.instructions });
    body.messages.push({ role: 'user', content: input });
    if (cap !== undefined) body.max_completion_tokens = cap;
    if (effort !== undefined) body.reasoning_effort = effort;
    if (sampling && template.temperature !== undefined) body.temperature = template.temperature;
    if (sampling && template.topP !== undefined) body.top_p = template.topP;
    if (template.verbosity !== undefined) body.verbosity = template.verbosity;
    if (template.serviceTier !== undefined) body.service_tier = template.serviceTier;
    body.store = store;
    return body;
  }

  // The request with placeholders left in: everything that shapes the wording, nothing per artist.
  const shape = api === 'chat' ? chatBody(template.body) : responsesBody(template.body);
  return {
    maxOutputTokens: cap,
    label: `template ${template.source} (${model}${effort === undefined ? '' : `, effort ${effort}`}${tools.length > 0 ? ', web search' : ''}${api === 'chat' ? ', chat completions' : ''})`,
    fingerprint: fingerprintOf({ api, shape }),
    notices,
    build(artist) {
      const variables = artistVariables(artist);
      const input = renderTemplate(template.body, variables);
      const record: RequestRecord = { model, variables };
      if (api === 'chat') return { api: 'chat', body: chatBody(input), record };
      return { api: 'responses', body: { ...responsesBody(input), metadata: metadataFor(artist) }, record };
    },
    raiseOutputCap(request: PreparedRequest): PreparedRequest | undefined {
      if (request.capRaised === true || retryCap === undefined) return undefined;
      if (request.api === 'chat') {
        const now = request.body.max_completion_tokens;
        if (now === undefined || retryCap <= now) return undefined;
        const raised = Math.min(now * 2, retryCap);
        return { ...request, body: { ...request.body, max_completion_tokens: raised }, capRaised: true };
      }
      const now = request.body.max_output_tokens;
      if (now === undefined || retryCap <= now) return undefined;
      const raised = Math.min(now * 2, retryCap);
      return { ...request, body: { ...request.body, max_output_tokens: raised }, capRaised: true };
    },
  };
}
