import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitForApp } from '../src/demo-app.js';

/** Returns a dev server process that has already exited with `code`. */
function exitedApp(code: number | null, signal: NodeJS.Signals | null = null): ChildProcess {
  return { exitCode: code, signalCode: signal } as ChildProcess;
}

const APP_URL = 'http://127.0.0.1:1/';

describe('waitForApp', () => {
  it('reports a dev server that exited', async () => {
    const reports: string[] = [];

    const ready = await waitForApp(exitedApp(1), APP_URL, { stopping: false }, (text) =>
      reports.push(text),
    );

    expect(ready).toBe(false);
    expect(reports).toEqual([
      `The demo app's dev server did not start on ${APP_URL}. If another program uses port 1, ` +
        'stop it or set MCPTT_APP_PORT to a free port.\n',
    ]);
  });

  it('stays quiet after Ctrl-C', async () => {
    // Ctrl-C reaches the dev server too, which then exits before it serves a page.
    const reports: string[] = [];

    const ready = await waitForApp(exitedApp(null, 'SIGINT'), APP_URL, { stopping: true }, (text) =>
      reports.push(text),
    );

    expect(ready).toBe(false);
    expect(reports).toEqual([]);
  });
});
