/**
 * Opens a bundled test script as a page in Chromium, served from 127.0.0.1, for the tests that
 * must run in a real browser.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Page } from 'playwright-core';

import { bundleForBrowser, chromiumAvailable, launchChromium } from '../../../tools/chromium.js';
import { runsWithTool } from '../../../tools/required-tool.js';

/**
 * True when the Chromium tests must be skipped. CI must run them, so a missing Chromium fails
 * there and skips only on a developer machine.
 */
export const skipChromium = !runsWithTool(chromiumAvailable);

/** Where a page is served from, and what else the server returns. */
export interface ChromiumPageOptions {
  /** The page's script, bundled and inlined into the HTML at `/`. */
  readonly script: URL;
  /** Further scripts by path, such as `/worker.js`, each bundled and served as JavaScript. */
  readonly files?: Readonly<Record<string, URL>>;
  /** True to serve the page cross-origin isolated, which a page needs for SharedArrayBuffer. */
  readonly crossOriginIsolated?: boolean;
}

/** A page open in Chromium, with the browser and the server behind it. */
export interface ChromiumPage {
  readonly page: Page;
  /** Closes the browser and the server. */
  close(): Promise<void>;
}

/** Bundles the scripts, serves them, launches Chromium and opens the page. */
export async function openChromiumPage(options: ChromiumPageOptions): Promise<ChromiumPage> {
  if (!chromiumAvailable) throw new Error('Chromium missing: install the Debian chromium package');
  const paths = Object.keys(options.files ?? {});
  const [script, ...files] = await Promise.all([
    bundleForBrowser(options.script),
    ...Object.values(options.files ?? {}).map((url) => bundleForBrowser(url)),
  ]);
  const isolation = options.crossOriginIsolated
    ? {
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      }
    : {};
  const server = createServer((request, response) => {
    const file = files[paths.indexOf(request.url ?? '')];
    if (request.url === '/') {
      response
        .writeHead(200, { 'content-type': 'text/html', ...isolation })
        .end(`<!doctype html><meta charset="utf-8"><script>${script}</script>`);
    } else if (file !== undefined) {
      response.writeHead(200, { 'content-type': 'text/javascript', ...isolation }).end(file);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await launchChromium();
  const close = async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  };
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
