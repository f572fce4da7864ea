/**
 * The identity of the demo app in one browser profile, through Kamailio and the MCPTT server. The
 * tabs of a profile share the IndexedDB keystore. The tests cover a wrong and a loosely typed
 * enrolment code, the removal of the identity while another tab uses it, an identity whose certificate has
 * expired, and a second tab that must not enrol a second identity.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../tools/chromium.js';
import { openApp, waitForRegistration, type AppUser } from '../src/app-driver.js';
import { startDemoStack, type DemoStack } from '../src/demo-stack.js';
import { USERS, type DemoUser } from '../src/demo-users.js';

let stack: DemoStack;
let browser: Browser;
let alice: AppUser;
/** The browser profile in which bob enrolled. */
let bobContext: BrowserContext;

const DAY_MS = 86_400_000;

beforeAll(async () => {
  stack = await startDemoStack();
  browser = await launchChromium();
  alice = await openApp(browser, stack.appUrl, USERS.alice);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Fills the enrolment form of a page and submits it. */
async function submitEnrolment(page: Page, user: DemoUser, code = user.code): Promise<void> {
  await page.getByLabel('MCPTT ID', { exact: true }).fill(user.uri);
  await page.getByLabel('One-time code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Enrol' }).click();
}

/** Returns the keys of one object store of the keystore's IndexedDB database of the page. */
function storedKeys(page: Page, store: string): Promise<string[]> {
  return page.evaluate(
    (name) =>
      new Promise<string[]>((resolve, reject) => {
        const opening = indexedDB.open('mcptt-smime-keystore');
        opening.onerror = () => reject(new Error('keystore database not opened'));
        opening.onsuccess = () => {
          const database = opening.result;
          const keys = database.transaction(name).objectStore(name).getAllKeys();
          keys.onerror = () => reject(new Error(`${name} not read`));
          keys.onsuccess = () => {
            resolve(keys.result.map(String));
            database.close();
          };
        };
      }),
    store,
  );
}

/** Returns the keys of the identities in the keystore's IndexedDB database of the page. */
function storedIdentities(page: Page): Promise<string[]> {
  return storedKeys(page, 'identities');
}

describe('identity in one browser profile', () => {
  it('keeps no key after a wrong code', async () => {
    await submitEnrolment(alice.page, USERS.alice, 'AAAA-AAAA');

    await alice.page.getByText(/^Enrolment failed/).waitFor();
    expect(await storedKeys(alice.page, 'pendingIdentities')).toEqual([]);
    expect(await storedKeys(alice.page, 'identities')).toEqual([]);
  });

  it('enrols with a loosely typed code', async () => {
    // The suite's server gives alice K7Q2-M4XP, which the user types in small letters, no dash.
    const typed = ` ${USERS.alice.code.replace('-', '').toLowerCase()} `;
    await submitEnrolment(alice.page, USERS.alice, typed);
    await waitForRegistration(alice);
  });

  it('tells another tab the identity is gone', async () => {
    const second = await alice.context.newPage();
    await second.goto(stack.appUrl);
    await second.getByText('Registered · protected').waitFor({ timeout: 20_000 });

    await alice.page.getByRole('button', { name: 'Remove identity' }).click();
    await alice.page
      .getByRole('group', { name: /^Remove / })
      .getByRole('button', { name: 'Remove', exact: true })
      .click();
    await alice.page.getByRole('heading', { name: 'Set up this device' }).waitFor();
    await second.getByRole('heading', { name: 'This identity was removed' }).waitFor();
    expect(await second.getByRole('alert').innerText()).toBe(
      `Another tab removed ${USERS.alice.uri} and its private key from this browser, so this ` +
        'tab has signed out.',
    );
    await second.close();
  });

  it('offers the identity that another tab enrolled', async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    const second = await context.newPage();
    await first.goto(stack.appUrl);
    await second.goto(stack.appUrl);
    await second.getByRole('button', { name: 'Enrol' }).waitFor();

    await submitEnrolment(first, USERS.bob);
    const proceed = second.getByRole('button', { name: `Continue as ${USERS.bob.uri}` });
    await proceed.waitFor({ timeout: 20_000 });
    expect(await second.getByRole('button', { name: 'Enrol' }).isDisabled()).toBe(true);
    await proceed.click();
    await second.getByText('Registered · protected').waitFor({ timeout: 20_000 });
    bobContext = context;
  });

  it('offers to set up again after expiry', async () => {
    // The suite's enrolment endpoint issues certificates for 30 days.
    const later = await bobContext.newPage();
    await later.clock.setFixedTime(new Date(Date.now() + 60 * DAY_MS));
    await later.goto(stack.appUrl);

    await later.getByRole('heading', { name: 'The certificate has expired' }).waitFor();
    expect(await later.getByRole('alert').innerText()).toContain(
      `The certificate of ${USERS.bob.uri} expired on `,
    );
    await later.getByRole('button', { name: 'Set up this device' }).click();
    await later.getByRole('heading', { name: 'Set up this device' }).waitFor();
    expect(await storedIdentities(later)).toEqual([]);
    await bobContext.close();
  });

  it('enrols no second identity', async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    const second = await context.newPage();
    // A tab without BroadcastChannel misses the news, and the check before enrolling counts.
    await second.addInitScript(() => {
      delete (window as { BroadcastChannel?: unknown }).BroadcastChannel;
    });
    await first.goto(stack.appUrl);
    await second.goto(stack.appUrl);
    await second.getByRole('button', { name: 'Enrol' }).waitFor();

    await submitEnrolment(first, USERS.carol);
    await first.getByText('Registered · protected').waitFor({ timeout: 20_000 });
    await submitEnrolment(second, USERS.mallory);
    await second.getByRole('button', { name: `Continue as ${USERS.carol.uri}` }).waitFor();
    expect(await second.getByRole('alert').innerText()).toContain(
      `This browser already holds the identity ${USERS.carol.uri}`,
    );
    expect(await storedIdentities(second)).toEqual([USERS.carol.uri]);
    await context.close();
  });
});
