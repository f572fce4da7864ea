/**
 * Emergency pre-emption in the demo app through Kamailio and the MCPTT server: while one user
 * holds the floor of an ordinary group call, another presses EMERGENCY. The server ends the
 * ordinary call and sets up the emergency group call (TS 24.379 §10.1.2.2.1.5). The emergency
 * caller then gets the floor, and inside the emergency call pre-empts an ordinary talker.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  audioPacketsReceived,
  pressTalk,
  releaseTalk,
  waitForGroupCall,
  type AppUser,
} from '../src/app-driver.js';
import { waitForAudioFlow } from '../src/audio-flow.js';
import { USERS } from '../src/demo-users.js';
import { floorText, printPageLogs, startFloorTrio, type FloorTrio } from '../src/floor-trio.js';

let trio: FloorTrio;
let alice: AppUser;
let bob: AppUser;
let carol: AppUser;

beforeAll(async () => {
  trio = await startFloorTrio();
  ({ alice, bob, carol } = trio);
});

afterEach((context) => {
  if (context.task.result?.state === 'fail') printPageLogs([alice, bob, carol]);
});

afterAll(async () => {
  await trio?.stop();
});

/**
 * Records every text the floor indicator shows from now on, so that a test can see a status
 * that the next floor message replaces at once.
 */
