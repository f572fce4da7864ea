/**
 * The console of the demo app through Kamailio and the MCPTT server, off the happy path. The
 * tests cover a lost connection to the core, talking in a private call, and a page that is
 * reloaded or closed during a call.
 */
import type { Browser, WebSocketRoute } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../tools/chromium.js';
import { enrol, openApp, waitForRegistration, type AppUser } from '../src/app-driver.js';
import { startDemoStack, type DemoStack } from '../src/demo-stack.js';
import { USERS } from '../src/demo-users.js';
import { printPageLogs } from '../src/floor-trio.js';

let stack: DemoStack;
let browser: Browser;
let alice: AppUser;
let bob: AppUser;

beforeAll(async () => {
  stack = await startDemoStack();
  browser = await launchChromium({ media: true });
  alice = await openApp(browser, stack.appUrl, USERS.alice);
  bob = await openApp(browser, stack.appUrl, USERS.bob);
  for (const app of [alice, bob]) {
    await enrol(app);
    await waitForRegistration(app);
  }
});

afterEach((context) => {
  if (context.task.result?.state === 'fail') printPageLogs([alice, bob]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('connection to the core', () => {
  it('shows a lost connection until registered', async () => {
    // The route stands for the core. It relays bob's WebSocket, and it can drop the connection
    // and reject the next attempts.
    let rejectAttempts = 0;
    let current: WebSocketRoute | undefined;
    await bob.page.routeWebSocket(/.*/, (socket) => {
      if (rejectAttempts > 0) {
        rejectAttempts -= 1;
        void socket.close();
        return;
      }
      current = socket;
      socket.connectToServer();
    });
    await bob.page.reload();
    await waitForRegistration(bob);
    const call = bob.page.getByRole('button', {
      name: `Private call to ${USERS.alice.displayName}`,
    });
    expect(await call.isDisabled()).toBe(false);

    rejectAttempts = 1;
    await current?.close();
    await bob.page.getByText('Connection lost · reconnecting…').waitFor({ timeout: 10_000 });
    expect(await call.isDisabled()).toBe(true);

    // JsSIP tries again after 2 s, and the next time after 2 to 4 s more.
    await waitForRegistration(bob, 20_000);
    expect(await call.isDisabled()).toBe(false);
  });
});
