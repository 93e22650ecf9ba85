/**
 * Generated inputs: artist CSVs, output JSONL files shaped like real runs' output, and the
 * rendered request body the baselines send. Everything is streamed, so a million rows cost
 * little memory in the harness.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { OutputRecord } from '../../src/core/types.js';
import { createRequestBuilder, loadTemplate } from '../../src/prompt/index.js';
import { PLACEHOLDER } from '../baselines/common.js';

const CITIES = ['London', 'Lagos', 'São Paulo', 'Osaka', 'Montréal', 'Berlin', 'Nashville', 'Seoul'];
const GENRES = ['jazz', 'indie pop', 'Afrobeat', 'electronic', 'folk', 'hip-hop', 'bossa nova', 'metal'];

/**
 * How generated ids look: `uuid` (canonical lowercase UUIDs, as the catalogs of the original tool
 * use) or `short` (`a0000001`, …; any opaque string is a valid id).
 */
export type IdStyle = 'uuid' | 'short';

// The murmur3 finaliser: a bijection on 32-bit words, so distinct inputs give distinct ids.
function mix(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

const hex8 = (word: number): string => word.toString(16).padStart(8, '0');

/** The id of the n-th generated artist (1-based); the same n always gives the same id. */
export function artistId(n: number, style: IdStyle = 'uuid'): string {
  if (style === 'short') return `a${String(n).padStart(7, '0')}`;
  const hex = hex8(mix(4 * n + 1)) + hex8(mix(4 * n + 2)) + hex8(mix(4 * n + 3)) + hex8(mix(4 * n + 4));
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function artistName(n: number): string {
  return `Artist ${n}`;
}

function artistData(n: number): string {
  const city = CITIES[n % CITIES.length] ?? 'London';
  const genre = GENRES[(n >> 3) % GENRES.length] ?? 'jazz';
  // Some rows carry a comma and quotes, so the CSV needs quoting as real catalogs do.
  return n % 5 === 0
    ? `${genre} act from ${city}, nicknamed "the ${n}th"`
    : `${genre} act from ${city} with ${1 + (n % 9)} albums`;
}

/** RFC 4180 quoting, only where the value needs it. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

async function writeLines(file: string, count: number, header: string | undefined, line: (n: number) => string) {
  const out = createWriteStream(file);
  if (header !== undefined) out.write(`${header}\n`);
  let chunk = '';
  for (let n = 1; n <= count; n++) {
    chunk += `${line(n)}\n`;
    if (chunk.length >= 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** Writes a CSV with a header and `count` artists (artists 1..count). */
export async function writeArtistsCsv(file: string, count: number, style: IdStyle = 'uuid'): Promise<void> {
  await writeLines(file, count, 'artist_id,artist_name,artist_data', (n) => {
    return `${artistId(n, style)},${artistName(n)},${csvField(artistData(n))}`;
  });
}

const BIO_SENTENCES = [
  'is a restless songwriter and producer whose records move easily between genres.',
  'Raised in a family of amateur musicians, they spent years on the club circuit before a first release.',
  'Critics point to intimate lyrics, unexpected arrangements and a warm, unmistakable voice.',
  'Their breakthrough album found an audience through word of mouth and college radio.',
  'Since then they have toured widely and shared stages with artists across several genres.',
  'Collaborations with younger producers kept the sound fresh without losing its character.',
  'They continue to write, record and perform with the curiosity that marked the early work.',
];

/** An output line as a successful run writes it, with a bio of about 1 KB. */
function outputLine(n: number, style: IdStyle): string {
  const name = artistName(n);
  const data = artistData(n);
  const record: OutputRecord = {
    artist_id: artistId(n, style),
    artist_name: name,
    artist_data: data,
    request: { model: 'gpt-4o-mini', variables: { artist_name: name, artist_data: data } },
    response_text: `${name} ${BIO_SENTENCES.join(' ')} ${BIO_SENTENCES.slice(0, 2).join(' ')}`,
    response_id: `resp_${n.toString(16).padStart(48, '0')}`,
    created: 1_767_225_600 + n,
    model: 'gpt-4o-mini',
    usage: { input_tokens: 154, output_tokens: 230, total_tokens: 384 },
    attempts: 1,
    duration_ms: 800 + (n % 400),
    db_status: null,
    error: null,
  };
  return JSON.stringify(record);
}

/** Writes an output JSONL of `count` successful artists (artists 1..count), as a run would leave it. */
export async function writeOutputJsonl(file: string, count: number, style: IdStyle = 'uuid'): Promise<void> {
  await writeLines(file, count, undefined, (n) => outputLine(n, style));
}

/**
 * Writes the product's request body for the built-in template with placeholder values, for the
 * baselines to fill in per artist.
 */
export async function writeBodyTemplate(file: string): Promise<void> {
  const builder = createRequestBuilder({ kind: 'template', template: await loadTemplate() }, 'responses');
  const request = builder.build({ id: PLACEHOLDER.id, name: PLACEHOLDER.name, data: PLACEHOLDER.data, line: 1 });
  await writeFile(file, JSON.stringify(request.body));
}
