/** The validated settings of one `run` (DESIGN §3.2). */
export interface RunConfig {
  input: string;
  /** @default 'out.jsonl' */
  output: string;
  promptFile?: string;
  model?: string;
  promptId?: string;
  promptVersion?: string;
  /** @default 'responses' */
  api: 'responses' | 'chat';
  baseUrl?: string;
  apiKey?: string;
  /** @default 4 */
  maxWorkers: number;
  /** @default 5 */
  maxRetries: number;
  /** Seconds. @default 120 */
  requestTimeout: number;
  resume: boolean;
  overwrite: boolean;
  dryRun: boolean;
  /** @default true */
  quotaMonitoring: boolean;
  /** @default 0.8 */
  quotaThreshold: number;
  dailyLimit?: number;
  /** Hours. @default 24 */
  pauseDuration: number;
  /** @default 100 */
  quotaLogInterval: number;
  /** @default 'wait' */
  onDailyLimit: 'wait' | 'exit';
  stateFile?: string;
  /** `--prices` file overriding the shipped price table (docs/costs.md). */
  prices?: string;
  enableDb: boolean;
  dbUrl?: string;
  /** @default 'store' */
  dbTarget: 'store' | 'catalog';
  testMode: boolean;
  simulate: boolean;
  metricsPort?: number;
  report?: string;
  logFile?: string;
  /** @default 'text' */
  logFormat: 'text' | 'json';
  verbose: boolean;
  quiet: boolean;
}
