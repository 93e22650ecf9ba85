// A link is a Markdown link or a bare URL.
const LINK = String.raw`(?:\[[^\]\n]+\]\([^)\s]+\)|https?:\/\/[^\s)\],|·]+)`;
const SOURCES_BLOCK = new RegExp(
  String.raw`(?:^|[\s—–-])(?:sources?|references?|citations?)\s*:\s*${LINK}(?:\s*[,;·|]?\s*${LINK})*\s*$`,
  'i',
);
const PAREN_BLOCK = new RegExp(String.raw`\(\s*${LINK}(?:\s*[,;]\s*${LINK})*\s*\)\s*$`);
const TRAILING_JUNK = /[\s—–|·,-]+$/;

/**
 * Removes trailing citation blocks from a bio: a final `Sources: …` / `References: …` list of
 * links, or final parentheticals made only of links. Repeats until nothing trailing is left, so
 * applying it twice gives the same text. Links inside the prose are kept.
 */
export function stripTrailingCitations(text: string): string {
  let current = text.trimEnd();
  for (;;) {
    const match = SOURCES_BLOCK.exec(current) ?? PAREN_BLOCK.exec(current);
    if (!match) return current;
    current = current.slice(0, match.index).replace(TRAILING_JUNK, '');
  }
}
