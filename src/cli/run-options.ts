import { Option, type Command } from 'commander';
import { runFields, type FieldSpec, type RunFieldName } from '../config/index.js';

/** A commander option generated from one row of the settings table. */
interface GeneratedOption {
  field: RunFieldName;
  option: Option;
}

// A `false` default is the absence of a switch: not worth a line of help.
function shownValue(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || value === true) return String(value);
  return undefined;
}

/** The help line of a setting: its text, then its environment variable and its default. */
export function helpText(spec: FieldSpec): string {
  const parts = [spec.help];
  if (spec.env !== undefined) parts.push(`[env ${spec.env}]`);
  const shownDefault = spec.helpDefault ?? shownValue(spec.default);
  if (shownDefault !== undefined) parts.push(`(default: ${shownDefault})`);
  return parts.join(' ');
}

function optionsOf(field: RunFieldName, spec: FieldSpec): GeneratedOption[] {
  const [alias, ...moreAliases] = spec.aliases ?? [];
  const value = spec.placeholder === undefined ? '' : ` ${spec.placeholder}`;
  // Commander lists a pair of long flags like `-i, --input`: the flag first, its alias beside it.
  const main = new Option(`${spec.flag}${alias === undefined ? '' : `, ${alias}`}${value}`, helpText(spec));
  if (spec.choices !== undefined) main.choices(spec.choices);
  const out: GeneratedOption[] = [{ field, option: main }];
  for (const extra of moreAliases) {
    const option = new Option(`${extra}${value}`, `alias of ${spec.flag}`).hideHelp();
    if (spec.choices !== undefined) option.choices(spec.choices);
    out.push({ field, option });
  }
  if (spec.negation !== undefined) {
    out.push({ field, option: new Option(`--no-${spec.flag.replace(/^--/, '')}`, spec.negation) });
  }
  return out;
}

/** Every commander option of `run`, in the settings table's order. */
export function generatedRunOptions(): GeneratedOption[] {
  return (Object.entries(runFields) as [RunFieldName, FieldSpec][]).flatMap(([field, spec]) => optionsOf(field, spec));
}

/** Adds every setting of the table to `cmd` as an option (no commander defaults: see resolve.ts). */
export function addRunOptions(cmd: Command): Command {
  for (const { option } of generatedRunOptions()) cmd.addOption(option);
  return cmd;
}

/**
 * Maps commander's parsed options to setting values (undefined = not given on the command line,
 * so the environment, the dotenv files or the default decide).
 */
export function flagsFromOptions(opts: Record<string, unknown>): Partial<Record<RunFieldName, unknown>> {
  const flags: Partial<Record<RunFieldName, unknown>> = {};
  for (const { field, option } of generatedRunOptions()) {
    const value = opts[option.attributeName()];
    if (value !== undefined && flags[field] === undefined) flags[field] = value;
  }
  return flags;
}
