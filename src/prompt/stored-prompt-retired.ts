/**
 * Stored prompts (`prompt: {id, version, variables}`, the `v1/prompts` family) after OpenAI shut
 * them down on 2026-11-30 (README.md#prompts). Servers that still serve them (the simulator, other
 * OpenAI-compatible APIs) keep working; against OpenAI itself every request would fail, so a run
 * is refused before the first one.
 */

/** The day OpenAI shut stored prompt objects down. */
export const STORED_PROMPTS_SHUT_DOWN = '2026-11-30';

/** Host names that are OpenAI's own API, where stored prompts no longer exist. */
const OPENAI_HOSTS: readonly string[] = ['api.openai.com'];

/**
 * True when `baseUrl` points at OpenAI's API (decided from the URL alone, no request). A URL that
 * does not parse is not OpenAI's; the provider reports it later.
 */
export function isOpenAiOrigin(baseUrl: string): boolean {
  try {
    return OPENAI_HOSTS.includes(new URL(baseUrl).hostname.toLowerCase().replace(/\.$/u, ''));
  } catch {
    return false;
  }
}

/**
 * Why `--prompt-id` cannot run against OpenAI, with the way to move the prompt into a template.
 * The text names the flag and the date, and shows a template with the stored prompt's parts.
 */
export function storedPromptRefusal(promptId: string, baseUrl: string): string {
  return [
    `Stored prompt ${promptId} cannot be used with ${baseUrl}: OpenAI shut stored prompts (v1/prompts) down on ` +
      `${STORED_PROMPTS_SHUT_DOWN}, so every request would fail. Nothing was sent.`,
    'Move the prompt into a template file and pass it with --prompt-file instead of --prompt-id:',
    '',
    '  ---',
    '  model: gpt-6-luna',
    '  reasoning_effort: low',
    '  max_output_tokens: 1000',
    '  instructions: |',
    "    <the stored prompt's system / developer message>",
    '  ---',
    "  <the stored prompt's user message, with {{artist_name}} and {{artist_data}} where its variables were>",
    '',
    'Use the model the stored prompt named if you need it. templates/default-bio.md is a ready one; templates/grounded-bio.md searches the web and keeps the cited ' +
      'pages as sources (what trailing citations in the stored prompt’s bios came from). --prompt-id still works ' +
      'with servers that serve stored prompts (--base-url, --simulate).',
  ].join('\n');
}
