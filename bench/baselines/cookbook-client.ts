/**
 * Baseline (b): our own re-implementation of the algorithm of OpenAI's cookbook script
 * `api_request_parallel_processor.py`, as described in prose in the reference notes (no code of
 * it was copied):
 *
 * - one dispatch loop that takes the next request from a retry queue first, else reads the next
 *   input row lazily;
 * - two token buckets (requests and tokens per minute) that start full and refill linearly,
 *   capped at one minute's worth; a request goes out when both can pay for it;
 * - no cap on requests in flight;
 * - after a rate-limit error (recognised by "rate limit" in the error message; status and
 *   headers are never read) the loop sleeps until 15 s have passed since the latest one;
 * - a failed request goes straight back on the retry queue (no delay) while attempts remain
 *   (5 in all), then is written off;
 * - the loop sleeps 1 ms per pass.
 *
 * The cookbook cannot estimate tokens for the Responses API, so the estimate is the cookbook's
 * rule for completions applied to this body: prompt characters / 4 plus the output cap.
 *
 * Usage: node cookbook-client.js --input a.csv --output out.jsonl --base-url URL --body-file body.json --rpm 600 --tpm 1000000
 */
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { bodyRenderer, parseBaselineArgs, printSummary, readCsv, type BaselineArtist } from './common.js';

const MAX_ATTEMPTS = 5;
const PAUSE_AFTER_RATE_LIMIT_MS = 15_000;
const LOOP_SLEEP_MS = 1;

interface Job {
  artist: BaselineArtist;
  body: string;
  tokens: number;
  attemptsLeft: number;
}

interface ApiAnswer {
  error?: { message?: unknown } | null;
  id?: unknown;
  output?: { content?: { text?: unknown }[] }[];
  usage?: unknown;
}

const args = parseBaselineArgs(process.argv.slice(2));
const render = bodyRenderer(args.bodyFile);
const endpoint = `${args.baseUrl.replace(/\/$/, '')}/responses`;
const out = createWriteStream(args.output);
const rows = readCsv(args.input);

let succeeded = 0;
let failed = 0;
let rateLimitErrors = 0;
let otherErrors = 0;
let inProgress = 0;
let lastRateLimitAt = Number.NEGATIVE_INFINITY;
const retryQueue: Job[] = [];

function estimateTokens(body: string): number {
  const cap = (JSON.parse(body) as { max_output_tokens?: number }).max_output_tokens ?? 15;
  return Math.ceil(body.length / 4) + cap;
}

function textOf(answer: ApiAnswer): string {
  const parts: string[] = [];
  for (const item of answer.output ?? []) {
    for (const content of item.content ?? []) if (typeof content.text === 'string') parts.push(content.text);
  }
  return parts.join('');
}

async function callApi(job: Job): Promise<void> {
  let error: string | undefined;
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json' },
      body: job.body,
    });
    const answer = (await response.json()) as ApiAnswer;
    // A Responses object always has an `error` field, null on success.
    if (answer.error !== undefined && answer.error !== null) {
      error = String(answer.error.message);
      if (/rate limit/i.test(error)) {
        lastRateLimitAt = performance.now();
        rateLimitErrors++;
      } else {
        otherErrors++;
      }
    } else {
      out.write(
        `${JSON.stringify([{ artist_id: job.artist.id }, { id: answer.id, text: textOf(answer), usage: answer.usage }])}\n`,
      );
      succeeded++;
    }
  } catch (caught) {
    error = String(caught);
    otherErrors++;
  }
  if (error !== undefined) {
    if (job.attemptsLeft > 0) retryQueue.push(job);
    else failed++;
  }
  inProgress--;
}

let requestCapacity = args.rpm;
let tokenCapacity = args.tpm;
let lastUpdate = performance.now();
let next: Job | undefined;
let fileDone = false;

for (;;) {
  if (next === undefined) {
    const retry = retryQueue.shift();
    if (retry !== undefined) {
      next = retry;
    } else if (!fileDone) {
      const row = await rows.next();
      if (row.done === true) {
        fileDone = true;
      } else {
        const body = render(row.value);
        next = { artist: row.value, body, tokens: estimateTokens(body), attemptsLeft: MAX_ATTEMPTS };
      }
    }
  }

  const now = performance.now();
  const elapsedMinutes = (now - lastUpdate) / 60_000;
  requestCapacity = Math.min(requestCapacity + args.rpm * elapsedMinutes, args.rpm);
  tokenCapacity = Math.min(tokenCapacity + args.tpm * elapsedMinutes, args.tpm);
  lastUpdate = now;

  if (next !== undefined && requestCapacity >= 1 && tokenCapacity >= next.tokens) {
    requestCapacity -= 1;
    tokenCapacity -= next.tokens;
    next.attemptsLeft--;
    inProgress++;
    void callApi(next);
    next = undefined;
  }

  if (inProgress === 0 && fileDone && next === undefined && retryQueue.length === 0) break;

  await sleep(LOOP_SLEEP_MS);
  const sinceRateLimit = performance.now() - lastRateLimitAt;
  if (sinceRateLimit < PAUSE_AFTER_RATE_LIMIT_MS) await sleep(PAUSE_AFTER_RATE_LIMIT_MS - sinceRateLimit);
}

await new Promise<void>((resolve) => out.end(resolve));
printSummary({ succeeded, failed, rateLimitErrors, otherErrors });
