/** The work pass over a planned input: only the rows the scan found to do, read from the first of them. */
import type { Artist } from '../core/types.js';
import { hasArtistCells, toArtist } from './classify.js';
import type { ColumnMap } from './columns.js';
import type { RecordView } from './csv-record.js';
import { openCsv, sameFile, scanCsv } from './csv-rows.js';
import type { RecordSink } from './csv-tokenizer.js';
import { readArtists } from './read-artists.js';
import type { ReadPlannedOptions, ToDoPlan } from './types.js';

/** Collects the artists of the planned runs; every other record is passed over undecoded. */
class PlannedSink implements RecordSink {
  readonly #runs: Uint32Array;
  readonly #columns: ColumnMap;
  /** Index in `#runs` of the current run's first line (its last line follows). */
  #run = 0;
  artists: Artist[] = [];

  constructor(plan: ToDoPlan) {
    this.#runs = plan.runs;
    this.#columns = plan.columns;
  }

  /** True once the last planned row has been passed. */
  get done(): boolean {
    return this.#run >= this.#runs.length;
  }

  row(view: RecordView): void {
    const runs = this.#runs;
    const { line } = view;
    // With an unchanged file, rows arrive in the runs' order and this loop never skips a run;
    // it only keeps the pass in step if the file changed in a way its identity did not show.
    while (this.#run < runs.length && (runs[this.#run + 1] ?? 0) < line) this.#run += 2;
    if (this.#run >= runs.length || line < (runs[this.#run] ?? 0)) return;
    if (line === runs[this.#run + 1]) this.#run += 2;
    if (hasArtistCells(view, this.#columns)) this.artists.push(toArtist(view, this.#columns));
  }

  comment(): void {
    // Never planned.
  }

  bad(): void {
    // Never planned.
  }
}

async function* rereadAll(plan: ToDoPlan, options: ReadPlannedOptions): AsyncGenerator<Artist, void, undefined> {
  const { skipIds, include } = options;
  for await (const item of readArtists(plan.path, skipIds === undefined ? {} : { skipIds })) {
    if (item.type === 'artist' && (include === undefined || include(item.artist.id))) yield item.artist;
  }
}

/**
 * Streams the artists to do of a file scanned by {@link planInput}, in file order: reading starts
 * at the first of them and stops after the last, and only the planned rows are decoded. Bad rows
 * and duplicates are neither reported nor yielded again: the scan reported them.
 *
 * When the file is no longer the one scanned (its size, modification or change time, or inode
 * differ), planned positions could point anywhere: `onFallback` is called and the whole file is
 * read and checked again instead, yielding the rows {@link readArtists} gives as `artist`.
 * @throws InputError when the file cannot be read.
 */
export async function* readPlannedArtists(
  plan: ToDoPlan,
  options: ReadPlannedOptions = {},
): AsyncGenerator<Artist, void, undefined> {
  const { start } = plan;
  if (start === undefined || plan.runs.length === 0) return;
  const file = await openCsv(plan.path);
  if (plan.file === undefined || !sameFile(plan.file, file.identity)) {
    await file.handle.close();
    options.onFallback?.(
      plan.file === undefined
        ? `${plan.path} changed while it was being scanned`
        : `${plan.path} changed since it was scanned`,
    );
    yield* rereadAll(plan, options);
    return;
  }
  const sink = new PlannedSink(plan);
  for await (const _ of scanCsv(file, sink, start)) {
    const { artists } = sink;
    sink.artists = [];
    for (const artist of artists) yield artist;
    if (sink.done) break;
  }
}
