export { runFields, type FieldSpec, type RunFieldName, type SettingSource } from './fields.js';
export { resolveRunConfig, type ConfigLayers, type ConfigSources } from './resolve.js';
export type { RunConfig } from './run-config.js';
export { redactConfig } from './redact.js';
export { secretMaskFor, secretValues } from './secrets.js';
