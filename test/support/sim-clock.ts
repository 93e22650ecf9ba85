/**
 * A simulator clock the test holds in its hand: a simulator started with `clock` answers only as
 * this clock moves, so a spawned run cannot finish (or even get an answer) while the test is
 * looking at it mid-run, however slow the machine is.
 */
import { ManualClock } from '../../src/core/clock.js';

/** A manual clock that moves on its own until held. */
export interface SteppingClock {
  clock: ManualClock;
  /** Stops the clock: every answer still owed waits. */
  hold(): void;
  /** Lets the clock move again. */
  release(): void;
  /** Stops stepping for good (call in `finally`). */
  stop(): void;
}

/** A clock starting now that moves `stepMs` every few real milliseconds unless held. */
export function steppingClock(stepMs: number): SteppingClock {
  const clock = new ManualClock(Date.now());
  let held = false;
  const timer = setInterval(() => {
    if (!held) clock.advance(stepMs);
  }, 10);
  return {
    clock,
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
    },
    stop: () => clearInterval(timer),
  };
}
