import * as z from '../core/schema.js';
import { checkNumber, type NumericRange } from './numeric.js';

/**
 * The zod rules the settings table is written with. A flag value arrives as text (or `true` for
 * a bare switch), an environment value always as text; every rule accepts both.
 */

/** A switch: `true`/`false`, or the text `1/true/yes/on` and `0/false/no/off` (any case). */
export const bool = z.pipe(
  z.union([z.boolean(), z.string().check(z.trim(), z.toLowerCase())]),
  z.transform((value, ctx) => {
    if (typeof value === 'boolean') return value;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    ctx.issues.push({ code: 'custom', message: `expected true or false, got "${value}"`, input: value });
    return z.NEVER;
  }),
);

/** A number inside `range`, checked by the one numeric validator every command uses. */
export const numberIn = (range: NumericRange) =>
  z.pipe(
    z.union([z.number(), z.string()]),
    z.transform((value, ctx) => {
      const n = checkNumber(value, range);
      if (n === undefined) {
        ctx.issues.push({ code: 'custom', message: `got "${String(value)}"`, input: value });
        return z.NEVER;
      }
      return n;
    }),
  );

/** Non-blank text, trimmed. */
export const text = z.string().check(z.trim(), z.minLength(1, 'must not be empty'));

/**
 * One of a fixed list of words (any case). Spread into a settings row: it sets both the rule and
 * the `choices` that `--help` lists and commander checks.
 */
export function choice<const T extends string>(values: readonly [T, ...T[]]) {
  return {
    choices: values,
    schema: z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.enum(values as [T, ...T[]])),
  };
}
