export {
  createLogger,
  streamWriter,
  type LineWriter,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from './logger.js';
export { attachLogRenderer } from './log-renderer.js';
export { startProgress, type ProgressOptions } from './progress.js';
export { decimal, duration, megabytes, percent } from './format.js';
