/**
 * Decides whether the tests that need an outside tool, such as Kamailio, Chromium or the openssl
 * command, run on this machine.
 */

/** True in CI, which installs every tool that the tests use. */
export const inCi = process.env['CI'] === 'true';

/**
 * Returns true when the tests that need a tool run: where it is installed, and always in CI, so
 * that a tool that CI failed to install fails those tests instead of skipping them.
 */
export function runsWithTool(installed: boolean): boolean {
  return installed || inCi;
}
