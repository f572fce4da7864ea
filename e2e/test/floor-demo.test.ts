/**
 * Floor control in the demo app through Kamailio and the MCPTT server: three users in separate
 * Chromium contexts pass the floor of a protected group call around, and each floor indicator
 * follows what the SDK's `call.floor` reports. The listeners receive the floor holder's audio only.
 * The server keeps one request waiting at most, so that a third talker is denied.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  audioPacketsReceived,
  pressTalk,
  releaseTalk,
  waitForGroupCall,
  type AppUser,
} from '../src/app-driver.js';
import { settledAudioPackets, waitForAudioFlow } from '../src/audio-flow.js';
import { USERS } from '../src/demo-users.js';
import { floorText, printPageLogs, startFloorTrio, type FloorTrio } from '../src/floor-trio.js';

let trio: FloorTrio;
let alice: AppUser;
let bob: AppUser;
let carol: AppUser;

beforeAll(async () => {
  trio = await startFloorTrio({ floorQueueCapacity: 1 });
  ({ alice, bob, carol } = trio);
});

afterEach((context) => {
  if (context.task.result?.state === 'fail') printPageLogs([alice, bob, carol]);
});

afterAll(async () => {
  await trio?.stop();
});

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

  it('denies a talker when the queue is full', async () => {
    await pressTalk(carol);
    await expect
      .poll(() => floorText(carol), options)
      .toBe(`Denied: The queue is full. ${USERS.alice.displayName} has the floor.`);
    await releaseTalk(carol);
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
