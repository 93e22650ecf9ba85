import { createWriteStream, type WriteStream } from 'node:fs';
import type { Clock } from '../core/clock.js';

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const LABEL: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };

/** Where console lines go; the progress display swaps it so bars and logs do not collide. */
export interface LineWriter {
  writeLine(line: string): void;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  clock: Clock;
  /** Lowest level written. @default 'info' */
  level?: LogLevel;
  /** Lowest level written to the console (e.g. 'warn' for --quiet). @default level */
  consoleLevel?: LogLevel;
  /** `text`: `<ISO time> <LEVEL>: <message>`; `json`: one object per line. @default 'text' */
  format?: 'text' | 'json';
  /** Console destination (stderr). */
  console: LineWriter;
  /** Also append every line to this file. */
  file?: string;
  /** Applied to every message before it is written (masks the run's secrets). @default none */
  mask?: (text: string) => string;
}

/**
 * Structured fields of a log line (`--log-format json` writes them as keys; text lines carry
 * them in the message already).
 */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Writes log lines; the only place that decides their shape. */
export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  /** A visual separator line for people; left out of `json` logs. */
  rule(): void;
  /** True when `level` would be written anywhere. */
  enabled(level: LogLevel): boolean;
  /** Redirects console lines (used by the progress bar). */
  setConsole(writer: LineWriter): void;
  close(): Promise<void>;
}

/** Creates the run's logger. */
export function createLogger(options: LoggerOptions): Logger {
  const level = RANK[options.level ?? 'info'];
  const consoleLevel = RANK[options.consoleLevel ?? options.level ?? 'info'];
  const format = options.format ?? 'text';
  let consoleWriter = options.console;
  const file: WriteStream | undefined = options.file ? createWriteStream(options.file, { flags: 'a' }) : undefined;
  file?.on('error', (error) => {
    consoleWriter.writeLine(
      `${new Date(options.clock.now()).toISOString()} ERROR: cannot write log file: ${error.message}`,
    );
  });

  const mask = options.mask ?? ((text: string) => text);
  const maskFields = (fields: LogFields | undefined): LogFields | undefined => {
    if (fields === undefined) return undefined;
    const out: Record<string, string | number | boolean | null | undefined> = {};
    for (const [key, value] of Object.entries(fields)) out[key] = typeof value === 'string' ? mask(value) : value;
    return out;
  };
  const render = (lvl: LogLevel, raw: string, fields: LogFields | undefined): string => {
    const message = mask(raw);
    const time = new Date(options.clock.now()).toISOString();
    return format === 'json'
      ? JSON.stringify({ time, level: LABEL[lvl], ...maskFields(fields), message })
      : `${time} ${LABEL[lvl]}: ${message}`;
  };

  const write = (lvl: LogLevel, message: string, fields?: LogFields): void => {
    const rank = RANK[lvl];
    if (rank < level) return;
    const line = render(lvl, message, fields);
    if (rank >= consoleLevel) consoleWriter.writeLine(line);
    file?.write(`${line}\n`);
  };

  return {
    log: write,
    rule() {
      if (format !== 'json') write('info', '='.repeat(70));
    },
    enabled(lvl) {
      return RANK[lvl] >= level;
    },
    setConsole(writer) {
      consoleWriter = writer;
    },
    close() {
      return new Promise((resolve) => {
        if (!file) {
          resolve();
          return;
        }
        file.end(() => resolve());
      });
    },
  };
}

/** A line writer on a stream (stderr). */
export function streamWriter(stream: NodeJS.WritableStream): LineWriter {
  return { writeLine: (line) => void stream.write(`${line}\n`) };
}
