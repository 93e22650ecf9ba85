/**
 * The `web_search` tool, simulated: a `web_search_call` output item, inline citation markers in
 * the answer text (`([domain](url))`, as OpenAI writes them) and one `url_citation` annotation per
 * marker whose indices cover the marker's link.
 */
import { newId } from './response-bodies.js';

/** An `output_text` annotation of type `url_citation`. */
export interface UrlCitation {
  type: 'url_citation';
  start_index: number;
  end_index: number;
  url: string;
  title: string;
}

/** A grounded answer text and what it cites. */
export interface GroundedText {
  text: string;
  annotations: UrlCitation[];
  /** The search the model ran. */
  query: string;
}

/** Extra input tokens the search results add to the request (they are billed as input). */
export const SEARCH_CONTEXT_TOKENS = 600;

/** Tool types that mean "search the web" in a Responses request. */
export const WEB_SEARCH_TOOL_TYPES: ReadonlySet<string> = new Set([
  'web_search',
  'web_search_preview',
  'web_search_2025_08_26',
]);

function pages(name: string): { url: string; title: string; domain: string }[] {
  const wiki = encodeURIComponent(name.replace(/\s+/g, '_'));
  const slug = encodeURIComponent(
    name
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, ''),
  );
  return [
    {
      url: `https://en.wikipedia.org/wiki/${wiki}?utm_source=openai`,
      title: `${name} - Wikipedia`,
      domain: 'en.wikipedia.org',
    },
    {
      url: `https://www.allmusic.com/artist/${slug}?utm_source=openai`,
      title: `${name} Biography, Songs, & Albums | AllMusic`,
      domain: 'allmusic.com',
    },
  ];
}

/**
 * Adds citations to a bio: one after the first sentence, one at the end. Indices count UTF-16
 * code units, like JavaScript string indices.
 */
export function groundText(bio: string, artistName: string): GroundedText {
  const [first, second] = pages(artistName);
  if (first === undefined || second === undefined) throw new RangeError('pages() must return two pages');
  const annotations: UrlCitation[] = [];
  const cite = (text: string, page: typeof first): string => {
    const link = `[${page.domain}](${page.url})`;
    const start = text.length + 2;
    annotations.push({ type: 'url_citation', start_index: start, end_index: start + link.length, ...pick(page) });
    return `${text} (${link})`;
  };
  const cut = bio.indexOf('. ');
  let text: string;
  if (cut === -1) {
    text = cite(bio, first);
  } else {
    text = cite(bio.slice(0, cut + 1), first);
    text = cite(text + bio.slice(cut + 1), second);
  }
  return { text, annotations, query: `${artistName} musician biography` };
}

function pick(page: { url: string; title: string }): { url: string; title: string } {
  return { url: page.url, title: page.title };
}

/** The `web_search_call` output item for a search. */
export function webSearchCallItem(query: string): Record<string, unknown> {
  return { id: newId('ws_', 48), type: 'web_search_call', status: 'completed', action: { type: 'search', query } };
}
