import { Command } from 'commander';
import type { BatchApi, BatchInfo } from '../batch/index.js';
import { ConfigError, UsageError } from '../core/errors.js';

/** What `batch` needs from its surroundings; tests and embedders pass their own. */
export interface BatchCommandIo {
  /** Tables and results. @default process.stdout */
  stdout?: (text: string) => void;
  /** Environment for `OPENAI_API_KEY` and `OPENAI_BASE_URL`. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The API to talk to. @default the official SDK with the key and base URL from the flags or environment */
  api?: BatchApi;
}

interface BatchFlags {
  output: string;
  apiKey?: string;
  baseUrl?: string;
}

const ACTIVE = new Set(['validating', 'in_progress', 'finalizing', 'cancelling']);

async function apiFor(flags: BatchFlags, io: BatchCommandIo): Promise<BatchApi> {
  if (io.api !== undefined) return io.api;
  const env = io.env ?? process.env;
  const apiKey = flags.apiKey ?? env['OPENAI_API_KEY'];
  if (apiKey === undefined || apiKey.trim() === '') {
    throw new ConfigError('Missing API key: set OPENAI_API_KEY or pass --api-key');
  }
  const { createOpenAIBatchApi } = await import('../batch/index.js');
  return createOpenAIBatchApi({ apiKey, baseURL: flags.baseUrl ?? env['OPENAI_BASE_URL'] });
}

// The batch layer (and the SDK behind it) loads only when a batch command runs.
async function stateOf(output: string) {
  const { jobStatePath, loadJobState } = await import('../batch/index.js');
  const path = jobStatePath(output);
  const state = loadJobState(path);
  if (state === undefined) throw new UsageError(`No batch job next to ${output} (expected ${path})`);
  return { path, state };
}

function row(name: string, info: BatchInfo | undefined, fallback: string): string {
  if (info === undefined) return `${name}  ${fallback}`;
  return `${name}  ${info.id}  ${info.status.padEnd(11)} ${info.completed} completed, ${info.failed} failed of ${info.total}`;
}

function common(command: Command): Command {
  return command
    .requiredOption('--output <file>', 'output JSONL of the batch job (its state is <output>.batches.json)')
    .option('--api-key <key>', 'API key (default: OPENAI_API_KEY); never printed')
    .option('--base-url <url>', 'API base URL (default: OPENAI_BASE_URL or OpenAI)');
}

/**
 * The `batch` command: `batch status` shows every part of a batch job with its batch's live
 * status; `batch cancel` cancels the job's batches that are still running (a later
 * `run --resume` keeps what they finished and submits the rest). See docs/batch.md.
 */
export function batchCommand(io: BatchCommandIo = {}): Command {
  const write = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const status = common(new Command('status'))
    .description("show the job's parts and the live status of their batches")
    .action(async (flags: BatchFlags) => {
      const { path, state } = await stateOf(flags.output);
      const api = await apiFor(flags, io);
      const lines = [`Batch job ${path} (${state.endpoint}), ${state.parts.length} part(s):`];
      for (const part of state.parts) {
        const info = part.batchId === null ? undefined : await api.retrieve(part.batchId);
        const local =
          part.status === 'done'
            ? `collected (${part.endStatus ?? '?'}): ${part.succeeded} written, ${part.failed} failed, ${part.resubmitted} resubmitted`
            : `${part.status}, ${part.customIds.length} requests`;
        lines.push(
          `  ${row(part.name, info, local)}${info !== undefined && part.status === 'done' ? '  (collected)' : ''}`,
        );
      }
      write(`${lines.join('\n')}\n`);
    });
  const cancel = common(new Command('cancel'))
    .description("cancel the job's batches that are still running")
    .action(async (flags: BatchFlags) => {
      const { state } = await stateOf(flags.output);
      const api = await apiFor(flags, io);
      let cancelled = 0;
      for (const part of state.parts) {
        if (part.status !== 'submitted' || part.batchId === null) continue;
        const info = await api.retrieve(part.batchId);
        if (!ACTIVE.has(info.status) || info.status === 'cancelling') continue;
        const after = await api.cancel(part.batchId);
        cancelled++;
        write(`${part.name}  ${after.id}  ${after.status}\n`);
      }
      write(
        cancelled === 0
          ? 'No running batch to cancel.\n'
          : `Cancelled ${cancelled} batch(es). Run again with --resume to keep what they finished and submit the rest.\n`,
      );
    });
  return new Command('batch')
    .description('Inspect or cancel the batches of a --mode batch job')
    .addCommand(status)
    .addCommand(cancel);
}
