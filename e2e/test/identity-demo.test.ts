/**
 * The identity of the demo app in one browser profile, through Kamailio and the MCPTT server:
 * enrolment with a loosely typed one-time code.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchChromium } from '../../tools/chromium.js';
import { openApp, waitForRegistration, type AppUser } from '../src/app-driver.js';
import { startDemoStack, type DemoStack } from '../src/demo-stack.js';
import { USERS, type DemoUser } from '../src/demo-users.js';

let stack: DemoStack;
let browser: Browser;
let alice: AppUser;

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

describe('identity in one browser profile', () => {
  it('enrols with a loosely typed code', async () => {
    // The suite's server gives alice K7Q2-M4XP, which the user types in small letters, no dash.
    const typed = ` ${USERS.alice.code.replace('-', '').toLowerCase()} `;
    await submitEnrolment(alice.page, USERS.alice, typed);
    await waitForRegistration(alice);
  });
});
