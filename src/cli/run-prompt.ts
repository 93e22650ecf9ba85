import type { RunConfig } from '../config/index.js';
import type { RunEmitter } from '../core/events.js';
import type { Artist } from '../core/types.js';
import { ConfigError } from '../core/errors.js';
import {
  isOpenAiOrigin,
  loadTemplate,
  storedPromptRefusal,
  STORED_PROMPTS_SHUT_DOWN,
  type PromptSource,
  type RequestBuilder,
} from '../prompt/index.js';

/** Where requests go without --base-url. */
const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The prompt source a run's settings ask for (stored prompts warn about their retirement). */
export async function promptSource(config: RunConfig, events: RunEmitter): Promise<PromptSource> {
  if (config.promptId !== undefined) {
    const baseUrl = config.baseUrl ?? DEFAULT_BASE_URL;
    // Decided from the URL before anything is sent: OpenAI has no stored prompts any more.
    if (!config.simulate && isOpenAiOrigin(baseUrl))
      throw new ConfigError(storedPromptRefusal(config.promptId, baseUrl));
    events.log(
      'warn',
      `Using a stored prompt (--prompt-id). OpenAI shut stored prompt objects down on ${STORED_PROMPTS_SHUT_DOWN}; ` +
        'this works only because this server still serves them. To move to a local template, see --prompt-file.',
    );
    return { kind: 'stored', promptId: config.promptId, promptVersion: config.promptVersion, model: config.model };
  }
  return {
    kind: 'template',
    template: await loadTemplate(config.promptFile),
    model: config.model,
    webSearch: config.webSearch,
  };
}

/** The dry-run preview: the request bodies that would be sent (the caller prints it on stdout). */
export function dryRunText(builder: RequestBuilder, preview: readonly Artist[], total: number): string {
  const out: string[] = [
    `DRY RUN: ${total} artist(s) would be processed with ${builder.label}. First ${preview.length} request payload(s):`,
  ];
  let i = 0;
  for (const artist of preview) {
    const request = builder.build(artist);
    out.push(`${++i}. [${artist.id}] POST /v1/${request.api === 'chat' ? 'chat/completions' : 'responses'}`);
    out.push(JSON.stringify(request.body, null, 2));
  }
  if (total > preview.length) out.push(`... and ${total - preview.length} more artist(s)`);
  out.push('Nothing was sent (dry run).');
  return out.join('\n');
}

/** The request bodies of the preview artists, for the JSON form of the dry run. */
export function dryRunPayloads(builder: RequestBuilder, preview: readonly Artist[]): unknown[] {
  return preview.map((artist) => {
    const request = builder.build(artist);
    return { artist_id: artist.id, api: request.api, body: request.body };
  });
}
