import type { DisposalStack } from '../core/disposal.js';
import { compactSuperseded, type PreparedOutput } from '../output/index.js';
import type { RunContext } from './run-context.js';

/**
 * `--resume --redo-stale` (README.md#redoing-stale-bios): announces the stale bios the run will
 * regenerate, and schedules the compaction of the output for the end of the run. The compaction
 * is deferred on `stack` right after the output lock, so it runs once every sink has closed the
 * file and before the lock is released, however the run ends (a redo that failed or was
 * interrupted keeps the old line).
 */
export function redoStale(
  ctx: RunContext,
  stack: DisposalStack,
  output: string,
  fingerprint: string,
  resumed: PreparedOutput,
): void {
  const { events } = ctx;
  events.emit('output:stale', { path: output, staleArtists: resumed.staleIds.size, fingerprint });
  stack.defer(async () => {
    const { removedLines, backupPath } = await compactSuperseded(output);
    if (backupPath !== undefined) events.emit('output:compacted', { path: output, removedLines, backupPath });
  }, 'output compaction');
}
