/**
 * What both baseline clients share: their command line, the CSV reader and the request body.
 *
 * The body is the product's own request, rendered once by the harness with placeholder values
 * (`body-file`), so every client sends byte-for-byte the same kind of request and the simulator
 * does the same work for each.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';

/** Placeholders the harness puts in the rendered body, replaced per artist. */
export const PLACEHOLDER = { id: '@@ARTIST_ID@@', name: '@@ARTIST_NAME@@', data: '@@ARTIST_DATA@@' } as const;

/** One CSV row. */
export interface BaselineArtist {
  id: string;
  name: string;
  data: string;
}

/** Command line of a baseline client. */
export interface BaselineArgs {
  input: string;
  output: string;
  baseUrl: string;
  bodyFile: string;
  workers: number;
  /** Requests per minute the client is configured for (cookbook only). */
  rpm: number;
  /** Tokens per minute the client is configured for (cookbook only). */
  tpm: number;
}

/** Parses `--input --output --base-url --body-file [--workers] [--rpm] [--tpm]`. */
export function parseBaselineArgs(argv: string[]): BaselineArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      output: { type: 'string' },
      'base-url': { type: 'string' },
      'body-file': { type: 'string' },
      workers: { type: 'string', default: '16' },
      rpm: { type: 'string', default: '1500' },
      tpm: { type: 'string', default: '125000' },
    },
  });
  const need = (name: string, value: string | undefined): string => {
    if (value === undefined || value === '') throw new Error(`missing --${name}`);
    return value;
  };
  const positive = (name: string, value: string): number => {
    const n = Number(value);
    if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${value}`);
    return n;
  };
  return {
    input: need('input', values.input),
    output: need('output', values.output),
    baseUrl: need('base-url', values['base-url']),
    bodyFile: need('body-file', values['body-file']),
    workers: positive('workers', values.workers),
    rpm: positive('rpm', values.rpm),
    tpm: positive('tpm', values.tpm),
  };
}

/** Streams the rows of a CSV with an `artist_id,artist_name,artist_data` header. */
export async function* readCsv(file: string): AsyncGenerator<BaselineArtist> {
  const parser = createReadStream(file).pipe(parse({ columns: true, skip_empty_lines: true }));
  for await (const row of parser as AsyncIterable<Record<string, string | undefined>>) {
    const id = row.artist_id ?? '';
    const name = row.artist_name ?? '';
    if (id === '' || name === '') continue;
    yield { id, name, data: row.artist_data ?? '' };
  }
}

const escape = (text: string): string => JSON.stringify(text).slice(1, -1);

/** Returns a function that renders the JSON body of one artist's request. */
export function bodyRenderer(bodyFile: string): (artist: BaselineArtist) => string {
  const template = readFileSync(bodyFile, 'utf8');
  return (artist) =>
    template
      .replaceAll(PLACEHOLDER.id, escape(artist.id))
      .replaceAll(PLACEHOLDER.name, escape(artist.name))
      .replaceAll(PLACEHOLDER.data, escape(artist.data === '' ? 'No additional data provided' : artist.data));
}

/** Prints the client's totals as one JSON line on stdout (read by the harness). */
export function printSummary(summary: Record<string, number>): void {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
