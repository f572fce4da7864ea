import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runsWithTool } from '../../../tools/required-tool.js';
import { chromiumAvailable, startBrowserHarness } from './browser/harness.js';
import type { BrowserHarness } from './browser/harness.js';
import type { PageOutcome } from './browser/page.js';
import { TestPki } from './pki.js';
import { MCPTT_BODY } from './sip-message.js';

// CI must run these tests: a missing Chromium fails there, and skips only on a developer machine.
const skip = !runsWithTool(chromiumAvailable);

describe.skipIf(skip)('keystore in Chromium', () => {
  const pki = new TestPki();
  let harness: BrowserHarness;
  let outcome: PageOutcome;

  beforeAll(async () => {
    if (!chromiumAvailable) {
      throw new Error('Chromium missing: install the Debian chromium package');
    }
    const caPem = pki.createCa('ca');
    const alice = pki.createIdentity('ca', 'alice', 'sip:alice@example.org');
    const bob = pki.createIdentity('ca', 'bob', 'sip:bob@example.org');
    harness = await startBrowserHarness();

    const csrPem = await harness.page.evaluate((input) => window.keystorePage.setUp(input), {
      caPem,
      alice,
      bob,
    });
    await harness.page.reload();
    await harness.page.waitForFunction(() => 'keystorePage' in window);
    const carolCertificate = pki.issue('ca', csrPem, 'carol');
    outcome = await harness.page.evaluate(
      (certificate) => window.keystorePage.finish(certificate),
      carolCertificate,
    );
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
    pki.dispose();
  });

  it('keeps identities across a reload', () => {
    expect(outcome.uris.sort()).toEqual([
      'sip:alice@example.org',
      'sip:bob@example.org',
      'sip:carol@example.org',
    ]);
  });

  it('protects and unprotects with stored keys', () => {
    expect(outcome.plaintext).toBe(MCPTT_BODY);
    expect(outcome.signerUri).toBe('sip:alice@example.org');
    expect(outcome.ciphertextHidesBody).toBe(true);
  });

  it('announces a peer removal to another keystore', () => {
    expect(outcome.peerPinSeen).toBe(true);
    expect(outcome.peerRemovalSeen).toBe(true);
  });

  it('keeps replay records across a reload', () => {
    expect(outcome.replaysRestored).toBe(1);
    expect(outcome.replayCode).toBe('ERR_REPLAYED');
  });

  it('refuses a stored extractable key', async () => {
    const result = await harness.page.evaluate(() => window.keystorePage.storeExtractableKey());

    expect(result).toEqual({ code: 'ERR_STORAGE_FAILED', listed: false });
  });

  it('rejects exportKey on every stored key', () => {
    expect(outcome.extractable).toEqual([false, false, false, false, false, false]);
    expect(outcome.exportResults).toEqual(Array(6).fill('InvalidAccessError'));
  });
});
