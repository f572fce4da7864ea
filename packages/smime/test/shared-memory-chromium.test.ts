import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openChromiumPage, skipChromium, type ChromiumPage } from './chromium-page.js';

// Chromium's TextDecoder rejects a view of a SharedArrayBuffer, which a page may hand over.
describe.skipIf(skipChromium)('bytes in shared memory in Chromium', () => {
  let opened: ChromiumPage | undefined;
  let page: Page;

  beforeAll(async () => {
    opened = await openChromiumPage({
      script: new URL('./browser/shared-memory-page.ts', import.meta.url),
      crossOriginIsolated: true,
    });
    page = opened.page;
  }, 60_000);

  afterAll(() => opened?.close());

  it('parses header sections and decodes text', async () => {
    const outcome = await page.evaluate(() => window.sharedMemoryPage.run());

    expect(outcome.isolated).toBe(true);
    expect(outcome.mime).toBe('ok text/plain');
    expect(outcome.sip).toBe('ok MESSAGE');
    expect(outcome.text).toBe('ok Grüße');
  });
});
