/**
 * Drives a whole `artist-bio-gen run` inside the test's own process: the real command (flag
 * parsing included) and the real pipeline, on a {@link ManualClock}, with captured stdout and
 * stderr and a plain emitter for SIGINT/SIGTERM. Pauses and UTC roll-overs then take no real time:
 * the test moves the clock when the run says it waits (see `PAUSED` lines).
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ManualClock } from '../../src/core/clock.js';
import { runCommand } from '../../src/cli/run-command.js';

/** A stream that keeps what is written and tells waiters about every new line. */
export class CapturedStream extends Writable {
  /** Never a terminal: progress is printed as lines. */
  readonly isTTY = false;
  #text = '';
  #partial = '';
  readonly #lines: string[] = [];
  #waiters: { pattern: RegExp; resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  /** Set once the run has ended: a line still awaited will never come. */
  #ended: string | undefined;

  constructor() {
    super({ decodeStrings: false });
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : String(chunk);
    this.#text += text;
    this.#partial += text;
    const lines = this.#partial.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      this.#lines.push(line);
      const waiting = this.#waiters.filter((w) => w.pattern.test(line));
      this.#waiters = this.#waiters.filter((w) => !w.pattern.test(line));
      for (const w of waiting) w.resolve(line);
    }
    callback();
  }

  /** Everything written so far. */
  get text(): string {
    return this.#text;
  }

  /** Complete lines written so far that match `pattern`. */
  matching(pattern: RegExp): string[] {
    return this.#lines.filter((line) => pattern.test(line));
  }

  /**
   * The first line matching `pattern` (already written or still to come). Rejects once the run
   * has ended without writing one, so a test whose expectation is wrong fails instead of hanging.
   */
  line(pattern: RegExp): Promise<string> {
    const seen = this.#lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return this.#wait(pattern);
  }

  /** Resolves once `count` lines matching `pattern` have been written; rejects like {@link line}. */
  async lines(pattern: RegExp, count: number): Promise<string[]> {
    for (;;) {
      const found = this.matching(pattern);
      if (found.length >= count) return found;
      await this.#wait(pattern);
    }
  }

  /** Marks the run as ended (`why` says how): every pending and later wait for a missing line rejects. */
  runEnded(why: string): void {
    this.#ended = why;
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const w of waiting) w.reject(this.#missing(w.pattern));
  }

  #wait(pattern: RegExp): Promise<string> {
    if (this.#ended !== undefined) return Promise.reject(this.#missing(pattern));
    return new Promise((resolve, reject) => this.#waiters.push({ pattern, resolve, reject }));
  }

  #missing(pattern: RegExp): Error {
    const tail = this.#text.split('\n').slice(-15).join('\n');
    return new Error(
      `the run ${this.#ended ?? 'ended'} without writing a line matching ${pattern}; last lines:\n${tail}`,
    );
  }
}

/** A run started by {@link startRun}. */
export interface InProcessRun {
  /** The run's clock: frozen until the test moves it. */
  clock: ManualClock;
  stdout: CapturedStream;
  stderr: CapturedStream;
  /** `signals.emit('SIGINT')` is Ctrl+C. */
  signals: EventEmitter;
  /** Resolves with the exit code the process would have exited with. */
  done: Promise<number>;
}

/** Options of {@link startRun}. */
export interface StartRunOptions {
  /**
   * The run's environment (nothing of the test process is inherited). Unless it names
   * `XDG_STATE_HOME`, the key ledger goes to `<cwd>/.state`: never the user's own ledger, never
   * another test's (ports are reused, and every test runs on the same manual-clock day).
   * @default {}
   */
  env?: Record<string, string | undefined>;
  /** Directory whose `.env` files are read; give a temporary one. */
  cwd: string;
  /** Start time of the manual clock (ISO text or epoch ms); ignored when `clock` is given. */
  start: string | number;
  /** A clock to share with others (a simulator on the same clock). @default a new ManualClock at `start` */
  clock?: ManualClock;
}

/** Starts `run <args>` in this process; `args` are the command's flags as a user would type them. */
export function startRun(args: string[], options: StartRunOptions): InProcessRun {
  const clock =
    options.clock ?? new ManualClock(typeof options.start === 'string' ? Date.parse(options.start) : options.start);
  const stdout = new CapturedStream();
  const stderr = new CapturedStream();
  const signals = new EventEmitter();
  let code: number | undefined;
  const env = { XDG_STATE_HOME: join(options.cwd, '.state'), ...options.env };
  const command = runCommand({
    deps: () => ({ argv: ['run', ...args], env, cwd: options.cwd, stdout, stderr, signals, clock }),
    setExitCode: (exit) => {
      code = exit;
    },
  }).exitOverride();
  const done = command.parseAsync(args, { from: 'user' }).then(() => {
    if (code === undefined) throw new Error(`run ${args.join(' ')} ended without an exit code`);
    return code;
  });
  const ended = (why: string): void => {
    stdout.runEnded(why);
    stderr.runEnded(why);
  };
  done.then(
    (exit) => ended(`ended with exit code ${exit}`),
    (error: unknown) => ended(`failed (${String(error)})`),
  );
  return { clock, stdout, stderr, signals, done };
}

/** Options of {@link finishOnClock}. */
export interface FinishOnClockOptions {
  /**
   * More signs of life besides the run's output (a simulator's counters, say): the clock only
   * moves when this has not changed either.
   */
  probe?: () => unknown;
  /**
   * False while something is still on its way between the run and its peers in real time (a
   * request sent but not yet arrived, an answer sent but not yet read): the clock waits for it, so
   * nothing arrives later on the clock than it was sent. @default always ready
   */
  ready?: () => boolean;
}

/**
 * Lets `run` finish, moving its clock to the next waiting sleeper whenever the run has gone quiet
 * (no new output and no change of `probe` for three polls in a row: everything the run and its
 * peers in this process could do without time passing is done). Every wait on the clock then
 * passes at once, and the clock ends up telling how long the run waited in its own time.
 * Resolves with the exit code.
 */
export async function finishOnClock(run: InProcessRun, options: FinishOnClockOptions = {}): Promise<number> {
  let finished = false;
  void run.done.then(
    () => (finished = true),
    () => (finished = true),
  );
  const state = (): string => `${run.stderr.text.length} ${JSON.stringify(options.probe?.() ?? null)}`;
  let last = '';
  let quietPolls = 0;
  while (!finished) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const now = state();
    quietPolls = now === last ? quietPolls + 1 : 0;
    last = now;
    const wake = run.clock.nextWake;
    if (quietPolls >= 3 && wake !== undefined && (options.ready?.() ?? true)) {
      run.clock.set(wake);
      quietPolls = 0;
    }
  }
  return run.done;
}
