import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../core/errors.js';

/** Variables of one dotenv file, or an empty map when the file does not exist. */
export function readDotEnv(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = parseEnv(text) as Record<string, string | undefined>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (v !== undefined) out[k] = v;
  return out;
}

/** The `.env` and `.env.local` files of a directory (precedence: docs/architecture.md#settings). */
export function readEnvFiles(dir: string): { dotEnv: Record<string, string>; envLocal: Record<string, string> } {
  return { dotEnv: readDotEnv(join(dir, '.env')), envLocal: readDotEnv(join(dir, '.env.local')) };
}
