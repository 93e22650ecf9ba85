/**
 * Baseline (a): the client most people write first. Every row is loaded, `p-limit` caps the
 * requests in flight, and the official SDK's default retries (2, honouring `retry-after-ms` /
 * `retry-after`) are the only rate-limit handling. No quota work, no resume index, no state file:
 * each bio is written to JSONL as it arrives.
 *
 * Usage: node naive-client.js --input a.csv --output out.jsonl --base-url URL --body-file body.json --workers 16
 */
import { createWriteStream } from 'node:fs';
import OpenAI from 'openai';
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import pLimit from 'p-limit';
import { bodyRenderer, parseBaselineArgs, printSummary, readCsv, type BaselineArtist } from './common.js';

const args = parseBaselineArgs(process.argv.slice(2));
const render = bodyRenderer(args.bodyFile);
const client = new OpenAI({ apiKey: 'sk-bench', baseURL: args.baseUrl });
const limit = pLimit(args.workers);
const out = createWriteStream(args.output);

const artists: BaselineArtist[] = [];
for await (const artist of readCsv(args.input)) artists.push(artist);

let succeeded = 0;
let failed = 0;
await Promise.all(
  artists.map((artist) =>
    limit(async () => {
      const started = performance.now();
      try {
        const body = JSON.parse(render(artist)) as ResponseCreateParamsNonStreaming;
        const response = await client.responses.create(body);
        out.write(
          `${JSON.stringify({
            artist_id: artist.id,
            artist_name: artist.name,
            response_text: response.output_text,
            response_id: response.id,
            usage: response.usage,
            duration_ms: Math.round(performance.now() - started),
          })}\n`,
        );
        succeeded++;
      } catch {
        failed++;
      }
    }),
  ),
);
await new Promise<void>((resolve) => out.end(resolve));
printSummary({ succeeded, failed });
