import { redactConfig } from '../config/index.js';
import { DisposalStack } from '../core/disposal.js';
import type { Pricer } from '../cost/index.js';
import { createRunRecorder } from '../report/index.js';
import type { RunContext } from './run-context.js';
import { executeWork } from './run-execute.js';
import { finishRun } from './run-finish.js';
import { prepareRun } from './run-prepare.js';
import { openResources } from './run-resources.js';

export type { RunContext } from './run-context.js';

/**
 * Runs one `run` end to end and returns the exit code, in four phases: prepare (prompt, resume
 * index, input pass) → open resources (output, provider, gate, sinks, optional parts) → execute
 * (the workers) → finish (summary, report). Whatever was opened is released in reverse order by
 * one disposal stack, however the run ends; a release that fails only warns.
 */
export async function runPipeline(ctx: RunContext): Promise<number> {
  const { events } = ctx;
  const stack = new DisposalStack((label, error) =>
    events.log('warn', `Could not release the ${label}: ${error instanceof Error ? error.message : String(error)}`),
  );
  // Subscribed before anything is emitted, so input counts and every event are seen. The
  // recorder feeds the progress display, the end-of-run summary and the optional --report file.
  // The price table is read in the prepare phase; until then nothing is priced.
  let pricer: Pricer | undefined;
  const recorder = createRunRecorder(events, {
    clock: ctx.clock,
    config: redactConfig(ctx.config),
    billing: {
      mode: ctx.config.mode,
      standardCostOf: (usage, model) => pricer?.costOf(usage, model, 'standard') ?? null,
    },
  });
  stack.defer(() => recorder.stop(), 'run recorder');
  try {
    const plan = await prepareRun(ctx, stack);
    if (typeof plan === 'number') return plan;
    pricer = plan.pricer;
    const resources = await openResources(ctx, plan, stack, recorder);
    const { outcome, fatal } = await executeWork(ctx, plan, resources, recorder);
    return await finishRun({ ...ctx, recorder, paths: plan.paths, argv: ctx.deps.argv }, outcome, fatal);
  } finally {
    await stack.dispose();
  }
}
