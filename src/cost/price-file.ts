import { readFile } from 'node:fs/promises';
import * as z from '../core/schema.js';
import { ConfigError } from '../core/errors.js';
import { SHIPPED_PRICES, type ModelPrice, type ModelPrices, type PriceTable } from './prices.js';

const rate = z.number().check(z.nonnegative());
const tierSchema = z.pipe(
  z.strictObject({ input: rate, cached_input: z.optional(rate), output: rate }),
  z.transform((t): ModelPrice => ({ input: t.input, cachedInput: t.cached_input ?? t.input, output: t.output })),
);

// A model is either `{ standard, flex?, batch? }` or one flat price meaning standard, with Flex
// and Batch at OpenAI's documented 50 % (docs/costs.md).
const modelSchema = z.union([
  z.strictObject({ standard: tierSchema, flex: z.optional(tierSchema), batch: z.optional(tierSchema) }),
  tierSchema,
]);
const fileSchema = z.record(z.string().check(z.minLength(1)), modelSchema);

function toModelPrices(entry: z.infer<typeof modelSchema>): ModelPrices {
  if ('standard' in entry) {
    const prices: ModelPrices = { standard: entry.standard };
    if (entry.flex) prices.flex = entry.flex;
    if (entry.batch) prices.batch = entry.batch;
    return prices;
  }
  const half: ModelPrice = { input: entry.input / 2, cachedInput: entry.cachedInput / 2, output: entry.output / 2 };
  return { standard: entry, flex: half, batch: half };
}

/**
 * Parses the text of a `--prices` file (JSON, or YAML when `path` ends in `.yaml`/`.yml`) into
 * a table. Rates are US dollars per 1 million tokens, keys `input`, `cached_input`, `output`.
 *
 * @throws ConfigError naming the file and the first problem
 */
export async function parsePriceFile(path: string, text: string): Promise<PriceTable> {
  let data: unknown;
  try {
    if (/\.ya?ml$/i.test(path)) {
      // Loaded on use: most runs never read a price file.
      const { parse } = await import('yaml');
      data = parse(text);
    } else {
      data = JSON.parse(text);
    }
  } catch (error) {
    throw new ConfigError(`Price file ${path} cannot be parsed: ${(error as Error).message}`, { cause: error });
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unexpected shape';
    throw new ConfigError(
      `Price file ${path} has an unexpected shape (${where}). Expected model → { input, cached_input, output } in USD per 1M tokens, or model → { standard, flex, batch } of those.`,
    );
  }
  const table: Record<string, ModelPrices> = {};
  for (const [model, entry] of Object.entries(parsed.data)) table[model] = toModelPrices(entry);
  return table;
}

/**
 * The price table of a run: the shipped table, with every model of the `--prices` file (when
 * given) replacing the shipped entry of the same name.
 *
 * @throws ConfigError when the file cannot be read or parsed
 */
export async function loadPriceTable(path: string | undefined): Promise<PriceTable> {
  if (path === undefined) return SHIPPED_PRICES;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read price file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return { ...SHIPPED_PRICES, ...(await parsePriceFile(path, text)) };
}
