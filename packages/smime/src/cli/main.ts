/**
 * Entry point of the `mcptt-smime` command: dispatches to the commands and turns errors into exit
 * statuses. Exit status 0 is success, 1 a rejected message, whose first line on standard error is
 * the SIP status, and 2 a usage or local set-up error.
 *
 * @module
 */

import { replaceControlCharacters } from '../cms/certificate.js';
import { isMcpttError } from '../errors.js';
import { SetupError, UsageError, processIo } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { runInspect } from './inspect-command.js';
import { runPki } from './pki-command.js';
import { runProtect } from './protect-command.js';
import { runUnprotect } from './unprotect-command.js';
import { INSPECT_USAGE, MAIN_USAGE, PKI_USAGE, PROTECT_USAGE, UNPROTECT_USAGE } from './usage.js';

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, { run: Command; usage: string }>> = {
  protect: { run: runProtect, usage: PROTECT_USAGE },
  unprotect: { run: runUnprotect, usage: UNPROTECT_USAGE },
  inspect: { run: runInspect, usage: INSPECT_USAGE },
  pki: { run: runPki, usage: PKI_USAGE },
};

/**
 * Runs the command line `args` (without the program name) and returns the exit status. A rejected
 * message prints `<status> <reason>: <message>` as the first line of standard error and exits 1.
 * A usage error prints its message and the usage text on standard error, a set-up error (a
 * missing or invalid file, a key that does not match its certificate) one line, and both exit 2.
 * Help asked for with `--help` or `-h` goes to standard output with exit status 0.
 * Stack traces appear only with `--debug`, and no message ever contains plaintext or keys.
 */
export async function run(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  const debug = args.includes('--debug');
  // The global option may also come before the command: `mcptt-smime --debug inspect`.
  const start = args.findIndex((arg) => arg !== '--debug');
  const [name, ...rest] = start === -1 ? [] : args.slice(start);
  if (name === '--help' || name === '-h') {
    // `mcptt-smime -h protect` prints the help of that command, as `protect -h` does.
    const topic = rest.find((arg) => arg !== '--debug') ?? '';
    const usage = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic]?.usage : undefined;
    try {
      await io.writeStdout(usage ?? MAIN_USAGE);
      return 0;
    } catch (error) {
      return reportError(error, MAIN_USAGE, io, debug);
    }
  }
  if (name === undefined) {
    io.writeStderr(`mcptt-smime: command missing\n\n${MAIN_USAGE}`);
    return 2;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.writeStderr(`mcptt-smime: unknown command ${JSON.stringify(name)}\n\n${MAIN_USAGE}`);
    return 2;
  }

  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, command.usage, io, debug);
  }
}

function reportError(error: unknown, usage: string, io: CliIo, debug: boolean): number {
  // Both messages quote command-line values, such as file paths and header names, which may
  // contain control characters that would move the cursor or start a line of their own.
  if (error instanceof UsageError) {
    // parseArgs breaks its messages into lines, so line feeds stay and only the other control
    // characters are replaced. NOTE: a line feed in a value that parseArgs or optionalChoice
    // quotes still starts a new line.
    const message = error.message.split('\n').map(replaceControlCharacters).join('\n');
    io.writeStderr(`mcptt-smime: ${message}\n${error.showUsage ? `\n${usage}` : ''}`);
    return 2;
  }
  if (error instanceof SetupError) {
    io.writeStderr(`mcptt-smime: ${replaceControlCharacters(error.message)}\n`);
    return 2;
  }
  if (isMcpttError(error)) {
    io.writeStderr(`${error.sipStatus} ${error.reasonPhrase}: ${error.message}\n`);
  } else {
    // An unexpected error may quote input, so only its class is shown without --debug.
    const kind = error instanceof Error ? error.name : typeof error;
    io.writeStderr(
      `500 Server Internal Error: unexpected ${kind} (run with --debug for details)\n`,
    );
  }
  if (debug && error instanceof Error && error.stack !== undefined) {
    io.writeStderr(`${error.stack}\n`);
  }
  return 1;
}
