export { runFields, type ConfigOf, type FieldSpec, type RunFieldName, type SettingSource } from './fields.js';
export { resolveRunConfig, type ConfigLayers, type ConfigSources } from './resolve.js';
export type { RunConfig } from './run-config.js';
export { redactConfig, secretFieldNames } from './redact.js';
export { checkNumber, describeRange, numericFlag, type NumericRange } from './numeric.js';
export { secretMaskFor, secretValues } from './secrets.js';
