import { describe, expect, it } from 'vitest';
import { BUNDLE_GZIP_BUDGET_KB, measureBundleGzipKb } from '../bench/bundle-size.js';

describe('bundle size', () => {
  it('stays within the gzip budget', async () => {
    const sizeKb = await measureBundleGzipKb();

    expect(sizeKb).toBeGreaterThan(10);
    expect(sizeKb).toBeLessThanOrEqual(BUNDLE_GZIP_BUDGET_KB);
  });
});
