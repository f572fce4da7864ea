/**
 * Launches Debian's Chromium through playwright-core. Playwright's own browsers are never
 * downloaded: `executablePath` points at the system package.
 *
 * @module
 */
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM_PATH = process.env['MCPTT_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags that keep Chromium headless and off the network beyond loopback. */
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

/** Flags for WebRTC calls between browsers on one machine, with fake microphones. */
export const MEDIA_FLAGS: readonly string[] = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

/** Launches Chromium, with the media flags when `media` is set. */
export function launchChromium(options: { readonly media?: boolean } = {}): Promise<Browser> {
  const args = [...CHROMIUM_FLAGS, ...(options.media === true ? MEDIA_FLAGS : [])];
  return chromium.launch({ executablePath: CHROMIUM_PATH, args, headless: true });
}
