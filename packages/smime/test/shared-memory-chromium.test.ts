import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bundleForBrowser, chromiumAvailable, launchChromium } from '../../../tools/chromium.js';

// CI must run these tests: a missing Chromium fails there, and skips only on a developer machine.
const skip = !chromiumAvailable && process.env['CI'] !== 'true';

// Chromium's TextDecoder rejects a view of a SharedArrayBuffer, which a page may hand over.
describe.skipIf(skip)('bytes in shared memory in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!chromiumAvailable) {
      throw new Error('Chromium missing: install the Debian chromium package');
    }
    const script = await bundleForBrowser(
      new URL('./browser/shared-memory-page.ts', import.meta.url),
    );
    server = createServer((_request, response) => {
      response
        .writeHead(200, {
          'content-type': 'text/html',
          // A page gets SharedArrayBuffer only when it is cross-origin isolated.
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-embedder-policy': 'require-corp',
        })
        .end(`<!doctype html><meta charset="utf-8"><script>${script}</script>`);
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

  it('parses header sections and decodes text', async () => {
    const outcome = await page.evaluate(() => window.sharedMemoryPage.run());

    expect(outcome.isolated).toBe(true);
    expect(outcome.mime).toBe('ok text/plain');
    expect(outcome.sip).toBe('ok MESSAGE');
    expect(outcome.text).toBe('ok Grüße');
  });
});
