export { readArtists, scanInput } from './read-artists.js';
export { MAX_RECORD_BYTES } from './csv-rows.js';
export type {
  AlreadyDoneItem,
  InputItem,
  InputScan,
  ReadArtistsOptions,
  ReadItem,
  RowErrorKind,
  SkipReason,
} from './types.js';
