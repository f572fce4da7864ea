/**
 * Measures the gzipped size of the SDK's browser bundle without JsSIP, which applications bundle
 * themselves. The core library, the floor codec and the XML reader are included, minified as an
 * application bundler would ship them.
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** Size budget of the gzipped bundle in KB (1 KB = 1024 bytes). */
export const BUNDLE_GZIP_BUDGET_KB = 120;

const sdkEntry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const smimeEntry = fileURLToPath(new URL('../../smime/src/index.ts', import.meta.url));
const floorEntry = fileURLToPath(new URL('../../floor/src/index.ts', import.meta.url));
const xmlEntry = fileURLToPath(new URL('../../mcptt-xml/src/index.ts', import.meta.url));

/** Bundles the SDK entry for browsers with JsSIP external and returns its gzipped size in KB. */
export async function measureBundleGzipKb(): Promise<number> {
  const result = await build({
    entryPoints: [sdkEntry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    external: ['jssip', 'jssip/*'],
    alias: {
      '@mcptt-smime/smime': smimeEntry,
      '@mcptt-smime/floor': floorEntry,
      '@mcptt-smime/mcptt-xml': xmlEntry,
    },
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0]?.contents ?? new Uint8Array();
  return Math.round((gzipSync(bytes, { level: 9 }).length / 1024) * 10) / 10;
}
