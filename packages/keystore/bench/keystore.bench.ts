/**
 * Keystore benchmark in Chromium: the median time to open the store and load an identity, and
 * the median time of one CMS sign plus one CMS decrypt through stored non-extractable keys
 * against the same key imported in memory. Prints one JSON line.
 *
 * Run: `npx tsx bench/keystore.bench.ts [runs]` from packages/keystore (default 50 runs).
 * Target: keystore_open_load_ms at most 20.
 */
import { startBrowserHarness } from '../test/browser/harness.js';
import { TestPki } from '../test/pki.js';

const runs = Number(process.argv[2] ?? 50);
const pki = new TestPki();
const harness = await startBrowserHarness();
try {
  const caPem = pki.createCa('ca');
  const alice = pki.createIdentity('ca', 'alice', 'sip:alice@example.org');
  const bob = pki.createIdentity('ca', 'bob', 'sip:bob@example.org');
  await harness.page.evaluate((input) => window.keystorePage.setUp(input), { caPem, alice, bob });
  const result = await harness.page.evaluate(
    ({ count, key }) => window.keystorePage.benchmark(count, key),
    { count: runs, key: alice },
  );
  console.log(
    JSON.stringify({
      keystore_open_load_ms: round(result.openLoadMs),
      keystore_sign_decrypt_stored_ms: round(result.signDecryptStoredMs),
      keystore_sign_decrypt_memory_ms: round(result.signDecryptMemoryMs),
      keystore_runs: runs,
    }),
  );
} finally {
  await harness.close();
  pki.dispose();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
