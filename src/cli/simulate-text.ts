/**
 * What `simulate` prints: the help examples, the start-up banner and the closing summary.
 */
import type { SimulatorStats } from '../simulator/index.js';
import type { SimulateFlags } from './simulate-flags.js';

/** Help text shown after the options: scripted faults, endpoints and examples. */
export const SIMULATE_EXAMPLES = `
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
