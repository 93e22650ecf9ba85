/**
 * `artist-bio-gen/testing`: test doubles for programs built on the library. Kept out of the main
 * entry point so production code cannot pick up a clock that never moves by accident.
 *
 * @example
 * import { ManualClock } from 'artist-bio-gen/testing';
 * const clock = new ManualClock(Date.parse('2026-12-01T00:00:00Z'));
 */
export { createScaledClock, ManualClock, type ScaledClockOptions } from './core/clock.js';
