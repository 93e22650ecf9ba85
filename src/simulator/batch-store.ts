/**
 * The simulator's batches: their state, OpenAI's `batch` object shape, and the records tests read
 * from `/__stats` (which batches were created, how often each `custom_id` was submitted).
 * How a batch moves through its statuses is in batch-processor.ts; see docs/batch.md.
 */
import { FileStore } from './files-api.js';

/** The statuses of OpenAI's batch object. */
export type BatchStatus =
  'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** One error in a batch's `errors.data`. */
export interface BatchErrorItem {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

/** One request line of an input file. */
export interface BatchInputLine {
  customId: string;
  /** The `body` of the line, handed to the generation logic. */
  body: unknown;
  /** Estimated input tokens, counted against the enqueued-token limit. */
  inputTokens: number;
}

/** A batch and its progress. */
export interface SimBatch {
  readonly id: string;
  readonly endpoint: string;
  readonly inputFileId: string;
  readonly completionWindow: string;
  readonly metadata: Record<string, string> | null;
  /** Unix seconds. */
  readonly createdAt: number;
  status: BatchStatus;
  lines: BatchInputLine[];
  /** Index of the next line to process. */
  next: number;
  /** Line index at which the batch expires; undefined when it runs to the end. */
  expireAtLine: number | undefined;
  outputLines: string[];
  errorLines: string[];
  completed: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  errors: BatchErrorItem[] | null;
  outputFileId: string | null;
  errorFileId: string | null;
  /** Unix seconds of each status change that happened. */
  times: Partial<
    Record<'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled', number>
  >;
}

/** One created batch as `/__stats` lists it. */
export interface BatchRecord {
  id: string;
  inputFileId: string;
  status: BatchStatus;
  total: number;
  completed: number;
  failed: number;
  /** The error code the batch failed with (`token_limit_exceeded`, …), if it failed. */
  failureCode: string | null;
}

/** Batch and Files API counters in `/__stats`. */
export interface BatchStatsSnapshot {
  /** Files uploaded with any purpose. */
  filesUploaded: number;
  /** Every batch created, in creation order. */
  batches: BatchRecord[];
  /** Batches that passed validation, per input file id (more than 1 = the same work run twice). */
  startedPerInputFile: Record<string, number>;
  /** Times each `custom_id` entered processing in a batch that passed validation. */
  submittedPerCustomId: Record<string, number>;
  /** Batch creations refused by the enqueued-token limit. */
  tokenLimitRejections: number;
}

/** Files, batches and their counters for one simulator. */
export class BatchState {
  readonly files = new FileStore();
  readonly batches = new Map<string, SimBatch>();
  filesUploaded = 0;
  tokenLimitRejections = 0;
  /** How many batches have started processing (drives `batchExpireCount`). */
  started = 0;
  readonly startedPerInputFile = new Map<string, number>();
  readonly submittedPerCustomId = new Map<string, number>();

  /** Forgets everything. */
  reset(): void {
    this.files.clear();
    this.batches.clear();
    this.filesUploaded = 0;
    this.tokenLimitRejections = 0;
    this.started = 0;
    this.startedPerInputFile.clear();
    this.submittedPerCustomId.clear();
  }

  /** Input tokens of the batches that are queued or running, `except` one. */
  enqueuedTokens(except: SimBatch): number {
    let total = 0;
    for (const batch of this.batches.values()) {
      if (batch === except) continue;
      if (batch.status === 'in_progress' || batch.status === 'finalizing' || batch.status === 'cancelling') {
        for (let i = batch.next; i < batch.lines.length; i++) total += batch.lines[i]?.inputTokens ?? 0;
      }
    }
    return total;
  }

  /** The counters as `/__stats` shows them. */
  snapshot(): BatchStatsSnapshot {
    return {
      filesUploaded: this.filesUploaded,
      batches: [...this.batches.values()].map((batch) => ({
        id: batch.id,
        inputFileId: batch.inputFileId,
        status: batch.status,
        total: batch.lines.length,
        completed: batch.completed,
        failed: batch.failed,
        failureCode: batch.status === 'failed' ? (batch.errors?.[0]?.code ?? null) : null,
      })),
      startedPerInputFile: Object.fromEntries(this.startedPerInputFile),
      submittedPerCustomId: Object.fromEntries(this.submittedPerCustomId),
      tokenLimitRejections: this.tokenLimitRejections,
    };
  }
}

/** OpenAI's `batch` object. */
export function batchObject(batch: SimBatch, model: string): Record<string, unknown> {
  const t = batch.times;
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    model,
    errors: batch.errors === null ? null : { object: 'list', data: batch.errors },
    input_file_id: batch.inputFileId,
    completion_window: batch.completionWindow,
    status: batch.status,
    output_file_id: batch.outputFileId,
    error_file_id: batch.errorFileId,
    created_at: batch.createdAt,
    in_progress_at: t.in_progress ?? null,
    expires_at: batch.createdAt + 24 * 3600,
    finalizing_at: t.finalizing ?? null,
    completed_at: t.completed ?? null,
    failed_at: t.failed ?? null,
    expired_at: t.expired ?? null,
    cancelling_at: t.cancelling ?? null,
    cancelled_at: t.cancelled ?? null,
    request_counts: { total: batch.lines.length, completed: batch.completed, failed: batch.failed },
    usage: {
      input_tokens: batch.inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: batch.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: batch.inputTokens + batch.outputTokens,
    },
    metadata: batch.metadata,
  };
}
