/**
 * The demo app's layout preview page (examples/ptt-app/test/preview.html), whose scripted client
 * sends nothing: a dev server for it, and helpers that open it and drive its group call, for the
 * UI tests and the floor screenshot script.
 *
 * @module
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { findFreePort } from '@mcptt-smime/sip-core';
import { startViteDevServer, type RunningViteDevServer } from './vite-dev-server.js';

/** SIP domain of the preview page's users and group. */
export const PREVIEW_DOMAIN = 'mcptt.example';
/** Call-ID of the preview page's group call. */
export const PREVIEW_CALL_ID = 'a84b4c76e66710@127.0.0.1';

/**
 * Starts the app's dev server for the preview page. The page needs no demo configuration, but the
 * dev server waits for one, so a placeholder goes to a new temporary folder, which `stop()`
 * removes. Its URLs of the SIP core and the enrolment service point at the discard port, where
 * nothing listens.
 */
export async function startPreviewServer(): Promise<RunningViteDevServer> {
  const folder = await mkdtemp(join(tmpdir(), 'mcptt-e2e-preview-'));
  const pem = '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n';
  await writeFile(join(folder, 'server.cert.pem'), pem);
  await copyFile(join(folder, 'server.cert.pem'), join(folder, 'ca.cert.pem'));
  await writeFile(
    join(folder, 'server.json'),
    JSON.stringify({
      serverUri: `sip:mcptt-server@${PREVIEW_DOMAIN}`,
      identity: { certificate: 'server.cert.pem', trustAnchors: ['ca.cert.pem'] },
      users: [],
      groups: [],
    }),
  );
  const server = await startViteDevServer({
    port: await findFreePort(),
    serverConfigFile: join(folder, 'server.json'),
    coreUrl: 'ws://127.0.0.1:9',
    enrolUrl: 'http://127.0.0.1:9/enrol',
    bodyLogFile: join(folder, 'bodies.log'),
  }).catch(async (error: unknown) => {
    await rm(folder, { recursive: true, force: true });
    throw error;
  });
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the preview page in a new context `width` pixels wide and waits for its talk button. The
 * page counts in `window.oscillators`, read by {@link previewOscillators}, the oscillators that
 * its tones start, one per tone.
 */
export async function openFloorPreview(
  browser: Browser,
  server: RunningViteDevServer,
  width: number,
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const counter = window as unknown as { oscillators: number };
    counter.oscillators = 0;
    const create = Object.getOwnPropertyDescriptor(BaseAudioContext.prototype, 'createOscillator')
      ?.value as (this: BaseAudioContext) => OscillatorNode;
    AudioContext.prototype.createOscillator = function (this: AudioContext) {
      counter.oscillators += 1;
      return create.call(this);
    };
  });
  await page.goto(`${server.url}/test/preview.html`);
  await page.getByRole('button', { name: /Push to talk/ }).waitFor();
  return page;
}

/** Returns the number of oscillators that the page of {@link openFloorPreview} has started. */
export function previewOscillators(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { oscillators: number }).oscillators);
}

/**
 * Sends the preview's group call again with another floor, as the SDK client does on each change.
 * With `talker` in `options`, it also sets the participant who talks, or none for undefined.
 */
export async function setPreviewFloor(
  page: Page,
  floor: unknown,
  options: { readonly talker?: string | undefined } = {},
): Promise<void> {
  await page.evaluate(
    ({ floor, setTalker, talker, callId, domain }) => {
      interface Delegate {
        onCall(call: unknown): void;
        onTalker(id: string, talker: string | undefined): void;
      }
      const { delegate } = (window as unknown as { fakeClient: { delegate: Delegate } }).fakeClient;
      delegate.onCall({
        id: callId,
        kind: 'group',
        direction: 'outgoing',
        groupId: `sip:fire-1@${domain}`,
        peerId: undefined,
        emergency: false,
        state: 'confirmed',
        reason: undefined,
        floor,
      });
      if (setTalker) delegate.onTalker(callId, talker);
    },
    {
      floor,
      setTalker: 'talker' in options,
      talker: options.talker,
      callId: PREVIEW_CALL_ID,
      domain: PREVIEW_DOMAIN,
    },
  );
}
