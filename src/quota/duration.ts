/**
 * Parsing of the duration strings OpenAI puts in `x-ratelimit-reset-*` headers. They use Go's
 * `time.Duration` notation (`1s`, `6m0s`, `1m30.5s`, `120ms`, `1.574s`, `1h2m3s`); some servers
 * send plain seconds instead (`20`, `0.5`).
 */

// Longest unit names first so `ms` is never read as minutes followed by garbage.
const UNIT_MS: ReadonlyArray<readonly [string, number]> = [
  ['ns', 1e-6],
  ['us', 1e-3],
  ['µs', 1e-3],
  ['μs', 1e-3],
  ['ms', 1],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

const PLAIN_SECONDS = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const COMPONENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|h|m|s)/y;

/**
 * Converts a reset duration to milliseconds.
 *
 * Accepts Go-style durations made of one or more `<number><unit>` parts (units `h`, `m`, `s`,
 * `ms`, `us`/`µs`, `ns`; fractions allowed in every part) and plain seconds (`"20"`, `"0.5"`).
 * Surrounding whitespace is ignored.
 *
 * @returns the duration in ms, or `undefined` for an empty, negative, non-finite or otherwise
 * unreadable value (never throws)
 */
export function parseResetDuration(value: string): number | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  if (PLAIN_SECONDS.test(text)) return finite(Number(text) * 1000);

  let total = 0;
  let index = 0;
  while (index < text.length) {
    COMPONENT.lastIndex = index;
    const match = COMPONENT.exec(text);
    if (match === null) return undefined;
    const [whole, amount, unit] = match;
    const factor = UNIT_MS.find(([name]) => name === unit)?.[1];
    if (amount === undefined || factor === undefined) return undefined;
    total += Number(amount) * factor;
    index += whole.length;
  }
  return finite(total);
}

function finite(ms: number): number | undefined {
  // Rounded to whole microseconds so `1.574s` reads as 1574, not 1574.0000000000002.
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms * 1000) / 1000 : undefined;
}
