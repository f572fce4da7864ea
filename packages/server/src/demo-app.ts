/**
 * The wait of the `npm start` demo for its app's dev server.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';

/** How long the dev server may take to serve its first page, its dependency pre-bundling included. */
export const APP_START_TIMEOUT_MS = 60_000;

/**
 * Resolves true once the dev server at `url` serves the demo configuration. Resolves false when
 * it exits first, such as when its port is taken, or does not respond within
 * APP_START_TIMEOUT_MS, and then passes the reason with the way out to `report`. It reports
 * nothing while the demo stops, because Ctrl-C also reaches the dev server, which then exits.
 */
export async function waitForApp(
  app: ChildProcess,
  url: string,
  parts: { readonly stopping: boolean },
  report: (text: string) => void,
): Promise<boolean> {
  if (await appReady(app, url)) return true;
  if (parts.stopping) return false;
  const port = new URL(url).port;
  report(
    `The demo app's dev server did not start on ${url}. If another program uses port ` +
      `${port}, stop it or set MCPTT_APP_PORT to a free port.\n`,
  );
  return false;
}

/**
 * Resolves true once the dev server serves the demo configuration, and false when it exits
 * first, such as when its port is taken, or does not respond within APP_START_TIMEOUT_MS.
 */
async function appReady(app: ChildProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + APP_START_TIMEOUT_MS;
  while (Date.now() < deadline && app.exitCode === null && app.signalCode === null) {
    // A program that uses the port may accept connections and never respond, hence the timeout.
    const served = await fetch(`${url}demo-config.json`, {
      signal: AbortSignal.timeout(1000),
    }).then(
      (response) => response.ok,
      () => false,
    );
    if (served && app.exitCode === null) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
