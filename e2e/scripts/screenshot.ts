/**
 * Takes the README screenshots of the real demo: starts the whole stack, enrols two users,
 * affiliates them, holds Alice's talk button and exchanges short data, then writes
 * docs/screenshot.png (desktop) and docs/screenshot-phone.png (375 px wide).
 *
 * Run inside the loopback-only namespace: `node scripts/run-in-netns.mjs npx tsx scripts/screenshot.ts`.
 */
import { fileURLToPath } from 'node:url';
import {
  affiliate,
  enrol,
  openApp,
  pressTalk,
  releaseTalk,
  sendShortData,
  waitForGroupCall,
  waitForMessage,
  waitForRegistration,
} from '../src/app-driver.js';
import { launchChromium } from '../../tools/chromium.js';
import { startDemoStack } from '../src/demo-stack.js';
import { GROUP, USERS } from '../src/demo-users.js';

const docs = (name: string): string =>
  fileURLToPath(new URL(`../../docs/${name}`, import.meta.url));

const stack = await startDemoStack();
const browser = await launchChromium({ media: true });
try {
  const alice = await openApp(browser, stack.appUrl, USERS.alice);
  const bob = await openApp(browser, stack.appUrl, USERS.bob);
  for (const app of [alice, bob]) {
    await enrol(app);
    await waitForRegistration(app);
    await affiliate(app, GROUP.displayName);
  }
  await sendShortData(bob, 'Engine 3 on scene, north gate');
  await waitForMessage(alice, 'Engine 3 on scene, north gate').catch(() => undefined);
  await pressTalk(alice);
  const inCall = await waitForGroupCall(alice, 10_000).then(
    () => true,
    () => false,
  );
  console.log(
    inCall ? 'screenshot: group call connected' : 'screenshot: NO group call (see the notice)',
  );
  await releaseTalk(alice);
  // Opens the call's INVITE in the security panel, so that it shows the core's bytes beside the
  // app's, then holds the space bar to talk.
  // The space bar talks only without a focused control, and the shot needs no focus ring.
  const invite = alice.page.locator('.record summary', { hasText: 'INVITE' }).first();
  await invite.click();
  await invite.blur();
  await alice.page.keyboard.down('Space');
  await alice.page.waitForTimeout(1000);
  await alice.page.screenshot({ path: docs('screenshot.png') });
  await alice.page.keyboard.up('Space');

  // Bob's focus is still in the message field, and after the resize his mouse would hover over
  // another control, so both move off for the shot.
  await bob.page.getByLabel('Short-data message').blur();
  await bob.page.setViewportSize({ width: 375, height: 812 });
  await bob.page.mouse.move(0, 0);
  await bob.page.waitForTimeout(300);
  await bob.page.screenshot({ path: docs('screenshot-phone.png'), fullPage: true });
  console.log(
    alice.logs
      .filter((line) => line.startsWith('error') || line.startsWith('pageerror'))
      .join('\n'),
  );
} finally {
  await browser.close();
  await stack.stop();
}
