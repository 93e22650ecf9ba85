/**
 * Fault injection. Scripted faults are tokens in the request text (`FAIL500x2`, `TIMEOUTx1`,
 * `QUOTA`, …) that precise tests use per artist; random faults are drawn with the seeded PRNG.
 */

/** A fault that affects a counted number of an artist's admitted requests. */
export type CountedFault =
  'server_error' | 'overloaded' | 'rate_limit' | 'timeout' | 'malformed' | 'incomplete' | 'empty' | 'failed';

/** A fault that affects every request of the artist. */
export type StandingFault = 'bad_request' | 'quota' | 'too_large' | 'content_filter';

/** Faults the random draw can pick. */
export type RandomFault = 'timeout' | 'server_error' | 'overloaded' | 'malformed' | 'incomplete';

/** The faults found in one request's text. */
export interface FaultScript {
  /**
   * Always-on fault, if any (`FAIL400` wins over `QUOTA`, then `TOOLARGE`, then `FILTERED`, which
   * answers `incomplete` with reason `content_filter`).
   */
  standing: StandingFault | undefined;
  /** Counted faults in the order they appear: `FAIL500x1 FAIL429x2` = one 500, then two 429s. */
  steps: readonly { fault: CountedFault; count: number }[];
}

const COUNTED: Record<string, CountedFault> = {
  FAIL500: 'server_error',
  FAIL503: 'overloaded',
  FAIL429: 'rate_limit',
  TIMEOUT: 'timeout',
  MALFORMED: 'malformed',
  INCOMPLETE: 'incomplete',
  EMPTY: 'empty',
  FAILED: 'failed',
};

const COUNTED_TOKEN = /\b(FAIL500|FAIL503|FAIL429|TIMEOUT|MALFORMED|INCOMPLETE|EMPTY|FAILED)x(\d{1,6})\b/g;
// Cheap pre-check so ordinary requests skip the detailed scan.
const ANY_TOKEN = /FAIL\d|TIMEOUTx|MALFORMEDx|INCOMPLETEx|EMPTYx|FAILEDx|TOOLARGE|QUOTA|FILTERED/;

const NO_FAULTS: FaultScript = { standing: undefined, steps: [] };

/** Finds the scripted faults in a request's text. */
export function parseFaultScript(text: string): FaultScript {
  if (!ANY_TOKEN.test(text)) return NO_FAULTS;
  let standing: StandingFault | undefined;
  if (/\bFAIL400\b/.test(text)) standing = 'bad_request';
  else if (/\bQUOTA\b/.test(text)) standing = 'quota';
  else if (/\bTOOLARGE\b/.test(text)) standing = 'too_large';
  else if (/\bFILTERED\b/.test(text)) standing = 'content_filter';
  const steps: { fault: CountedFault; count: number }[] = [];
  for (const match of text.matchAll(COUNTED_TOKEN)) {
    const fault = COUNTED[match[1] ?? ''];
    const count = Number(match[2]);
    if (fault !== undefined && count > 0) steps.push({ fault, count });
  }
  return { standing, steps };
}

/** The counted fault for the artist's `attempt`-th admitted request (0-based), if any. */
export function scriptedFaultAt(script: FaultScript, attempt: number): CountedFault | undefined {
  let index = attempt;
  for (const step of script.steps) {
    if (index < step.count) return step.fault;
    index -= step.count;
  }
  return undefined;
}

/** Shares of admitted requests that get each random fault. */
export interface FaultRates {
  timeoutRate: number;
  errorRate5xx: number;
  overloadedRate: number;
  malformedRate: number;
  incompleteRate: number;
}

/** Maps one uniform draw `u` in [0, 1) to a random fault, or none. */
export function pickRandomFault(u: number, rates: FaultRates): RandomFault | undefined {
  let edge = rates.timeoutRate;
  if (u < edge) return 'timeout';
  edge += rates.errorRate5xx;
  if (u < edge) return 'server_error';
  edge += rates.overloadedRate;
  if (u < edge) return 'overloaded';
  edge += rates.malformedRate;
  if (u < edge) return 'malformed';
  edge += rates.incompleteRate;
  if (u < edge) return 'incomplete';
  return undefined;
}
