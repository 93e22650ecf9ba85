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
export { renderReportHtml, renderCharts } from './render-html.js';
export { reportFromFiles, type FileView, type RecentArtist } from './from-files.js';
export { dashboardStateFromFiles, type FileDashboardInputs } from './dashboard-view.js';
export { Timeline, observeTimeline, type TimelineData, type TimelineBucket, type TimelinePause } from './timeline.js';
export { summaryLines } from './summary-lines.js';
export { formatNumber } from './format.js';
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
export { formatRepair, repairOutput, type RejectReason, type RepairResult } from './repair-output.js';
export type {
  CheckStatus,
  LatencyFigures,
  MetricCheck,
  MetricCheckId,
  PauseAccuracyEntry,
  QuotaEventEntry,
  RunReport,
} from './types.js';
