/**
 * The schema rules of the tool: zod's small build (`zod/mini`) with zod's English messages.
 * Every settings rule, the state file and the price file are written with these; import them as
 * `import * as z from '../core/schema.js'`. The full `zod` build has the same rules and messages,
 * but it was some 450 kB that every start of the CLI compiled (about 70 ms of CPU before the
 * first request; CONTRIBUTING.md#building). Only what is listed here is bundled, so a new rule is
 * added to this list.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export {
  boolean,
  enum,
  int,
  iso,
  literal,
  minLength,
  NEVER,
  nonnegative,
  nullable,
  number,
  object,
  optional,
  pipe,
  positive,
  record,
  refine,
  regex,
  strictObject,
  string,
  toLowerCase,
  transform,
  trim,
  union,
  url,
} from 'zod/mini';
export type { infer, output, ZodMiniType } from 'zod/mini';
