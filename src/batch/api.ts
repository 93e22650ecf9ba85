/**
 * The Files and Batches API calls batch mode makes, through the official SDK. An interface so
 * the orchestrator can be driven by any implementation. See docs/batch.md.
 */
import OpenAI, { toFile } from 'openai';

/** The fields of a batch object batch mode reads. */
export interface BatchInfo {
  id: string;
  status: string;
  inputFileId: string;
  outputFileId: string | null;
  errorFileId: string | null;
  total: number;
  completed: number;
  failed: number;
  /** Codes of `errors.data`, e.g. `token_limit_exceeded`. */
  errorCodes: string[];
  errorMessage: string | null;
  metadata: Record<string, string>;
}

/** What batch mode needs from the API. */
export interface BatchApi {
  /** Uploads a JSONL input file with purpose `batch`; returns its id. */
  upload(name: string, content: string): Promise<string>;
  /** Creates a batch over an uploaded file. */
  create(inputFileId: string, endpoint: string, metadata: Record<string, string>): Promise<BatchInfo>;
  retrieve(batchId: string): Promise<BatchInfo>;
  cancel(batchId: string): Promise<BatchInfo>;
  /** Every batch of the account, newest first (used to re-attach after a crash). */
  list(): Promise<BatchInfo[]>;
  /** Text of an output or error file. */
  content(fileId: string): Promise<string>;
}

function toInfo(batch: OpenAI.Batches.Batch): BatchInfo {
  const errors = batch.errors?.data ?? [];
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(batch.metadata ?? {})) if (typeof value === 'string') metadata[key] = value;
  return {
    id: batch.id,
    status: batch.status,
    inputFileId: batch.input_file_id,
    outputFileId: batch.output_file_id ?? null,
    errorFileId: batch.error_file_id ?? null,
    total: batch.request_counts?.total ?? 0,
    completed: batch.request_counts?.completed ?? 0,
    failed: batch.request_counts?.failed ?? 0,
    errorCodes: errors.map((e) => e.code ?? '').filter((code) => code !== ''),
    errorMessage: errors[0]?.message ?? null,
    metadata,
  };
}

/** Options of {@link createOpenAIBatchApi}. */
export interface OpenAIBatchApiOptions {
  apiKey: string;
  /** @default the SDK's (OpenAI) */
  baseURL?: string | undefined;
  /** Retries of each call by the SDK (these calls are idempotent reads or guarded by the job state). @default 3 */
  maxRetries?: number;
}

/** A {@link BatchApi} over the official SDK. */
export function createOpenAIBatchApi(options: OpenAIBatchApiOptions): BatchApi {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL ?? null,
    maxRetries: options.maxRetries ?? 3,
  });
  return {
    async upload(name, content) {
      const file = await client.files.create({ file: await toFile(Buffer.from(content), name), purpose: 'batch' });
      return file.id;
    },
    async create(inputFileId, endpoint, metadata) {
      const batch = await client.batches.create({
        input_file_id: inputFileId,
        endpoint: endpoint as '/v1/responses',
        completion_window: '24h',
        metadata,
      });
      return toInfo(batch);
    },
    async retrieve(batchId) {
      return toInfo(await client.batches.retrieve(batchId));
    },
    async cancel(batchId) {
      return toInfo(await client.batches.cancel(batchId));
    },
    async list() {
      const all: BatchInfo[] = [];
      for await (const batch of client.batches.list({ limit: 100 })) all.push(toInfo(batch));
      return all;
    },
    async content(fileId) {
      return (await client.files.content(fileId)).text();
    },
  };
}
