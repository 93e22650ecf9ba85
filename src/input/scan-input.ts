/**
 * The counting pass over an input file: what {@link readArtists} would yield, counted without
 * keeping the rows, and optionally the plan of where the artists to do are.
 */
import type { Artist } from '../core/types.js';
import { badItem, RowClassifier } from './classify.js';
import { POSITIONAL_COLUMNS } from './columns.js';
import type { RecordView } from './csv-record.js';
import { currentIdentity, openCsv, sameFile, scanCsv } from './csv-rows.js';
import type { BadProblem, RecordSink, StartPoint } from './csv-tokenizer.js';
import type { InputScan, PlanInputOptions, PlannedInput, ReadArtistsOptions, ToDoPlan } from './types.js';

/**
 * The rows to do as runs of consecutive records: `[first line, last line]` pairs. A clean file is
 * one pair, a resume one pair per stretch left to do; at worst 8 bytes per row to do.
 */
class RunList {
  #pairs = new Uint32Array(64);
  #length = 0;
  /** True while the last record seen was a row to do, so the next one extends its run. */
  #open = false;

  add(line: number): void {
    if (this.#open) {
      this.#pairs[this.#length - 1] = line;
      return;
    }
    if (this.#length === this.#pairs.length) {
      const pairs = new Uint32Array(this.#pairs.length * 2);
      pairs.set(this.#pairs);
      this.#pairs = pairs;
    }
    this.#pairs[this.#length++] = line;
    this.#pairs[this.#length++] = line;
    this.#open = true;
  }

  /** A record that is not to do ends the current run. */
  close(): void {
    this.#open = false;
  }

  toArray(): Uint32Array {
    return this.#pairs.slice(0, this.#length);
  }
}

/** Counts the rows, reports errors, keeps the preview and the plan. Allocates nothing per valid row. */
class ScanSink implements RecordSink {
  readonly counts: InputScan = { valid: 0, skipped: 0, errors: 0, duplicates: 0, alreadyDone: 0 };
  readonly preview: Artist[] = [];
  readonly classifier: RowClassifier;
  /** The first row to do; undefined until it is found. */
  start: StartPoint | undefined;
  readonly #runs = new RunList();
  readonly #options: PlanInputOptions;

  constructor(path: string, options: PlanInputOptions) {
    this.classifier = new RowClassifier(path, options.skipIds);
    this.#options = options;
    if (options.include !== undefined) this.counts.otherShards = 0;
  }

  get runs(): Uint32Array {
    return this.#runs.toArray();
  }

  row(view: RecordView): void {
    const rowClass = this.classifier.classify(view);
    if (rowClass !== 'artist') this.#runs.close();
    switch (rowClass) {
      case 'artist':
        if (this.#options.include !== undefined && !this.#options.include(this.classifier.id(view))) {
          this.#runs.close();
          this.counts.otherShards = (this.counts.otherShards ?? 0) + 1;
          break;
        }
        this.counts.valid++;
        this.start ??= { offset: view.offset, line: view.line };
        this.#runs.add(view.line);
        if (this.preview.length < (this.#options.previewSize ?? 0)) this.preview.push(this.classifier.artist(view));
        break;
      case 'already-done':
        this.counts.alreadyDone++;
        break;
      case 'error': {
        this.counts.errors++;
        if (this.#options.onRowError === undefined) {
          // Only the duplicate count needs to know the kind; the message is made only when asked for.
          if (this.classifier.errorKind === 'duplicate_id') this.counts.duplicates++;
          break;
        }
        const error = this.classifier.error(view);
        if (error.kind === 'duplicate_id') this.counts.duplicates++;
        this.#options.onRowError(error);
        break;
      }
      default:
        this.counts.skipped++;
    }
  }

  comment(): void {
    this.#runs.close();
    this.counts.skipped++;
  }

  bad(line: number, problem: BadProblem): void {
    this.#runs.close();
    this.counts.errors++;
    this.#options.onRowError?.(badItem(line, problem));
  }
}

async function scanFile(path: string, options: PlanInputOptions, plan: boolean): Promise<PlannedInput> {
  const file = await openCsv(path);
  const sink = new ScanSink(path, options);
  for await (const _ of scanCsv(file, sink)) {
    // The sink has counted the chunk.
  }
  // A file written to while it was scanned cannot be planned: the work pass will read it whole.
  const after = plan ? await currentIdentity(path) : undefined;
  const todo: ToDoPlan = {
    path,
    file: after !== undefined && sameFile(file.identity, after) ? file.identity : undefined,
    start: sink.start,
    columns: sink.classifier.columns ?? POSITIONAL_COLUMNS,
    runs: sink.runs,
  };
  return { counts: sink.counts, preview: sink.preview, plan: todo };
}

/**
 * Reads the whole file once and counts what {@link readArtists} would yield, without keeping the
 * rows. Used to know the total before the run and to fail early on an input with no valid artist.
 * @throws InputError like {@link readArtists}.
 */
export async function scanInput(path: string, options: ReadArtistsOptions = {}): Promise<InputScan> {
  return (await scanFile(path, options, false)).counts;
}

/**
 * Like {@link scanInput}, and also reports each bad row as it is found, keeps the first artists
 * for a preview, and records where the artists to do are, so that {@link readPlannedArtists} can
 * read just those rows. Duplicates are found here, once.
 * @throws InputError like {@link readArtists}.
 */
export async function planInput(path: string, options: PlanInputOptions = {}): Promise<PlannedInput> {
  return scanFile(path, options, true);
}
