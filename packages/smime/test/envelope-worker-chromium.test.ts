import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { EnvelopePageOutcome } from './browser/envelope-page.js';
import { openChromiumPage, skipChromium, type ChromiumPage } from './chromium-page.js';

describe.skipIf(skipChromium)('envelopes from a dedicated worker in Chromium', () => {
  let opened: ChromiumPage | undefined;
  let page: Page;

  beforeAll(async () => {
    opened = await openChromiumPage({
      script: new URL('./browser/envelope-page.ts', import.meta.url),
      files: {
        '/envelope-worker.js': new URL('./browser/envelope-worker-script.ts', import.meta.url),
      },
    });
    page = opened.page;
  }, 60_000);

  afterAll(() => opened?.close());

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
