import { Command } from 'commander';
import { numericFlag } from '../config/index.js';
import { UsageError } from '../core/errors.js';
import type { SimulatorHandle, SimulatorOptions, SimulatorStats } from '../simulator/index.js';

/** What `simulate` needs from its surroundings; tests and embedders pass their own. */
export interface SimulateCommandIo {
  /** Receives the banner and the closing summary. @default writes to process.stderr */
  stderr?: (text: string) => void;
  /** Stops the server when aborted, besides SIGINT/SIGTERM. @default none */
  signal?: AbortSignal;
  /** Called once the server listens. @default none */
  onListening?: (handle: SimulatorHandle) => void;
}

/** The parsed flags of `simulate` (commander camel-cases the names). */
export interface SimulateFlags {
  host: string;
  port: number;
  rpm?: number;
  tpm?: number;
  rpd?: number;
  burstRequests?: number;
  burstTokens?: number;
  perSecond?: boolean;
  chargeRejected: boolean;
  latencyMs: number;
  latencyJitterMs: number;
  seed: number;
  errorRate: number;
  timeoutRate: number;
  malformedRate: number;
  incompleteRate: number;
  overloadedRate: number;
  insufficientQuotaAfter?: number;
  apiKey?: string[];
  model: string;
  scriptedRetryAfterMs: number;
  retryAfter: boolean;
  retryAfterMs?: boolean;
  rateLimitHeaders: boolean;
  batchLinesPerPoll: number;
  batchExpireCount: number;
  batchExpireShare: number;
  batchQueueTokens?: number;
  flexUnavailableRate: number;
}

const int = (flag: string, min: number, max: number) => numericFlag(flag, { min, max, integer: true });
const share = (flag: string) => numericFlag(flag, { min: 0, max: 1 });

function collect(value: string, previous: string[] | undefined): string[] {
  if (value.trim() === '') throw new UsageError('Invalid --api-key "": expected a non-empty key');
  return [...(previous ?? []), value.trim()];
}

const EXAMPLES = `
Scripted faults: put a token in an artist's name or data and that artist gets it:
  FAIL500xN  FAIL503xN  FAIL429xN  TIMEOUTxN  MALFORMEDxN  INCOMPLETExN  EMPTYxN   (first N requests)
  FAIL400  TOOLARGE  QUOTA                                                        (every request)

Endpoints: POST /v1/responses, POST /v1/chat/completions, GET /v1/models,
           Files (POST/GET /v1/files, GET/DELETE /v1/files/{id}, GET /v1/files/{id}/content),
           Batches (POST/GET /v1/batches, GET /v1/batches/{id}, POST /v1/batches/{id}/cancel),
           GET /__stats (JSON counters), POST /__reset (full buckets, zero counters).
Batches advance when they are retrieved: --batch-lines-per-poll lines per GET /v1/batches/{id}.

Examples:
  # Tight limits and a few faults, on a fixed port
  $ artist-bio-gen simulate --port 8787 --rpm 60 --burst-requests 5 --tpm 40000 --error-rate 0.05

  # In another terminal, point the tool at it
  $ OPENAI_BASE_URL=http://127.0.0.1:8787/v1 OPENAI_API_KEY=sk-sim artist-bio-gen run --input artists.csv
`;

/** Turns the parsed flags into simulator options, checking what no single flag can. */
export function simulatorOptionsFromFlags(flags: SimulateFlags): SimulatorOptions {
  const faultShare =
    flags.errorRate + flags.timeoutRate + flags.malformedRate + flags.incompleteRate + flags.overloadedRate;
  if (faultShare > 1 + 1e-9) {
    throw new UsageError(
      `Invalid fault rates: --error-rate, --timeout-rate, --malformed-rate, --incomplete-rate and --overloaded-rate add up to ${faultShare}, expected at most 1`,
    );
  }
  if (flags.burstRequests !== undefined && flags.rpm === undefined) {
    throw new UsageError('Invalid --burst-requests: it sizes the --rpm bucket, so give --rpm too');
  }
  if (flags.burstTokens !== undefined && flags.tpm === undefined) {
    throw new UsageError('Invalid --burst-tokens: it sizes the --tpm bucket, so give --tpm too');
  }
  return {
    host: flags.host,
    port: flags.port,
    rpm: flags.rpm,
    tpm: flags.tpm,
    rpd: flags.rpd,
    burstRequests: flags.burstRequests,
    burstTokens: flags.burstTokens,
    perSecond: flags.perSecond === true,
    chargeRejected: flags.chargeRejected,
    latencyMs: flags.latencyMs,
    latencyJitterMs: flags.latencyJitterMs,
    seed: flags.seed,
    errorRate5xx: flags.errorRate,
    timeoutRate: flags.timeoutRate,
    malformedRate: flags.malformedRate,
    incompleteRate: flags.incompleteRate,
    overloadedRate: flags.overloadedRate,
    insufficientQuotaAfter: flags.insufficientQuotaAfter,
    apiKeys: flags.apiKey,
    model: flags.model,
    scriptedRetryAfterMs: flags.scriptedRetryAfterMs,
    sendRetryAfter: flags.retryAfter,
    sendRetryAfterMs: flags.retryAfterMs === true,
    sendRateLimitHeaders: flags.rateLimitHeaders,
    batchLinesPerPoll: flags.batchLinesPerPoll,
    batchExpireCount: flags.batchExpireCount,
    batchExpireShare: flags.batchExpireShare,
    batchQueueTokens: flags.batchQueueTokens,
    flexUnavailableRate: flags.flexUnavailableRate,
  };
}

