/**
 * Takes screenshots of the floor indicator on the layout preview page, whose scripted client
 * sends nothing: Granted (talk button held) and Taken, at desktop width and at 375 px, plus
 * Queued and Denied at 375 px. It also counts the oscillators that the grant tone starts.
 * Writes the PNGs to the folder given as the first argument (default: a temporary folder) and
 * the desktop Granted one to docs/screenshot-floor.png.
 *
 * Run: `npx tsx scripts/screenshot-floor.ts [folder]` in e2e/.
 */
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { findFreePort } from '@mcptt-smime/sip-core';
import { launchChromium } from '../../tools/chromium.js';
import { startViteDevServer } from '../src/vite-dev-server.js';

const domain = 'mcptt.example';
const callId = 'a84b4c76e66710@127.0.0.1';
const docs = fileURLToPath(new URL('../../docs/screenshot-floor.png', import.meta.url));
const output = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'mcptt-floor-shots-')));
await mkdir(output, { recursive: true });

// The preview page needs no demo configuration, but the dev server waits for one.
const config = await mkdtemp(join(tmpdir(), 'mcptt-floor-config-'));
const pem = '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n';
await writeFile(join(config, 'server.cert.pem'), pem);
await copyFile(join(config, 'server.cert.pem'), join(config, 'ca.cert.pem'));
await writeFile(
  join(config, 'server.json'),
  JSON.stringify({
    serverUri: `sip:mcptt-server@${domain}`,
    identity: { certificate: 'server.cert.pem', trustAnchors: ['ca.cert.pem'] },
    users: [],
    groups: [],
  }),
);

const vite = await startViteDevServer({
  port: await findFreePort(),
  serverConfigFile: join(config, 'server.json'),
  coreUrl: 'ws://127.0.0.1:9',
  enrolUrl: 'http://127.0.0.1:9/enrol',
  bodyLogFile: join(config, 'bodies.log'),
});
const browser = await launchChromium();

/** Sends the preview's call again with another floor, as the SDK client does on each change. */
async function setFloor(page: Page, floor: unknown, talkerId: string | undefined): Promise<void> {
  await page.evaluate(
    ({ floor, talkerId, callId, domain }) => {
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
      delegate.onTalker(callId, talkerId);
    },
    { floor, talkerId, callId, domain },
  );
}

async function openPreview(width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  const page = await context.newPage();
  // Counts the tones: each one starts one oscillator.
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
  await page.goto(`${vite.url}/test/preview.html`);
  await page.getByRole('button', { name: /Push to talk/ }).waitFor();
  return page;
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(output, name), fullPage: true });
}

try {
  for (const width of [1280, 375]) {
    const page = await openPreview(width);
    await shoot(page, `taken-${String(width)}.png`);

    const ptt = page.getByRole('button', { name: /Push to talk/ });
    await ptt.hover();
    await page.mouse.down();
    await setFloor(page, { phase: 'requesting' }, `sip:bob@${domain}`);
    await setFloor(page, { phase: 'granted', maxTalkSeconds: 30, emergency: false }, undefined);
    await shoot(page, `granted-${String(width)}.png`);
    const status = await page.getByRole('status').filter({ hasText: 'Granted' }).textContent();
    const tones = await page.evaluate(
      () => (window as unknown as { oscillators: number }).oscillators,
    );
    console.log(`${String(width)} px: "${status ?? ''}", ${String(tones)} tone(s)`);
    if (width === 1280) await copyFile(join(output, 'granted-1280.png'), docs);
    await page.mouse.up();

    if (width === 375) {
      const carol = `sip:carol@${domain}`;
      await setFloor(page, { phase: 'queued', position: 2, holder: carol }, carol);
      await shoot(page, 'queued-375.png');
      await setFloor(page, { phase: 'denied', cause: 7, holder: carol }, carol);
      await shoot(page, 'denied-375.png');
    }
    await page.context().close();
  }
  console.log(`screenshots in ${output}`);
} finally {
  await browser.close();
  await vite.stop();
}
