/**
 * The console of the demo app through Kamailio and the MCPTT server, off the happy path. The
 * tests cover a lost connection to the core, talking in a private call, and a page that is
 * reloaded or closed during a call.
 */
import type { Browser, WebSocketRoute } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../tools/chromium.js';
import {
  affiliate,
  audioPacketsReceived,
  enrol,
  microphonesOn,
  openApp,
  pressTalk,
  releaseTalk,
  waitForGroupCall,
  waitForRegistration,
  type AppUser,
} from '../src/app-driver.js';
import { waitForAudioFlow } from '../src/audio-flow.js';
import { startDemoStack, type DemoStack } from '../src/demo-stack.js';
import { GROUP, USERS } from '../src/demo-users.js';
import { floorText, printPageLogs } from '../src/floor-trio.js';

let stack: DemoStack;
let browser: Browser;
let alice: AppUser;
let bob: AppUser;
/** Carol's page alone goes through a routed WebSocket, which stays routed until the end. */
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
  }
});

afterEach((context) => {
  if (context.task.result?.state === 'fail') printPageLogs([alice, bob, carol]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('connection to the core', () => {
  it('shows a lost connection until registered', async () => {
    // The route stands for the core. It relays carol's WebSocket, and it can drop the connection
    // and reject the next attempts.
    let rejectAttempts = 0;
    let current: WebSocketRoute | undefined;
    await carol.page.routeWebSocket(/.*/, (socket) => {
      if (rejectAttempts > 0) {
        rejectAttempts -= 1;
        void socket.close();
        return;
      }
      current = socket;
      socket.connectToServer();
    });
    await carol.page.reload();
    await waitForRegistration(carol);
    const call = carol.page.getByRole('button', {
      name: `Private call to ${USERS.alice.displayName}`,
    });
    expect(await call.isDisabled()).toBe(false);

    rejectAttempts = 1;
    await current?.close();
    await carol.page.getByText('Connection lost · reconnecting…').waitFor({ timeout: 10_000 });
    expect(await call.isDisabled()).toBe(true);

    // JsSIP tries again after 2 s, and the next time after 2 to 4 s more.
    await waitForRegistration(carol, 20_000);
    expect(await call.isDisabled()).toBe(false);
  });
});

/** Waits until the page lists a confirmed private call with `peer`. */
async function waitForPrivateCall(app: AppUser, peer: AppUser): Promise<void> {
  await app.page
    .locator('.call[data-state="confirmed"]', { hasText: `private call · ${peer.user.name}` })
    .waitFor({ timeout: 15_000 });
}

/**
 * Ends every live call of the page with its End buttons. A call may also end from the far side
 * while its button is being clicked, which removes the button, so a click that finds none is
 * not an error: the page is polled until no button is left.
 */
async function hangUpAll(app: AppUser): Promise<void> {
  const ends = app.page.getByRole('button', { name: /^End / });
  await expect
    .poll(
      async () => {
        if ((await ends.count()) > 0) {
          await ends
            .first()
            .click({ timeout: 2_000 })
            .catch(() => undefined);
        }
        return ends.count();
      },
      { timeout: 30_000 },
    )
    .toBe(0);
}

/** Starts a manual private call from alice to bob and waits until both see it confirmed. */
async function callBob(): Promise<void> {
  await alice.page
    .getByRole('button', { name: `Private call to ${USERS.bob.displayName}` })
    .click();
  await bob.page
    .getByRole('button', { name: `Accept call from ${USERS.alice.displayName}` })
    .click();
  await waitForPrivateCall(alice, bob);
  await waitForPrivateCall(bob, alice);
}

const options = { timeout: 15_000 };

describe('private calls', () => {
  it('keeps the microphones off in a manual call', async () => {
    await callBob();
    expect(await microphonesOn(alice)).toBe(0);
    expect(await microphonesOn(bob)).toBe(0);
    // The server relays the call, and its signed mcptt-info names the caller.
    const record = bob.page.locator('.record-summary', { hasText: 'Private call from' });
    expect(await record.first().innerText()).toBe(`Private call from ${USERS.alice.uri}`);
  });

  it('talks in the call from the chat', async () => {
    await alice.page
      .getByRole('button', { name: `Open chat with ${USERS.bob.displayName}` })
      .click();
    await bob.page
      .getByRole('button', { name: `Open chat with ${USERS.alice.displayName}` })
      .click();
    await expect.poll(() => floorText(bob), options).toBe('Idle: Nobody has the floor.');
    const baseline = await audioPacketsReceived(bob);

    await pressTalk(alice);
    await expect
      .poll(() => floorText(alice), options)
      .toBe('Granted: You may talk for up to 30 s.');
    await expect
      .poll(() => floorText(bob), options)
      .toBe(`Taken: ${USERS.alice.displayName} has the floor.`);
    expect(await microphonesOn(alice)).toBe(1);
    expect(await microphonesOn(bob)).toBe(0);
    await waitForAudioFlow(bob, baseline);
    // The press talked in the private call and set up no group call.
    expect(await alice.page.locator('.call-label').allTextContents()).toEqual([
      `Private call · ${USERS.bob.displayName}`,
    ]);

    await releaseTalk(alice);
    await expect.poll(() => floorText(bob), options).toBe('Idle: Nobody has the floor.');
    expect(await microphonesOn(alice)).toBe(0);
    await hangUpAll(alice);
  });

  it('cancels a ringing call quietly', async () => {
    await alice.page
      .getByRole('button', { name: `Private call to ${USERS.bob.displayName}` })
      .click();
    const accept = bob.page.getByRole('button', {
      name: `Accept call from ${USERS.alice.displayName}`,
    });
    await accept.waitFor(options);
    await hangUpAll(alice);
    await accept.waitFor({ state: 'hidden', ...options });
    // The call that the user ended is no failure, although it ends with 487 Request Terminated.
    expect(await alice.page.locator('.notice').isHidden()).toBe(true);
  });

  it('keeps the microphones off in an automatic call', async () => {
    await bob.page
      .getByRole('button', { name: `Automatic call to ${USERS.alice.displayName}` })
      .click();
    await waitForPrivateCall(alice, bob);
    await waitForPrivateCall(bob, alice);
    expect(await microphonesOn(alice)).toBe(0);
    expect(await microphonesOn(bob)).toBe(0);
    await hangUpAll(bob);
  });
});

describe('affiliation across a reload', () => {
  /** Tells whether the server counts the user as affiliated to the demo group. */
  function serverAffiliated(app: AppUser): boolean {
    const { registry } = stack.server.context;
    const group = registry.group(GROUP.id);
    return group !== undefined && registry.isAffiliated(app.user.uri, group);
  }

  it('publishes the stored groups again', async () => {
    await affiliate(alice, GROUP.displayName);
    await affiliate(bob, GROUP.displayName);
    await alice.page.reload();
    await waitForRegistration(alice);
    const toggle = alice.page.getByRole('switch', { name: `Affiliated to ${GROUP.displayName}` });
    await expect.poll(() => toggle.isEnabled(), options).toBe(true);
    expect(await toggle.isChecked()).toBe(true);
    expect(serverAffiliated(alice)).toBe(true);

    // Bob's chat with alice is open since the private calls, and his talk button works on it.
    await bob.page.getByRole('button', { name: `Open group ${GROUP.displayName}` }).click();
    await pressTalk(bob);
    await waitForGroupCall(alice);
    await releaseTalk(bob);
    await hangUpAll(bob);
    await hangUpAll(alice);
  });

  it('offers a call of a group shown off', async () => {
    // The page clears its stored groups, while the server still counts alice in the group.
    await alice.page.evaluate(() => localStorage.clear());
    await alice.page.reload();
    await waitForRegistration(alice);
    const toggle = alice.page.getByRole('switch', { name: `Affiliated to ${GROUP.displayName}` });
    expect(await toggle.isChecked()).toBe(false);
    expect(serverAffiliated(alice)).toBe(true);

    await pressTalk(bob);
    const accept = alice.page.getByRole('button', {
      name: `Accept call from ${USERS.bob.displayName}`,
    });
    await accept.waitFor(options);
    expect(await alice.page.getByRole('dialog').innerText()).toContain(
      'You are not affiliated to this group.',
    );
    expect(await alice.page.locator('.call[data-state="confirmed"]').count()).toBe(0);
    await accept.click();
    await alice.page
      .locator('.call[data-state="confirmed"]', { hasText: 'group call' })
      .waitFor(options);
    const ptt = alice.page.getByRole('button', { name: /Push to talk/ });
    expect(await ptt.isDisabled()).toBe(false);
    await releaseTalk(bob);
    await hangUpAll(bob);
    await hangUpAll(alice);
  });
});

describe('calls of a page that goes away', () => {
  /** Waits until the page lists no live private call. */
  async function waitForNoPrivateCall(app: AppUser): Promise<void> {
    await expect
      .poll(() => app.page.locator('.call', { hasText: 'private call' }).count(), options)
      .toBe(0);
  }

  it('ends the call when the other page reloads', async () => {
    await callBob();
    await bob.page.reload();
    await waitForNoPrivateCall(alice);
    await waitForRegistration(bob);
  });

  it('ends a call whose media connection failed', async () => {
    await callBob();
    // Chromium reports `failed` after its ICE checks give up, which a test cannot wait for. The
    // page's live connection reports it at once instead.
    await alice.page.evaluate(() => {
      const connections = (window as unknown as { peerConnections: RTCPeerConnection[] })
        .peerConnections;
      const live = connections.filter((connection) => connection.connectionState !== 'closed');
      for (const connection of live) {
        Object.defineProperty(connection, 'connectionState', { get: () => 'failed' });
        connection.dispatchEvent(new Event('connectionstatechange'));
      }
    });
    await waitForNoPrivateCall(alice);
    await waitForNoPrivateCall(bob);
    expect(await alice.page.locator('.notice').innerText()).toContain(
      'the media connection failed',
    );
  });

  // The last test, since bob's page is gone afterwards.
  it('ends the call when the other page closes', async () => {
    await callBob();
    await bob.page.close();
    await waitForNoPrivateCall(alice);
  });
});