function percent(value: number): string {
  return `${Math.round(value * 1000) / 10}%`;
}

function limitText(name: string, perWindow: number | undefined, burst: number | undefined): string {
  if (perWindow === undefined) return `${name} unlimited`;
  return burst === undefined || burst === perWindow ? `${perWindow} ${name}` : `${perWindow} ${name} (burst ${burst})`;
}

/** The start-up banner: where it listens, what it enforces, and how to use it. */
export function simulatorBanner(url: string, flags: SimulateFlags): string {
  const origin = url.replace(/\/v1$/, '');
  const faults = [
    flags.errorRate > 0 ? `${percent(flags.errorRate)} 500s` : '',
    flags.overloadedRate > 0 ? `${percent(flags.overloadedRate)} 503 overloaded` : '',
    flags.timeoutRate > 0 ? `${percent(flags.timeoutRate)} hangs` : '',
    flags.malformedRate > 0 ? `${percent(flags.malformedRate)} malformed bodies` : '',
    flags.incompleteRate > 0 ? `${percent(flags.incompleteRate)} incomplete answers` : '',
    flags.insufficientQuotaAfter === undefined
      ? ''
      : `insufficient_quota after ${flags.insufficientQuotaAfter} requests`,
    (flags.flexUnavailableRate ?? 0) > 0 ? `${percent(flags.flexUnavailableRate)} flex resource_unavailable` : '',
  ].filter((text) => text !== '');
  const onOff = (on: boolean) => (on ? 'on' : 'off');
  const latency =
    flags.latencyMs === 0 && flags.latencyJitterMs === 0
      ? 'none'
      : `${flags.latencyMs} ms${flags.latencyJitterMs > 0 ? ` ± ${flags.latencyJitterMs} ms` : ''}`;
  const key = flags.apiKey?.[0] ?? 'sk-sim';
  return [
    `OpenAI-compatible simulator listening on ${url}`,
    `  limits:  ${limitText('RPM', flags.rpm, flags.burstRequests)}, ${limitText('TPM', flags.tpm, flags.burstTokens)}, ${limitText('RPD', flags.rpd, undefined)}${flags.perSecond === true ? ' (enforced per second)' : ''}${flags.chargeRejected ? '; 429s count against the request window' : ''}`,
    `  latency: ${latency}`,
    `  faults:  ${faults.length === 0 ? 'none' : faults.join(', ')} (seed ${flags.seed}; scripted tokens always active)`,
    `  headers: retry-after ${onOff(flags.retryAfter)}, retry-after-ms ${onOff(flags.retryAfterMs === true)}, x-ratelimit-* ${onOff(flags.rateLimitHeaders)}`,
    `  auth:    ${flags.apiKey === undefined ? 'any non-empty bearer key' : `${flags.apiKey.length} accepted key(s)`}`,
    `  stats:   GET ${origin}/__stats   reset: POST ${origin}/__reset`,
    '',
    'Point the tool at it:',
    `  OPENAI_BASE_URL=${url} OPENAI_API_KEY=${flags.apiKey === undefined ? key : '<one of the --api-key values>'} artist-bio-gen run --input artists.csv`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

/** One line of totals printed when the simulator stops. */
export function simulatorSummary(stats: SimulatorStats, uptimeMs: number): string {
  const statuses = Object.entries(stats.byStatus)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  const seconds = Math.max(uptimeMs / 1000, 0.001);
  return (
    `Simulator stopped after ${seconds.toFixed(1)}s: ${stats.requests} requests` +
    `${statuses === '' ? '' : ` (${statuses})`}, ${stats.rateLimited} rate-limited, ${stats.earlyRetries} early retries, ` +
    `peak ${stats.peakInFlight} in flight, ${(stats.requests / seconds).toFixed(1)} req/s\n`
  );
}

/** Resolves on SIGINT, SIGTERM or when `signal` aborts; removes its listeners afterwards. */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}

/**
 * The `simulate` subcommand: serves an OpenAI-compatible API with rate limits and faults until
 * SIGINT/SIGTERM, then closes and prints a one-line summary. Bad flag values reject with
 * `UsageError`; the action never calls `process.exit`.
 */
export function simulateCommand(io: SimulateCommandIo = {}): Command {
  const write = io.stderr ?? ((text: string) => void process.stderr.write(text));
  return new Command('simulate')
    .description('Serve an OpenAI-compatible API on loopback with real rate limits and fault injection')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'TCP port, 0 = any free port', int('--port', 0, 65_535), 0)
    .option('--rpm <n>', 'requests per minute (default: unlimited)', int('--rpm', 1, 100_000_000))
    .option('--tpm <n>', 'tokens per minute (default: unlimited)', int('--tpm', 1, 10_000_000_000))
    .option('--rpd <n>', 'requests per day (default: unlimited)', int('--rpd', 1, 1_000_000_000))
    .option(
      '--burst-requests <n>',
      'request bucket size (default: the full --rpm)',
      int('--burst-requests', 1, 100_000_000),
    )
    .option(
      '--burst-tokens <n>',
      'token bucket size (default: the full --tpm)',
      int('--burst-tokens', 1, 10_000_000_000),
    )
    .option('--per-second', 'enforce --rpm and --tpm per second (buckets of a sixtieth), as OpenAI may')
    .option('--no-charge-rejected', 'do not count rate-limited requests against the request window')
    .option(
      '--latency-ms <ms>',
      'mean added latency per admitted request',
      numericFlag('--latency-ms', { min: 0, max: 600_000 }),
      0,
    )
    .option(
      '--latency-jitter-ms <ms>',
      'uniform latency jitter, ± ms',
      numericFlag('--latency-jitter-ms', { min: 0, max: 600_000 }),
      0,
    )
    .option('--seed <n>', 'PRNG seed for random faults and jitter', int('--seed', 0, 4_294_967_295), 1)
    .option('--error-rate <x>', 'share of requests answered 500 server_error, 0-1', share('--error-rate'), 0)
    .option('--timeout-rate <x>', 'share of requests that hang unanswered, 0-1', share('--timeout-rate'), 0)
    .option('--malformed-rate <x>', 'share answered 200 with a truncated JSON body, 0-1', share('--malformed-rate'), 0)
    .option('--incomplete-rate <x>', 'share answered 200 with status "incomplete", 0-1', share('--incomplete-rate'), 0)
    .option('--overloaded-rate <x>', 'share answered 503 server_is_overloaded, 0-1', share('--overloaded-rate'), 0)
    .option(
      '--insufficient-quota-after <n>',
      'serve N requests, then answer 429 insufficient_quota',
      int('--insufficient-quota-after', 0, 1_000_000_000),
    )
    .option('--api-key <key>', 'accepted API key, repeatable (default: any non-empty key)', collect)
    .option('--model <name>', 'model named in answers to requests without one', 'gpt-4o-mini')
    .option(
      '--scripted-retry-after-ms <ms>',
      'wait announced by the FAIL429xN scripted fault',
      int('--scripted-retry-after-ms', 0, 3_600_000),
      1000,
    )
    .option('--no-retry-after', 'omit the retry-after header on rate-limit 429s')
    .option('--retry-after-ms', 'also send retry-after-ms on rate-limit 429s (OpenAI sends it only sometimes)')
    .option('--no-rate-limit-headers', 'omit the x-ratelimit-* headers (some real 429s lack them)')
    .option(
      '--batch-lines-per-poll <n>',
      'batch lines answered each time a batch is retrieved',
      int('--batch-lines-per-poll', 1, 1_000_000),
      1000,
    )
    .option(
      '--batch-expire-count <n>',
      'the first N batches to start expire part-way',
      int('--batch-expire-count', 0, 1_000_000),
      0,
    )
    .option(
      '--batch-expire-share <x>',
      'share of an expiring batch answered before it expires, 0-1',
      share('--batch-expire-share'),
      0.5,
    )
    .option(
      '--batch-queue-tokens <n>',
      'enqueued input-token limit of the batch queue (default: unlimited)',
      int('--batch-queue-tokens', 1, 1_000_000_000_000),
    )
    .option(
      '--flex-unavailable-rate <x>',
      'share of service_tier "flex" requests answered 429 resource_unavailable, 0-1',
      share('--flex-unavailable-rate'),
      0,
    )
    .addHelpText('after', EXAMPLES)
    .action(async (_options: unknown, command: Command) => {
      const flags = command.opts<SimulateFlags>();
      const options = simulatorOptionsFromFlags(flags);
      const startedAt = Date.now();
      let handle: SimulatorHandle;
      try {
        const { startSimulator } = await import('../simulator/index.js');
        handle = await startSimulator(options);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') {
          throw new UsageError(`Invalid --port ${flags.port}: cannot listen on it (${code})`, { cause: error });
        }
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
          throw new UsageError(`Invalid --host "${flags.host}": no such local interface (${code})`, { cause: error });
        }
        throw error;
      }
      write(simulatorBanner(handle.url, flags));
      io.onListening?.(handle);
      await untilStopped(io.signal);
      await handle.close();
      write(simulatorSummary(handle.stats(), Date.now() - startedAt));
    });
}
