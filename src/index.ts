/**
 * artist-bio-gen as a library: the runner and its parts, the quota gate, the simulator, and the
 * shared types. The CLI (`bin/artist-bio-gen`) is one composition of these.
 */
// Test doubles (ManualClock, the scaled clock) are exported from 'artist-bio-gen/testing' (src/testing.ts).
export { systemClock, type Clock } from './core/clock.js';
export * from './core/errors.js';
export * from './core/events.js';
export { redactRecord, scrubSecrets } from './core/redact.js';
export type * from './core/gate.js';
export type * from './core/types.js';
export { resolveRunConfig, redactConfig, runFields, type RunConfig, type ConfigLayers } from './config/index.js';
export { planInput, readArtists, readPlannedArtists, scanInput } from './input/index.js';
export {
  outputPaths,
  prepareOutput,
  openJsonlSink,
  openErrorSink,
  readJsonl,
  type JsonlSink,
  type LineHandle,
} from './output/index.js';
export {
  createRequestBuilder,
  loadTemplate,
  parseTemplate,
  renderTemplate,
  type PromptSource,
  type PromptTemplate,
  type RequestBuilder,
} from './prompt/index.js';
export { createOpenAIProvider, stripTrailingCitations, type ModelProvider } from './provider/index.js';
export {
  openQuotaGate,
  parseRateLimitHeaders,
  parseResetDuration,
  type QuotaGate,
  type QuotaGateOptions,
} from './quota/index.js';
export { Runner, type ResultSink, type RunnerDeps, type RunnerOptions, type RunOutcome } from './pipeline/index.js';
export {
  openBioStore,
  createDbWriter,
  syncJsonlToDb,
  exportSql,
  type BioStore,
  type StoreOptions,
} from './store/index.js';
export {
  createRunRecorder,
  renderReportJson,
  renderReportMarkdown,
  writeReport,
  validateOutput,
  type RunReport,
} from './report/index.js';
export { startSimulator, type SimulatorHandle, type SimulatorOptions, type SimulatorStats } from './simulator/index.js';
export { createLogger, attachLogRenderer } from './telemetry/index.js';
export { startMetricsServer } from './telemetry/metrics.js';
