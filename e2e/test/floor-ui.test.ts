/**
 * The floor indicator in Chromium, on the layout preview page whose scripted client sends
 * nothing: the text and accessible status of each floor phase, the grant tone, and phone width.
 * The floor statuses are the ones the SDK client reports from `call.floor`.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../tools/chromium.js';
import {
  openFloorPreview,
  PREVIEW_DOMAIN as domain,
  previewOscillators as oscillators,
  setPreviewFloor as setFloor,
  startPreviewServer,
} from '../src/preview-page.js';
import type { RunningViteDevServer } from '../src/vite-dev-server.js';

let vite: RunningViteDevServer;
let browser: Browser;

beforeAll(async () => {
  vite = await startPreviewServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await vite?.stop();
});

function openPreview(width: number): Promise<Page> {
  return openFloorPreview(browser, vite, width);
}

function floorIndicator(page: Page): ReturnType<Page['locator']> {
  return page.locator('.floor');
}

/** Returns the indicator's text, as a screen reader reads it after the hidden icon. */
async function floorText(page: Page): Promise<string> {
  const text = await page
    .locator('.floor-label, .visually-hidden, .floor-detail')
    .allTextContents();
  return text.join('');
}

describe('floor indicator', () => {
  it('names the holder of a taken floor', async () => {
    const page = await openPreview(1280);
    const indicator = floorIndicator(page);
    expect(await indicator.getAttribute('role')).toBe('status');
    expect(await indicator.getAttribute('aria-live')).toBe('polite');
    expect(await floorText(page)).toBe('Taken: Bob has the floor.');
    expect(await indicator.getAttribute('class')).toBe('floor floor-taken');
    await page.context().close();
  });

  it('greens the button and plays one tone per grant', async () => {
    const page = await openPreview(1280);
    await page.getByRole('button', { name: /Push to talk/ }).hover();
    await page.mouse.down();
    await setFloor(page, { phase: 'requesting' });
    expect(await floorText(page)).toBe('Requesting: Waiting for the floor…');
    const ptt = page.getByRole('button', { name: /Push to talk/ });
    expect(await ptt.getAttribute('class')).toBe('ptt pressed waiting');
    await setFloor(page, { phase: 'granted', maxTalkSeconds: 30, emergency: false });
    await setFloor(page, { phase: 'granted', maxTalkSeconds: 30, emergency: false });
    expect(await floorText(page)).toBe('Granted: You may talk for up to 30 s.');
    expect(await ptt.getAttribute('class')).toBe('ptt pressed');
    expect(await oscillators(page)).toBe(1);
    await page.mouse.up();
    await page.context().close();
  });

  it('shows the queue position and a denial', async () => {
    const page = await openPreview(1280);
    const carol = `sip:carol@${domain}`;
    await setFloor(page, { phase: 'queued', position: 2, holder: carol });
    expect(await floorText(page)).toBe('Queued: Position 2 in the queue. Carol has the floor.');
    await setFloor(page, { phase: 'denied', cause: 7, holder: carol });
    expect(await floorText(page)).toBe('Denied: The queue is full. Carol has the floor.');
    expect(await floorIndicator(page).getAttribute('class')).toBe('floor floor-denied');
    await page.context().close();
  });

  it('shows a revoke until the release', async () => {
    const page = await openPreview(1280);
    await page.getByRole('button', { name: /Push to talk/ }).hover();
    await page.mouse.down();
    await setFloor(page, { phase: 'granted', maxTalkSeconds: 30, emergency: false });
    await setFloor(page, { phase: 'revoked', cause: 2 });
    // The server's Floor Idle follows the revoke at once.
    await setFloor(page, { phase: 'idle' });
    expect(await floorText(page)).toBe('Revoked: The maximum talk time is over.');
    expect(await floorIndicator(page).getAttribute('class')).toBe('floor floor-revoked');

    await page.mouse.up();
    expect(await floorText(page)).toBe('Idle: Nobody has the floor.');
    await page.context().close();
  });

  it('keeps the talk button in place', async () => {
    for (const width of [1280, 375]) {
      const page = await openPreview(width);
      const ptt = page.getByRole('button', { name: /Push to talk/ });
      await ptt.hover();
      await page.mouse.down();
      const carol = `sip:carol@${domain}`;
      const statuses = [
        { phase: 'requesting' },
        { phase: 'queued', position: 2, holder: carol },
        { phase: 'granted', maxTalkSeconds: 30, emergency: false },
        { phase: 'denied', cause: 1, holder: carol },
        { phase: 'taken', holder: carol, emergency: true },
        { phase: 'idle' },
      ];
      const tops: number[] = [];
      for (const status of statuses) {
        await setFloor(page, status);
        tops.push((await ptt.boundingBox())?.y ?? Number.NaN);
      }
      await page.mouse.up();
      expect(tops, `${String(width)} px`).toEqual(tops.map(() => tops[0]));
      await page.context().close();
    }
  });

  it('hides without floor control', async () => {
    const page = await openPreview(1280);
    await setFloor(page, undefined);
    expect(await floorIndicator(page).isHidden()).toBe(true);
    expect(await page.locator('.talker').isVisible()).toBe(true);
    await page.context().close();
  });

  it('fits a 375 px wide phone', async () => {
    const page = await openPreview(375);
    const carol = `sip:carol@${domain}`;
    await setFloor(page, { phase: 'denied', cause: 4, holder: carol });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    const box = await floorIndicator(page).boundingBox();
    expect(box?.width).toBeLessThanOrEqual(375);
    await page.context().close();
  });
});