async function recordFloorTexts(app: AppUser): Promise<void> {
  await app.page.evaluate(() => {
    const texts: string[] = [];
    (window as unknown as { floorTexts: string[] }).floorTexts = texts;
    const selector = '.floor .floor-label, .floor .visually-hidden, .floor .floor-detail';
    const read = (): string => {
      const parts = document.querySelectorAll<HTMLElement>(selector);
      return Array.from(parts, (part) => part.textContent).join('');
    };
    new MutationObserver(() => {
      const text = read();
      if (texts.at(-1) !== text) texts.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** Returns the texts recorded since {@link recordFloorTexts}. */
function recordedFloorTexts(app: AppUser): Promise<string[]> {
  return app.page.evaluate(() => (window as unknown as { floorTexts: string[] }).floorTexts);
}

const options = { timeout: 15_000 };

describe('emergency pre-emption in the demo', () => {
  it('grants the ordinary call floor', async () => {
    await pressTalk(alice);
    await Promise.all([alice, bob, carol].map((app) => waitForGroupCall(app)));
    await expect
      .poll(() => floorText(alice), options)
      .toBe('Granted: You may talk for up to 30 s.');
    const taken = `Taken: ${USERS.alice.displayName} has the floor.`;
    await expect.poll(() => floorText(bob), options).toBe(taken);
    await expect.poll(() => floorText(carol), options).toBe(taken);
  });

  it('replaces the ordinary call by the emergency call', async () => {
    await recordFloorTexts(bob);
    await bob.page.getByRole('button', { name: /Emergency group call/ }).click();
    for (const app of [alice, bob, carol]) {
      await app.page.locator('.call.emergency-call[data-state="confirmed"]').waitFor();
    }
    // The emergency call's INVITE requests no floor, so bob gets it only when he presses talk.
    // A request released again at once raced with the server's grant, and a late grant could
    // take the floor back from the press that followed.
    await expect.poll(() => floorText(bob), options).toBe('Idle: Nobody has the floor.');
    const startedByBob = `Emergency group call · connected · started by ${USERS.bob.displayName}`;
    expect(await alice.page.locator('.call-state').innerText()).toBe(startedByBob);
    expect(await carol.page.locator('.call-state').innerText()).toBe(startedByBob);
    expect(await alice.page.locator('.emergency').innerText()).toBe('EMERGENCY');
    expect(await bob.page.locator('.emergency').innerText()).toBe('END EMERGENCY');
    // The app's EMERGENCY button only sets the call up, so the user then presses talk to speak.
    await pressTalk(bob);
    await expect
      .poll(() => floorText(bob), options)
      .toBe('Granted: You may talk for up to 30 s (emergency).');
    const granted = (await recordedFloorTexts(bob)).filter((text) => text.startsWith('Granted'));
    expect(granted).toEqual(['Granted: You may talk for up to 30 s (emergency).']);
    const taken = `Taken: ${USERS.bob.displayName} has the floor (emergency).`;
    await expect.poll(() => floorText(alice), options).toBe(taken);
    await expect.poll(() => floorText(carol), options).toBe(taken);
    // Counted from here, so that the last packets of the ordinary call's talker do not count.
    const baselines = await Promise.all([alice, carol].map((app) => audioPacketsReceived(app)));
    await Promise.all([alice, carol].map((app, i) => waitForAudioFlow(app, baselines[i] ?? 0)));
    await releaseTalk(bob);
    await releaseTalk(alice);
    for (const app of [alice, bob, carol]) {
      await expect.poll(() => floorText(app), options).toBe('Idle: Nobody has the floor.');
    }
  });

  it('revokes an ordinary talker with cause 4', async () => {
    // Only the caller of an emergency call is an emergency participant, who pre-empts. The
    // invited members are ordinary participants.
    await pressTalk(alice);
    await expect
      .poll(() => floorText(alice), options)
      .toBe('Granted: You may talk for up to 30 s.');
    const aliceTalks = `Taken: ${USERS.alice.displayName} has the floor.`;
    await expect.poll(() => floorText(bob), options).toBe(aliceTalks);
    await expect.poll(() => floorText(carol), options).toBe(aliceTalks);

    await recordFloorTexts(alice);
    await pressTalk(bob);
    await expect
      .poll(() => floorText(bob), options)
      .toBe('Granted: You may talk for up to 30 s (emergency).');
    const bobTalks = `Taken: ${USERS.bob.displayName} has the floor (emergency).`;
    await expect.poll(() => floorText(carol), options).toBe(bobTalks);
    // Floor Revoke cause 4, media burst pre-empted, stays shown while alice holds the button.
    const revoked = 'Revoked: An emergency call pre-empted you.';
    await expect.poll(() => floorText(alice), options).toBe(revoked);

    const baselines = await Promise.all([alice, carol].map((app) => audioPacketsReceived(app)));
    await Promise.all([alice, carol].map((app, i) => waitForAudioFlow(app, baselines[i] ?? 0)));
    await releaseTalk(alice);
    await expect.poll(() => floorText(alice), options).toBe(bobTalks);
    const texts = await recordedFloorTexts(alice);
    expect(texts).toContain(revoked);
    expect(texts.indexOf(revoked)).toBeLessThan(texts.indexOf(bobTalks));
    await releaseTalk(bob);
  });

  it('ends the emergency and keeps the call', async () => {
    await bob.page.getByRole('button', { name: /^End emergency, keep the group call/ }).click();
    for (const app of [alice, bob, carol]) {
      await expect.poll(() => app.page.locator('.call.emergency-call').count(), options).toBe(0);
      expect(await app.page.locator('.call[data-state="confirmed"]').count()).toBe(1);
      expect(await app.page.locator('.call-state').innerText()).toBe('Group call · connected');
      expect(await app.page.locator('.emergency').innerText()).toBe('EMERGENCY');
      expect(await app.page.locator('.emergency').isDisabled()).toBe(false);
    }
    // The members receive the end of the emergency in the server's protected UPDATE.
    for (const app of [alice, carol]) {
      const update = app.page.locator('.record', { hasText: 'Emergency ended in the group call' });
      expect(await update.locator('.record-method').innerText()).toBe('UPDATE');
      expect(await update.locator('.badge').innerText()).toBe('PROTECTED');
    }

    // The same call carries the talk, now without emergency priority.
    await pressTalk(bob);
    await expect.poll(() => floorText(bob), options).toBe('Granted: You may talk for up to 30 s.');
    const taken = `Taken: ${USERS.bob.displayName} has the floor.`;
    await expect.poll(() => floorText(alice), options).toBe(taken);
    await expect.poll(() => floorText(carol), options).toBe(taken);
    const baselines = await Promise.all([alice, carol].map((app) => audioPacketsReceived(app)));
    await Promise.all([alice, carol].map((app, i) => waitForAudioFlow(app, baselines[i] ?? 0)));
    await releaseTalk(bob);
  });
});
