/**
 * Emergency in a running group call in the demo app, through Kamailio and the MCPTT server:
 * while one user holds the floor of an ordinary group call, another presses EMERGENCY, and the
 * app upgrades the call to an emergency call (TS 24.379) with a signed UPDATE. The upgrader then
 * gets the floor with the emergency priority and pre-empts an ordinary talker. The dispatcher,
 * whom the server lets cancel emergencies, ends it, and the upgrader can end his own.
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

describe('emergency in a running group call', () => {
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

  it('upgrades the ordinary call', async () => {
    await bob.page.getByRole('button', { name: /Emergency group call/ }).click();
    for (const app of [alice, bob, carol]) {
      await app.page.locator('.call.emergency-call[data-state="confirmed"]').waitFor();
      // The call goes on: no second call is set up.
      expect(await app.page.locator('.call').count()).toBe(1);
      // The server's UPDATE does not name the upgrader, so no one is named.
      expect(await app.page.locator('.call-state').innerText()).toBe(
        'Emergency group call · connected',
      );
    }
    expect(await bob.page.locator('.emergency').innerText()).toBe('END EMERGENCY');
    expect(await alice.page.locator('.emergency').innerText()).toBe('END EMERGENCY');
    expect(await carol.page.locator('.emergency').innerText()).toBe('EMERGENCY');
    expect(await carol.page.locator('.emergency').isDisabled()).toBe(true);
    const upgrade = bob.page.locator('.record', { hasText: 'Emergency upgrade of the group call' });
    expect(await upgrade.locator('.record-method').innerText()).toBe('UPDATE');
    expect(await upgrade.locator('.badge').innerText()).toBe('SENT · S/MIME');
    // The other members receive the upgrade in the server's protected UPDATE.
    for (const app of [alice, carol]) {
      const update = app.page.locator('.record', {
        hasText: 'Emergency upgrade of the group call',
      });
      expect(await update.locator('.record-method').innerText()).toBe('UPDATE');
      expect(await update.locator('.badge').innerText()).toBe('PROTECTED');
    }
    // The upgrade requests no floor, so alice keeps it until she releases.
    expect(await floorText(alice)).toBe('Granted: You may talk for up to 30 s.');
    await releaseTalk(alice);
    for (const app of [alice, bob, carol]) {
      await expect.poll(() => floorText(app), options).toBe('Idle: Nobody has the floor.');
    }

    await pressTalk(bob);
    await expect
      .poll(() => floorText(bob), options)
      .toBe('Granted: You may talk for up to 30 s (emergency).');
    const taken = `Taken: ${USERS.bob.displayName} has the floor (emergency).`;
    await expect.poll(() => floorText(alice), options).toBe(taken);
    await expect.poll(() => floorText(carol), options).toBe(taken);
    const baselines = await Promise.all([alice, carol].map((app) => audioPacketsReceived(app)));
    await Promise.all([alice, carol].map((app, i) => waitForAudioFlow(app, baselines[i] ?? 0)));
    await releaseTalk(bob);
    for (const app of [alice, bob, carol]) {
      await expect.poll(() => floorText(app), options).toBe('Idle: Nobody has the floor.');
    }
  });

  it('revokes an ordinary talker with cause 4', async () => {
    // Only the participant who started the emergency has the emergency priority, which
    // pre-empts. The other participants are ordinary participants.
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

  it('lets the dispatcher end the emergency', async () => {
    await alice.page.getByRole('button', { name: /^End emergency, keep the group call/ }).click();
    for (const app of [alice, bob, carol]) {
      await expect.poll(() => app.page.locator('.call.emergency-call').count(), options).toBe(0);
      expect(await app.page.locator('.call[data-state="confirmed"]').count()).toBe(1);
      expect(await app.page.locator('.call-state').innerText()).toBe('Group call · connected');
      expect(await app.page.locator('.emergency').innerText()).toBe('EMERGENCY');
      expect(await app.page.locator('.emergency').isDisabled()).toBe(false);
    }
    // The other members receive the end of the emergency in the server's protected UPDATE.
    for (const app of [bob, carol]) {
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

  it('lets the upgrader end his emergency', async () => {
    await expect.poll(() => floorText(bob), options).toBe('Idle: Nobody has the floor.');
    await bob.page.getByRole('button', { name: /Emergency group call/ }).click();
    for (const app of [alice, bob, carol]) {
      await app.page.locator('.call.emergency-call[data-state="confirmed"]').waitFor();
    }

    await bob.page.getByRole('button', { name: /^End emergency, keep the group call/ }).click();

    for (const app of [alice, bob, carol]) {
      await expect.poll(() => app.page.locator('.call.emergency-call').count(), options).toBe(0);
      expect(await app.page.locator('.call[data-state="confirmed"]').count()).toBe(1);
      expect(await app.page.locator('.emergency').innerText()).toBe('EMERGENCY');
    }
  });
});
