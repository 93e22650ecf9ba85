export {
  createRunRecorder,
  type FinishExtra,
  type LiveFigures,
  type RunRecorder,
  type RunRecorderOptions,
  type SummaryExtra,
} from './recorder.js';
export { renderReportJson, reportFormatFor, writeReport, type ReportFormat } from './write.js';
export { renderReportMarkdown } from './render-markdown.js';
export { summaryLines } from './summary-lines.js';
export { TARGETS } from './checks.js';
export {
  validateOutput,
  type InputComparison,
  type ValidateOptions,
  type ValidationIssue,
  type ValidationIssueKind,
  type ValidationResult,
} from './validate.js';
export { formatValidation, type FormatValidationOptions } from './validate-format.js';
export type {
  CheckStatus,
  LatencyFigures,
  MetricCheck,
  MetricCheckId,
  PauseAccuracyEntry,
  QuotaEventEntry,
  RunReport,
} from './types.js';
