/**
 * The `simulate` subcommand's composition: its options, starting the simulator, and stopping it
 * on a signal. Flags are in simulate-flags.ts, printed text in simulate-text.ts.
 */
import { Command } from 'commander';
import { numericFlag } from '../config/index.js';
import { UsageError } from '../core/errors.js';
import type { SimulatorHandle } from '../simulator/index.js';
import { simulatorOptionsFromFlags, type SimulateFlags } from './simulate-flags.js';
import { SIMULATE_EXAMPLES, simulatorBanner, simulatorSummary } from './simulate-text.js';

/** What `simulate` needs from its surroundings; tests and embedders pass their own. */
export interface SimulateCommandIo {
  /** Receives the banner and the closing summary. @default writes to process.stderr */
  stderr?: (text: string) => void;
  /** Stops the server when aborted, besides SIGINT/SIGTERM. @default none */
  signal?: AbortSignal;
  /** Called once the server listens. @default none */
  onListening?: (handle: SimulatorHandle) => void;
}

const int = (flag: string, min: number, max: number) => numericFlag(flag, { min, max, integer: true });
const share = (flag: string) => numericFlag(flag, { min: 0, max: 1 });

function collect(value: string, previous: string[] | undefined): string[] {
  if (value.trim() === '') throw new UsageError('Invalid --api-key "": expected a non-empty key');
  return [...(previous ?? []), value.trim()];
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
    .addHelpText('after', SIMULATE_EXAMPLES)
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
