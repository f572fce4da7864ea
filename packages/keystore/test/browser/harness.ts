/**
 * Runs the keystore's test page in Debian's Chromium: bundles `page.ts` with esbuild, serves it
 * from 127.0.0.1 on a random port and launches the browser through playwright-core.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';

import { launchChromium } from '../../../../tools/chromium.js';

export { chromiumAvailable } from '../../../../tools/chromium.js';

/** A served test page in a running Chromium. */
export interface BrowserHarness {
  readonly page: Page;
  readonly url: string;
  close(): Promise<void>;
}

/** Bundles the page, starts the server and opens the page in a fresh Chromium. */
export async function startBrowserHarness(): Promise<BrowserHarness> {
  const bundle = await bundlePage();
  const server = await serve(bundle);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => 'keystorePage' in window);
    const opened = browser;
    return {
      page,
      url,
      close: async () => {
        await opened.close();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  } catch (error) {
    await browser?.close();
    server.close();
    throw error;
  }
}

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    alias: {
      '@mcptt-smime/smime': fileURLToPath(new URL('../../../smime/src/index.ts', import.meta.url)),
    },
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild produced no output');
  return output.text;
}

function serve(bundle: string): Promise<Server> {
  const html =
    '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>';
  const server = createServer((request, response) => {
    if (request.url === '/page.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(bundle);
    } else if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(html);
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
