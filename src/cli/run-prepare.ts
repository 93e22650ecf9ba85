import { ConfigError, ExitCode, InputError } from '../core/errors.js';
import type { DisposalStack } from '../core/disposal.js';
import {
  acquireOutputLock,
  outputPaths,
  prepareOutput,
  type OutputPaths,
  type PreparedOutput,
} from '../output/index.js';
import {
  byteBoundCounter,
  createPricer,
  loadCounter,
  loadPriceTable,
  measuringBuilder,
  type MeasuringBuilder,
  type Pricer,
} from '../cost/index.js';
import { checkLooksLikeArtists, parseShard } from '../input/index.js';
import { createRequestBuilder, type RequestBuilder } from '../prompt/index.js';
import { scanRunInput, type RunInputScan } from './input-scan.js';
import type { RunContext } from './run-context.js';
import { dryRunPayloads, dryRunText, promptSource } from './run-prompt.js';
import { dryRunOutput, estimateDryRun } from './dry-run-estimate.js';
import { redoStale } from './run-redo-stale.js';
import { SIMULATE_PROFILE } from './simulate-profile.js';

/** What the prepare phase found out: the work to do and where its results go. */
export interface RunPlan {
  paths: OutputPaths;
  builder: MeasuringBuilder;
  /** Prices usage into `cost_usd` (see docs/costs.md). */
  pricer: Pricer;
  scan: RunInputScan;
  /** The continued output when `--resume` (its done ids are skipped). */
  resumed: PreparedOutput | undefined;
}

/**
 * Takes the output lock (released by `stack`) for `paths.output`: only one run may append to an
 * output at a time.
 */
export function lockOutput(ctx: RunContext, stack: DisposalStack, paths: OutputPaths): void {
  const lock = acquireOutputLock(paths.lock, paths.output, (message) => ctx.events.log('warn', message));
  stack.defer(() => lock.release(), 'output lock');
}

// The dry run's stdout: the first request bodies and the estimate of the whole job (docs/costs.md#the-estimate).
async function printDryRun(
  ctx: RunContext,
  builder: RequestBuilder,
  pricer: Pricer,
  scan: RunInputScan,
  paths: OutputPaths,
): Promise<void> {
  const { config, events } = ctx;
  const estimate = await estimateDryRun(config, {
    builder,
    pricer,
    scan,
    paths,
    events,
    env: ctx.deps.env,
    now: ctx.clock.now(),
    simulatedLimits: { requestsPerMinute: SIMULATE_PROFILE.rpm, tokensPerMinute: SIMULATE_PROFILE.tpm },
  });
  const preview = dryRunText(builder, scan.preview, scan.valid);
  ctx.deps.stdout.write(
    dryRunOutput(estimate, preview, dryRunPayloads(builder, scan.preview), config.logFormat === 'json'),
  );
}

/**
 * Phase 1 of a run: prompt, resume index and one pass over the input. Sends nothing and writes
 * nothing but the lock and the repair of a resumed output. Returns the exit code instead of a
 * plan when there is nothing more to do (dry run).
 */
export async function prepareRun(ctx: RunContext, stack: DisposalStack): Promise<RunPlan | number> {
  const { config, events } = ctx;
  const paths = outputPaths(config.output);
  const baseBuilder = createRequestBuilder(await promptSource(config, events), config.api);
  for (const notice of baseBuilder.notices) events.log('warn', notice);
  // Exact token counts only where a dollar limit depends on them; elsewhere a byte count is a safe
  // upper bound for the ledger's reservations that spares loading the tokenizer (docs/costs.md).
  const exactTokens = config.maxCost !== undefined || config.dailyCostLimit !== undefined;
  const builder = measuringBuilder(baseBuilder, exactTokens ? await loadCounter(config.model ?? '') : byteBoundCounter);
  const pricer = createPricer(await loadPriceTable(config.prices), 'standard', (m) => events.log('warn', m));

  // Resume needs the output's index before the input pass; a fresh output is only touched once
  // the input has proved readable, so a typo in --input never costs an existing file.
  let resumed: PreparedOutput | undefined;
  if (config.resume && !config.dryRun) {
    lockOutput(ctx, stack, paths);
    resumed = await prepareOutput(paths.output, {
      resume: true,
      overwrite: false,
      currentFingerprint: config.redoStale ? builder.fingerprint : undefined,
    });
    if (config.redoStale) redoStale(ctx, stack, paths.output, builder.fingerprint, resumed);
    if (resumed.repairedBytes > 0)
      events.emit('output:repaired', { path: paths.output, bytesRemoved: resumed.repairedBytes });
    // A --redo-stale run appends replacements after the lines they supersede; those are not damage.
    if (config.redoStale) resumed.duplicateLines = 0;
    if (resumed.invalidLines > 0 || resumed.duplicateLines > 0)
      events.emit('output:damaged', {
        path: paths.output,
        invalidLines: resumed.invalidLines,
        invalidLineNumbers: resumed.invalidLineNumbers,
        duplicateLines: resumed.duplicateLines,
        duplicateLineNumbers: resumed.duplicateLineNumbers,
      });
  }
  const shard = config.shard === undefined ? undefined : parseShard(config.shard);
  const scan = await scanRunInput(config.input, resumed?.doneIds, events, 5, shard);
  if (!config.force) checkLooksLikeArtists(config.input, scan);
  if (scan.valid === 0 && scan.alreadyDone === 0) {
    throw new InputError(
      `No valid artist found in ${config.input} (${scan.errors} invalid rows, ${scan.skipped} skipped lines)`,
    );
  }
  if (config.dryRun) {
    await printDryRun(ctx, baseBuilder, pricer, scan, paths);
    return ExitCode.ok;
  }
  if (!config.simulate && config.apiKey === undefined) {
    throw new ConfigError(
      'Missing API key: set OPENAI_API_KEY (environment or .env) or pass --api-key. To rehearse without one, add --simulate.',
    );
  }
  return { paths, builder, pricer, scan, resumed };
}
