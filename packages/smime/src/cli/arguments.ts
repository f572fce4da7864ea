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

/**
 * Parses `args` strictly: unknown options, positional arguments and a single-valued option given
 * more than once raise UsageError. `--help` (or `-h`) and `--debug` are always accepted, and
 * with `--help` a repeated option is not an error, since nothing but the help is printed.
 */
export function parseOptions(
  args: readonly string[],
  spec: Readonly<Record<string, OptionSpec>>,
): OptionValues {
  const { values, tokens } = parseStrictly(args, spec);
  if (values.help !== true) {
    const seen = new Set<string>();
    for (const token of tokens) {
      if (token.kind !== 'option') continue;
      const option = spec[token.name];
      if (option?.type !== 'string' || option.multiple === true) continue;
      if (seen.has(token.name)) throw new UsageError(`option --${token.name} given more than once`);
      seen.add(token.name);
    }
  }
  return values;
}

/** Options that every command takes, besides those of its spec. */
const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
} as const;

function parseStrictly(args: readonly string[], spec: Readonly<Record<string, OptionSpec>>) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...spec, ...COMMON_OPTIONS },
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(describeParseError(error, args, spec));
    throw error;
  }
}

/**
 * Returns the message of a parseArgs error about `args` in the CLI's own style, naming the
 * argument at fault. An error that no token explains keeps Node's message.
 */
function describeParseError(
  error: TypeError,
  args: readonly string[],
  spec: Readonly<Record<string, OptionSpec>>,
): string {
  const options: Readonly<Record<string, OptionSpec>> = { ...spec, ...COMMON_OPTIONS };
  const { tokens = [] } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const code = (error as { code?: unknown }).code;
  for (const token of tokens) {
    if (token.kind === 'positional' && code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      // Such an argument is most often the message file, which belongs on standard input. The
      // quoted value keeps any line feed in it on the one line of the message.
      const quoted = JSON.stringify(token.value);
      const hint = `the message is read from standard input, as in < ${quoted}`;
      return `unexpected argument ${quoted}: ${hint}`;
    }
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (option === undefined) return `unknown option ${shownOption(token.rawName)}`;
    if (option.type === 'boolean' && token.value !== undefined) {
      return `option ${token.rawName} takes no value`;
    }
    if (option.type === 'string' && token.value === undefined) {
      return `option ${token.rawName} needs a value`;
    }
    // parseArgs rejects a separate value that starts with a dash, which is usually the next option.
    if (option.type === 'string' && token.inlineValue === false && token.value.startsWith('-')) {
      const hint = `write ${token.rawName}=VALUE for one that starts with -`;
      return `option ${token.rawName} needs a value (${hint})`;
    }
  }
  return error.message;
}

/**
 * Returns an option name as typed, quoted when it contains a character outside printable ASCII,
 * so that a line feed in it cannot start a line of its own on standard error.
 */
function shownOption(rawName: string): string {
  return /^[\x21-\x7e]+$/.test(rawName) ? rawName : JSON.stringify(rawName);
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
