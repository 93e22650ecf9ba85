export { Runner, type RunnerDeps, type RunnerOptions, type RunOutcome, type StopReason } from './runner.js';
export type { ResultSink } from './result-sink.js';
export { failureRecord, successRecord } from './records.js';
