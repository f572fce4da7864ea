/**
 * Takes screenshots of the floor indicator on the layout preview page, whose scripted client
 * sends nothing: Granted (talk button held) and Taken, at desktop width and at 375 px, plus
 * Queued and Denied at 375 px. It also counts the oscillators that the grant tone starts.
 * Writes the PNGs to the folder given as the first argument (default: a temporary folder) and
 * the desktop Granted one to docs/screenshot-floor.png.
 *
 * Run: `npx tsx scripts/screenshot-floor.ts [folder]` in e2e/.
 */
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../tools/chromium.js';
import {
  openFloorPreview,
  PREVIEW_DOMAIN as domain,
  previewOscillators,
  setPreviewFloor as setFloor,
  startPreviewServer,
} from '../src/preview-page.js';

const docs = fileURLToPath(new URL('../../docs/screenshot-floor.png', import.meta.url));
const output = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'mcptt-floor-shots-')));
await mkdir(output, { recursive: true });

const vite = await startPreviewServer();
const browser = await launchChromium();

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(output, name), fullPage: true });
}

try {
  for (const width of [1280, 375]) {
    const page = await openFloorPreview(browser, vite, width);
    await shoot(page, `taken-${String(width)}.png`);

    const ptt = page.getByRole('button', { name: /Push to talk/ });
    await ptt.hover();
    await page.mouse.down();
    await setFloor(page, { phase: 'requesting' }, { talker: `sip:bob@${domain}` });
    await setFloor(
      page,
      { phase: 'granted', maxTalkSeconds: 30, emergency: false },
      { talker: undefined },
    );
    await shoot(page, `granted-${String(width)}.png`);
    const status = await page.getByRole('status').filter({ hasText: 'Granted' }).textContent();
    const tones = await previewOscillators(page);
    console.log(`${String(width)} px: "${status ?? ''}", ${String(tones)} tone(s)`);
    if (width === 1280) await copyFile(join(output, 'granted-1280.png'), docs);
    await page.mouse.up();

    if (width === 375) {
      const carol = `sip:carol@${domain}`;
      await setFloor(page, { phase: 'queued', position: 2, holder: carol }, { talker: carol });
      await shoot(page, 'queued-375.png');
      await setFloor(page, { phase: 'denied', cause: 7, holder: carol }, { talker: carol });
      await shoot(page, 'denied-375.png');
    }
    await page.context().close();
  }
  console.log(`screenshots in ${output}`);
} finally {
  await browser.close();
  await vite.stop();
}
