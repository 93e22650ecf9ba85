export { startSimulator } from './server.js';
export type { SimulatorHandle } from './server.js';
export type { SimulatorOptions } from './options.js';
export type { SimulatorStats, TimelineEntry } from './stats.js';
export { TIMELINE_LIMIT } from './stats.js';
export { formatResetDuration } from './reset-format.js';
