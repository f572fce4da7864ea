import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bundleForBrowser, chromiumAvailable, launchChromium } from '../../../tools/chromium.js';
import type { EnvelopePageOutcome } from './browser/envelope-page.js';

// CI must run these tests: a missing Chromium fails there, and skips only on a developer machine.
const skip = !chromiumAvailable && process.env['CI'] !== 'true';

describe.skipIf(skip)('envelopes from a dedicated worker in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!chromiumAvailable) {
      throw new Error('Chromium missing: install the Debian chromium package');
    }
    const [script, worker] = await Promise.all([
      bundleForBrowser(new URL('./browser/envelope-page.ts', import.meta.url)),
      bundleForBrowser(new URL('./browser/envelope-worker-script.ts', import.meta.url)),
    ]);
    server = createServer((request, response) => {
      if (request.url === '/envelope-worker.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' }).end(worker);
      } else if (request.url === '/') {
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end(`<!doctype html><meta charset="utf-8"><script>${script}</script>`);
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  function run(source: string): Promise<EnvelopePageOutcome> {
    return page.evaluate((from) => window.envelopePage.run(from), source);
  }

  it('protects with worker envelopes', async () => {
    const outcome = await run('/envelope-worker.js');

    expect(outcome.filled).toBe(true);
    expect(outcome.envelopesTaken).toBe(3);
    expect(outcome.opened).toHaveLength(3);
    for (const body of outcome.opened) expect(body).toContain('access-token-in-worker-test');
    expect(outcome.signerUri).toBe('sip:alice@example.org');
    expect(outcome.ciphertextOnly).toBe(true);
  });

  it('serves envelopes over a MessagePort', async () => {
    const outcome = await run('port');

    expect(outcome.filled).toBe(true);
    expect(outcome.envelopesTaken).toBe(3);
    expect(outcome.signerUri).toBe('sip:alice@example.org');
  });

  it('falls back without the worker script', async () => {
    const outcome = await run('/missing-worker.js');

    expect(outcome.filled).toBe(false);
    expect(outcome.envelopesTaken).toBe(0);
    expect(outcome.opened).toHaveLength(3);
    expect(outcome.signerUri).toBe('sip:alice@example.org');
  });
});
