/** Public shapes of the input reader (docs/architecture.md#input). */
import type { Artist } from '../core/types.js';
import type { ColumnMap } from './columns.js';
import type { FileIdentity } from './csv-rows.js';
import type { StartPoint } from './csv-tokenizer.js';

/** Why a row was skipped without being an error. */
export type SkipReason = 'blank' | 'comment' | 'header';

/**
 * Machine-readable class of a bad row; the human text is in `reason`.
 * - `too_few_columns`: the row has no artist_id or no artist_name column at all
 * - `missing_id` / `missing_name`: the column is there but empty
 * - `duplicate_id`: an earlier row already had this id (the first one wins)
 * - `unterminated_quote`: a quoted field opened on this line never closes; reading resumes on the next line
 * - `too_large`: the row grew past the size limit (a quote left open); reading resumes on its next line
 */
export type RowErrorKind =
  'too_few_columns' | 'missing_id' | 'missing_name' | 'duplicate_id' | 'unterminated_quote' | 'too_large' | 'nul_byte';

/** One classified row of the input file. `line` is the 1-based physical line where the row starts. */
export type InputItem =
  | { type: 'artist'; artist: Artist }
  | { type: 'skip'; line: number; reason: SkipReason }
  | { type: 'error'; line: number; reason: string; kind: RowErrorKind };

/** A bad row, as {@link readArtists} yields it. */
export type RowErrorItem = Extract<InputItem, { type: 'error' }>;

/** A valid row whose id is in `skipIds`: the artist is already done (resume). */
export interface AlreadyDoneItem {
  type: 'already-done';
  line: number;
  artist: Artist;
}

/** Everything {@link readArtists} yields. */
export type ReadItem = InputItem | AlreadyDoneItem;

/** Options of {@link readArtists} and {@link scanInput}. */
export interface ReadArtistsOptions {
  /**
   * Ids already done (read from the output on `--resume`). Their rows come out as `already-done`
   * instead of `artist`; a later row with the same id is still reported as a duplicate.
   * @default empty
   */
  skipIds?: ReadonlySet<string>;
}

/** Counts of a whole input file, as produced by {@link scanInput}. */
export interface InputScan {
  /** Rows that would be processed (valid, not already done). */
  valid: number;
  /** Blank, comment and header rows. */
  skipped: number;
  /** Bad rows of every kind, duplicates included. */
  errors: number;
  /** The part of `errors` that are duplicate ids. */
  duplicates: number;
  /** Valid rows whose id is in `skipIds`. */
  alreadyDone: number;
  /** Valid rows left to other shards (`include` said no); absent when there is no filter. */
  otherShards?: number;
}

/** Options of {@link planInput}. */
export interface PlanInputOptions extends ReadArtistsOptions {
  /** Called for every bad row, in file order, as the scan finds it. */
  onRowError?: (error: RowErrorItem) => void;
  /**
   * Keeps only the artists whose id passes (`--shard`, docs/ledger.md#shards); the others are
   * counted in {@link InputScan.otherShards}, after the duplicate and already-done checks.
   * @default every artist
   */
  include?: (artistId: string) => boolean;
  /**
   * How many of the first artists to do to keep in {@link PlannedInput.preview}.
   * @default 0
   */
  previewSize?: number;
}

/**
 * Where the artists to do are in a scanned file, so that the work pass can read just those:
 * it starts at the first of them and yields the rows listed, with no second duplicate check.
 */
export interface ToDoPlan {
  /** The file that was scanned. */
  readonly path: string;
  /** The file's identity during the scan; undefined when it changed while it was being scanned. */
  readonly file: FileIdentity | undefined;
  /** Byte offset and physical line where the first row to do starts; undefined when there is none. */
  readonly start: StartPoint | undefined;
  /** The column layout in force at `start` (positional when there is no row to do). */
  readonly columns: ColumnMap;
  /**
   * The rows to do, as `[first, last]` pairs of start lines, ascending: every record that starts
   * on a line from `first` to `last` is a row to do, and no other record is.
   */
  readonly runs: Uint32Array;
}

/** What {@link planInput} found. */
export interface PlannedInput {
  /** The same counts as {@link scanInput}. */
  counts: InputScan;
  /** The first artists to do (at most `previewSize`). */
  preview: Artist[];
  /** Where the artists to do are, for {@link readPlannedArtists}. */
  plan: ToDoPlan;
}

/** Options of {@link readPlannedArtists}. */
export interface ReadPlannedOptions extends ReadArtistsOptions {
  /**
   * Called once, with a sentence saying why, when the file is no longer the one that was scanned
   * and every row is read and checked again instead (with `skipIds`, as {@link readArtists} does).
   */
  onFallback?: (reason: string) => void;
  /** The same filter the scan used ({@link PlanInputOptions.include}), applied when the file is read again. */
  include?: (artistId: string) => boolean;
}
