import { UsageError } from '../core/errors.js';

/** The values a numeric setting accepts. */
export interface NumericRange {
  /** Smallest allowed value (allowed itself unless `minExclusive`). */
  min: number;
  /** Largest allowed value. @default Number.MAX_SAFE_INTEGER */
  max?: number;
  /** Whole numbers only. @default false */
  integer?: boolean;
  /** `min` itself is refused, only values above it pass. @default false */
  minExclusive?: boolean;
}

/**
 * The one numeric check of every command: turns `value` (a number, or text as typed on the
 * command line or in the environment) into a number inside `range`, or `undefined` when it is
 * not one. Blank text is not a number.
 */
export function checkNumber(value: unknown, range: NumericRange): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && value.trim() !== '') n = Number(value.trim());
  else return undefined;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isFinite(n) || n > max) return undefined;
  if (range.minExclusive === true ? n <= range.min : n < range.min) return undefined;
  if (range.integer === true && !Number.isInteger(n)) return undefined;
  return n;
}

/** Words for a range, as used in error messages: `an integer from 1 to 512`, `a number above 0`. */
export function describeRange(range: NumericRange): string {
  const kind = range.integer === true ? 'an integer' : 'a number';
  const unbounded = range.max === undefined || range.max >= Number.MAX_SAFE_INTEGER;
  if (range.minExclusive === true) {
    return unbounded ? `${kind} above ${range.min}` : `${kind} above ${range.min} and at most ${range.max}`;
  }
  return unbounded ? `${kind} of ${range.min} or more` : `${kind} from ${range.min} to ${range.max}`;
}

/**
 * A commander argument parser for a numeric flag of any command: returns the number or throws
 * a `UsageError` (exit 2) that names the flag, the value and the range.
 *
 * @example new Command('db').option('--batch-size <n>', 'records per transaction', numericFlag('--batch-size', { min: 1, integer: true }), 1000)
 */
export function numericFlag(flag: string, range: NumericRange): (value: string) => number {
  return (value) => {
    const n = checkNumber(value, range);
    if (n === undefined) throw new UsageError(`Invalid ${flag} "${value}": expected ${describeRange(range)}`);
    return n;
  };
}
