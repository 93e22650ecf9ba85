/**
 * The schema library of the tool: zod's small build (`zod/mini`) with zod's English messages.
 * Every settings rule, the state file and the price file are written with it. The full `zod`
 * build offers the same rules and messages, but it is some 450 kB that every start of the CLI
 * had to compile (about 70 ms of CPU before the first request, CONTRIBUTING.md#building).
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());

export { z };
