export { readArtists } from './read-artists.js';
export { checkLooksLikeArtists, isPlausibleId, looksLikeUnnamedHeader } from './plausibility.js';
export type { ScanFigures } from './plausibility.js';
export { planInput, scanInput } from './scan-input.js';
export { readPlannedArtists } from './read-planned.js';
export { formatShard, inShard, MAX_SHARDS, parseShard, shardOf } from './shard.js';
export type { Shard } from './shard.js';
export { MAX_RECORD_BYTES } from './csv-rows.js';
export type { ColumnMap } from './columns.js';
export type { FileIdentity } from './csv-rows.js';
export type { StartPoint } from './csv-tokenizer.js';
export type {
  AlreadyDoneItem,
  InputItem,
  InputScan,
  PlanInputOptions,
  PlannedInput,
  ReadArtistsOptions,
  ReadItem,
  ReadPlannedOptions,
  RowErrorItem,
  RowErrorKind,
  SkipReason,
  ToDoPlan,
} from './types.js';
