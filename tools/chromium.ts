/**
 * Launches Debian's Chromium through playwright-core, for the tests, benchmarks and scripts of
 * every workspace. Playwright's own browsers are never downloaded: `executablePath` points at the
 * system package, or at `CHROMIUM_PATH` when it is set.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** The browser binary: `CHROMIUM_PATH`, or where Debian's `chromium` package installs it. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** True when the browser binary exists. */
export const chromiumAvailable = existsSync(CHROMIUM_PATH);

/**
 * Flags that keep Chromium headless and off the network beyond loopback. Without the background
 * networking flags, Chromium tries to reach outside hosts.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Flags for WebRTC calls between endpoints on one machine, with fake microphones. */
export const MEDIA_FLAGS: readonly string[] = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

/** Launches Chromium headless, with the media flags when `media` is set. */
export function launchChromium(options: { readonly media?: boolean } = {}): Promise<Browser> {
  const args = [...CHROMIUM_FLAGS, ...(options.media === true ? MEDIA_FLAGS : [])];
  return chromium.launch({ executablePath: CHROMIUM_PATH, args, headless: true });
}

/**
 * Bundles a browser script, a page or a worker, into one classic script for Chromium. Tests and
 * benchmarks serve the result from 127.0.0.1.
 */
export async function bundleForBrowser(entry: URL): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
  });
  return result.outputFiles[0]?.text ?? '';
}
