/**
 * Floor control in the demo app through Kamailio and the MCPTT server: three users in separate
 * Chromium contexts pass the floor of a protected group call around, and each floor indicator
 * follows what the SDK's `call.floor` reports. The listeners receive the floor holder's audio only.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  affiliate,
  audioPacketsReceived,
  enrol,
  openApp,
  pressTalk,
  releaseTalk,
  waitForGroupCall,
  waitForRegistration,
  type AppUser,
} from '../src/app-driver.js';
import { settledAudioPackets, waitForAudioFlow } from '../src/audio-flow.js';
import { launchChromium } from '../src/chromium.js';
import { startDemoStack, type DemoStack } from '../src/demo-stack.js';
import { GROUP, USERS } from '../src/demo-users.js';

let stack: DemoStack;
let browser: Browser;
let alice: AppUser;
let bob: AppUser;
let carol: AppUser;

beforeAll(async () => {
  stack = await startDemoStack();
  browser = await launchChromium({ media: true });
  alice = await openApp(browser, stack.appUrl, USERS.alice);
  bob = await openApp(browser, stack.appUrl, USERS.bob);
  carol = await openApp(browser, stack.appUrl, USERS.carol);
  for (const app of [alice, bob, carol]) {
    await enrol(app);
    await waitForRegistration(app);
    await affiliate(app, GROUP.displayName);
  }
});

afterEach((context) => {
  if (context.task.result?.state !== 'fail') return;
  for (const app of [alice, bob, carol]) {
    console.log(`--- ${app.user.name}'s page console ---\n${app.logs.join('\n')}`);
  }
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Returns the floor indicator's text as a screen reader reads it, or undefined while hidden. */
async function floorText(app: AppUser): Promise<string | undefined> {
  const indicator = app.page.locator('.floor');
  if (await indicator.isHidden()) return undefined;
  const parts = indicator.locator('.floor-label, .visually-hidden, .floor-detail');
  return (await parts.allTextContents()).join('');
}

const options = { timeout: 15_000 };

/** Waits until each page receives audio beyond what it had received so far. */
async function expectAudio(apps: readonly AppUser[]): Promise<void> {
  const baselines = await Promise.all(apps.map((app) => audioPacketsReceived(app)));
  await Promise.all(apps.map((app, i) => waitForAudioFlow(app, baselines[i] ?? 0)));
}

/**
 * Expects each page to receive no audio: once the packets in flight have arrived, the count
 * stays the same for a second.
 */
async function expectNoAudio(apps: readonly AppUser[]): Promise<void> {
  await Promise.all(
    apps.map(async (app) => {
      const settled = await settledAudioPackets(app);
      await delay(1_000);
      expect(await audioPacketsReceived(app), `${app.user.name}'s audio packets`).toBe(settled);
    }),
  );
}

describe('floor control in the demo', () => {
  it('grants the floor to the first talker', async () => {
    await pressTalk(alice);
    await Promise.all([alice, bob, carol].map((app) => waitForGroupCall(app)));
    await expect
      .poll(() => floorText(alice), options)
      .toBe('Granted: You may talk for up to 30 s.');
    const taken = `Taken: ${USERS.alice.displayName} has the floor.`;
    await expect.poll(() => floorText(bob), options).toBe(taken);
    await expect.poll(() => floorText(carol), options).toBe(taken);
  });

  it("forwards the holder's audio to the listeners only", async () => {
    await expectAudio([bob, carol]);
    await expectNoAudio([alice]);
  });

  it('queues a second talker', async () => {
    await pressTalk(bob);
    await expect
      .poll(() => floorText(bob), options)
      .toBe(`Queued: Position 1 in the queue. ${USERS.alice.displayName} has the floor.`);
  });

  it('passes the floor to the queued talker', async () => {
    await releaseTalk(alice);
    await expect.poll(() => floorText(bob), options).toBe('Granted: You may talk for up to 30 s.');
    const taken = `Taken: ${USERS.bob.displayName} has the floor.`;
    await expect.poll(() => floorText(alice), options).toBe(taken);
    await expect.poll(() => floorText(carol), options).toBe(taken);
  });

  it("forwards the new holder's audio to the previous one", async () => {
    await expectAudio([alice, carol]);
    await expectNoAudio([bob]);
  });

  it('frees the floor on release', async () => {
    await releaseTalk(bob);
    for (const app of [alice, bob, carol]) {
      await expect.poll(() => floorText(app), options).toBe('Idle: Nobody has the floor.');
    }
  });

  it('forwards no audio while the floor is idle', async () => {
    await expectNoAudio([alice, bob, carol]);
  });
});
