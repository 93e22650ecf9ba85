import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { UsageError } from '../core/errors.js';
import type { RunEmitter } from '../core/events.js';
import type { GateSnapshot } from '../core/gate.js';

/** Prefix of every metric name. */
export const METRIC_PREFIX = 'artist_bio_gen_';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on. Metrics can reveal usage, so only loopback by default. @default '127.0.0.1' */
  host?: string;
  /** The run's events; counters follow them. */
  events: RunEmitter;
  /** Current gate state plus requests in flight; read on every scrape. */
  snapshot: () => GateSnapshot & { inFlight: number };
}

/** A running metrics endpoint. */
export interface MetricsServer {
  /** Full URL of the endpoint, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  /** Stops listening and unsubscribes from the run's events. Idempotent. */
  close(): Promise<void>;
}

/** Latency buckets in seconds: model calls take from a fraction of a second to minutes. */
const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];

/**
 * Builds the run's metrics on a private registry (never the global one, so several runs or tests
 * in one process stay apart). Returns the registry and a function that unsubscribes.
 */
export function createRunMetrics(
  events: RunEmitter,
  snapshot: MetricsServerOptions['snapshot'],
): { registry: Registry; detach: () => void } {
  const registry = new Registry();
  const registers = [registry];
  const name = (suffix: string): string => `${METRIC_PREFIX}${suffix}`;

  const artistsDone = new Counter({
    name: name('artists_done_total'),
    help: 'Artists whose bio was written',
    registers,
  });
  const artistsFailed = new Counter({
    name: name('artists_failed_total'),
    help: 'Artists that failed for good in this run, by error kind',
    labelNames: ['kind'],
    registers,
  });
  const requestsSent = new Counter({ name: name('requests_sent_total'), help: 'HTTP requests sent', registers });
  const requests = new Counter({
    name: name('requests_total'),
    help: 'Finished HTTP requests by status ("none" when no response arrived) and result',
    labelNames: ['status', 'result'],
    registers,
  });
  const rateLimited = new Counter({
    name: name('rate_limited_total'),
    help: '429 responses by kind (rate_limit, slow_down, quota)',
    labelNames: ['kind'],
    registers,
  });
  const retries = new Counter({
    name: name('retries_total'),
    help: 'Retries by error kind',
    labelNames: ['kind'],
    registers,
  });
  const pauses = new Counter({
    name: name('pauses_total'),
    help: 'Dispatch pauses by reason (threshold, daily_limit, rate_limit)',
    labelNames: ['reason'],
    registers,
  });
  const tokens = new Counter({
    name: name('tokens_total'),
    help: 'Tokens used, by type (input, output)',
    labelNames: ['type'],
    registers,
  });
  const cost = new Counter({
    name: name('cost_usd_total'),
    help: 'US dollars billed for the priced responses (docs/costs.md)',
    registers,
  });
  const latency = new Histogram({
    name: name('request_duration_seconds'),
    help: 'Duration of HTTP requests to the model API',
    labelNames: ['result'],
    buckets: LATENCY_BUCKETS,
    registers,
  });

  // Gauges read the gate on each scrape; unknown values are left out rather than shown as 0,
  // so an alert on "remaining < x" never fires for a limit nobody configured.
  const gauge = (suffix: string, help: string, read: (s: ReturnType<typeof snapshot>) => number | undefined): void => {
    new Gauge({
      name: name(suffix),
      help,
      registers,
      collect() {
        const value = read(snapshot());
        if (value === undefined) this.remove();
        else this.set(value);
      },
    });
  };
  gauge('resident_memory_bytes', 'Resident memory (RSS) of the process', () => process.memoryUsage.rss());
  gauge('in_flight_requests', 'Requests currently in flight', (s) => s.inFlight);
  gauge('paused', '1 while dispatching is paused, 0 while running', (s) => (s.pausedUntil === undefined ? 0 : 1));
  gauge('paused_until_seconds', 'Unix time dispatching resumes (absent while running)', (s) =>
    s.pausedUntil === undefined ? undefined : s.pausedUntil / 1000,
  );
  gauge('daily_requests_used', 'Requests counted against the daily budget today', (s) => s.usedToday);
  gauge('daily_requests_limit', 'Daily request budget (absent when none is set)', (s) => s.dailyLimit);
  gauge('daily_requests_remaining', 'Requests left in the daily budget (absent when none is set)', (s) =>
    s.dailyLimit === undefined ? undefined : Math.max(0, s.dailyLimit - s.usedToday),
  );
  gauge(
    'window_requests_remaining',
    'Requests left in the provider window (x-ratelimit-remaining-requests)',
    (s) => s.requestsRemaining,
  );
  gauge(
    'window_tokens_remaining',
    'Tokens left in the provider window (x-ratelimit-remaining-tokens)',
    (s) => s.tokensRemaining,
  );

  const offs = [
    events.on('artist:done', () => artistsDone.inc()),
    events.on('artist:failed', (e) => artistsFailed.inc({ kind: e.record.error_kind })),
    events.on('request:sent', () => requestsSent.inc()),
    events.on('request:done', (e) => {
      const result = e.ok ? 'ok' : 'error';
      requests.inc({ status: e.status === undefined ? 'none' : String(e.status), result });
      latency.observe({ result }, Math.max(0, e.durationMs) / 1000);
      if (e.status === 429) rateLimited.inc({ kind: e.kind ?? 'unknown' });
      if (e.usage !== undefined) {
        tokens.inc({ type: 'input' }, e.usage.input_tokens);
        tokens.inc({ type: 'output' }, e.usage.output_tokens);
      }
      if (typeof e.costUsd === 'number') cost.inc(e.costUsd);
    }),
    events.on('request:retry', (e) => retries.inc({ kind: e.kind })),
    events.on('quota:paused', (e) => pauses.inc({ reason: e.reason })),
  ];
  return {
    registry,
    detach: () => {
      for (const off of offs) off();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new UsageError(`Cannot serve metrics on ${host}:${port}: ${error.message}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Serves the run's Prometheus metrics at `GET /metrics` (text exposition format) while the run
 * lasts. Every name starts with `artist_bio_gen_`.
 * @throws UsageError when the port cannot be bound (in use, no permission)
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const { registry, detach } = createRunMetrics(options.events, options.snapshot);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(path === '/metrics' ? 405 : 404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(path === '/metrics' ? 'Method not allowed\n' : 'Not found: metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`Metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  });
  // Scrapes must not keep a finished run alive.
  server.unref();

  let address: AddressInfo;
  try {
    address = await listen(server, options.port, host);
  } catch (error) {
    detach();
    throw error;
  }
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}/metrics`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        detach();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
