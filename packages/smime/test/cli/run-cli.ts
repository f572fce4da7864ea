/** Runs the `mcptt-smime` launcher as a user would, in a child process. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'mcptt-smime.js');

/**
 * Runs the CLI with `args` and `input` on stdin, and returns its exit status and output. With
 * `stdoutFd`, standard output goes to that file descriptor instead, and `stdout` comes back empty.
 */
export function cli(args: readonly string[], input: Uint8Array | string = '', stdoutFd?: number) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    input,
    timeout: 30_000,
    ...(stdoutFd === undefined ? {} : { stdio: ['pipe', stdoutFd, 'pipe'] }),
  });
  return {
    status: result.status,
    stdout: new Uint8Array(result.stdout ?? []),
    stderr: result.stderr.toString('utf8'),
  };
}
