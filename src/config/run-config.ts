import type { ConfigOf } from './fields.js';
import type { runFields } from './fields.js';

/**
 * The validated settings of one `run`, generated from the settings table (`runFields` in
 * ./fields.ts holds each setting's meaning, range and default; docs/architecture.md#settings).
 */
export type RunConfig = ConfigOf<typeof runFields>;
