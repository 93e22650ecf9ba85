/**
 * A resource probe with fixed figures, for report tests whose verdicts must not depend on how
 * much memory and CPU the test process itself happens to use (README.md#reports-and-monitoring).
 */
import type { ResourceProbe } from '../../src/report/resources.js';

/**
 * A probe that always reads `rssMb` of resident memory, and whose CPU time grows by a quarter of
 * its real time: every reading moves real time on by 1 s and CPU time by 250 ms (25 % of a core).
 */
export function fixedResources(rssMb = 100): ResourceProbe {
  let realMs = 0;
  let cpuMicros = 0;
  return {
    rssBytes: () => rssMb * 1024 * 1024,
    cpuMicros: () => (cpuMicros += 250_000),
    realMs: () => (realMs += 1000),
  };
}
