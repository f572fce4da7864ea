/**
 * The three-user set-up shared by the floor tests: the demo stack, one Chromium with fake media,
 * and alice, bob and carol enrolled, registered and affiliated to the demo group.
 */
import type { Browser } from 'playwright-core';
import { affiliate, enrol, openApp, waitForRegistration, type AppUser } from './app-driver.js';
import { launchChromium } from '../../tools/chromium.js';
import { startDemoStack, type DemoStack, type DemoStackOptions } from './demo-stack.js';
import { GROUP, USERS } from './demo-users.js';

/** Three affiliated users of one running demo stack. */
export interface FloorTrio {
  readonly alice: AppUser;
  readonly bob: AppUser;
  readonly carol: AppUser;
  /** Closes the browser and stops the stack. */
  stop(): Promise<void>;
}

/** Starts the stack and brings alice, bob and carol into the demo group. */
export async function startFloorTrio(options: DemoStackOptions = {}): Promise<FloorTrio> {
  const stack: DemoStack = await startDemoStack(options);
  let browser: Browser | undefined;
  const stop = async (): Promise<void> => {
    await browser?.close();
    await stack.stop();
  };

  try {
    browser = await launchChromium({ media: true });
    const alice = await openApp(browser, stack.appUrl, USERS.alice);
    const bob = await openApp(browser, stack.appUrl, USERS.bob);
    const carol = await openApp(browser, stack.appUrl, USERS.carol);
    for (const app of [alice, bob, carol]) {
      await enrol(app);
      await waitForRegistration(app);
      await affiliate(app, GROUP.displayName);
    }
    return { alice, bob, carol, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Prints each page's console, for a test that failed. */
export function printPageLogs(apps: readonly AppUser[]): void {
  for (const app of apps) {
    console.log(`--- ${app.user.name}'s page console ---\n${app.logs.join('\n')}`);
  }
}

/** Returns the floor indicator's text as a screen reader reads it, or undefined while hidden. */
export async function floorText(app: AppUser): Promise<string | undefined> {
  const indicator = app.page.locator('.floor');
  if (await indicator.isHidden()) return undefined;
  const parts = indicator.locator('.floor-label, .visually-hidden, .floor-detail');
  return (await parts.allTextContents()).join('');
}
