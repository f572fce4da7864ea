/**
 * Command-line parsing on top of `node:util` parseArgs, with errors turned into UsageError.
 *
 * @module
 */

import { parseArgs } from 'node:util';

import { UsageError } from './cli-io.js';

/** Declaration of one option: a string value, repeatable or not, or a flag. */
export type OptionSpec =
  { readonly type: 'string'; readonly multiple?: boolean } | { readonly type: 'boolean' };

/** Parsed option values: strings, lists of strings for repeatable options, booleans for flags. */
export type OptionValues = Record<string, string | string[] | boolean | undefined>;

/** Parses `args` strictly: unknown options and positional arguments raise UsageError. */
export function parseOptions(
  args: readonly string[],
  spec: Readonly<Record<string, OptionSpec>>,
): OptionValues {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: { ...spec, help: { type: 'boolean' }, debug: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

/** Returns a required single string option, or raises UsageError naming it. */
export function requireString(values: OptionValues, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`option --${name} missing`);
  return value;
}

/** Returns a repeatable string option with at least one value, or raises UsageError. */
export function requireList(values: OptionValues, name: string): string[] {
  const value = values[name];
  if (!Array.isArray(value) || value.length === 0) throw new UsageError(`option --${name} missing`);
  return value;
}

/** Returns the values of a repeatable string option, an empty list when it is absent. */
export function optionalList(values: OptionValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : [];
}

/** Returns an optional string option that must be one of `choices`. */
export function optionalChoice<T extends string>(
  values: OptionValues,
  name: string,
  choices: readonly T[],
): T | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const choice = choices.find((entry) => entry === value);
  if (choice === undefined) {
    throw new UsageError(`invalid --${name} ${String(value)}: expected ${choices.join(', ')}`);
  }
  return choice;
}
