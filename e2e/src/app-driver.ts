/**
 * Drives the demo app in one browser context, the way a user would: through labelled controls.
 *
 * @module
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DemoUser } from './demo-users.js';

/** One user's browser context and page. */
export interface AppUser {
  readonly user: DemoUser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Messages the page wrote to its console, for failure reports. */
  readonly logs: string[];
}

/** Opens the app in a fresh context, so that each user has an IndexedDB keystore of its own. */
export async function openApp(browser: Browser, appUrl: string, user: DemoUser): Promise<AppUser> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['microphone'], { origin: appUrl });
  // Records every RTCPeerConnection, so that a test can read its inbound-rtp statistics.
  await context.addInitScript(() => {
    const Original = window.RTCPeerConnection;
    const connections: RTCPeerConnection[] = [];
    (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections = connections;
    window.RTCPeerConnection = class extends Original {
      constructor(configuration?: RTCConfiguration) {
        super(configuration);
        connections.push(this);
      }
    };
  });
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (message) => logs.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => logs.push(`pageerror: ${error.message}`));
  await page.goto(appUrl);
  return { user, context, page, logs };
}

/** Enrols with the user's one-time code and waits for the console. */
export async function enrol(app: AppUser): Promise<void> {
  const { page, user } = app;
  await page.getByLabel('MCPTT ID', { exact: true }).fill(user.uri);
  await page.getByLabel('One-time code', { exact: true }).fill(user.code);
  await page.getByRole('button', { name: 'Enrol' }).click();
}

/** Imports a PKCS#12 file on the first-run screen. */
export async function importPkcs12(app: AppUser, file: string, password: string): Promise<void> {
  await app.page.getByLabel('Key and certificate (.p12)').setInputFiles(file);
  await app.page.getByLabel('Password', { exact: true }).fill(password);
  await app.page.getByRole('button', { name: 'Import' }).click();
}

/** Waits until the header reports the registration as done. */
export async function waitForRegistration(app: AppUser, timeoutMs = 20_000): Promise<void> {
  await app.page.getByText('Registered · protected').waitFor({ timeout: timeoutMs });
}

/** Returns the header's registration status text. */
export function registrationStatus(app: AppUser): Promise<string> {
  return app.page.locator('.registration').innerText();
}

/** Turns the affiliation switch of a group on. */
export function affiliate(app: AppUser, groupName: string): Promise<void> {
  return switchAffiliation(app, groupName, true);
}

/** Turns the affiliation switch of a group off. */
export function leaveGroup(app: AppUser, groupName: string): Promise<void> {
  return switchAffiliation(app, groupName, false);
}

/** Sets the affiliation switch of a group and waits until the server has confirmed the change. */
async function switchAffiliation(app: AppUser, groupName: string, on: boolean): Promise<void> {
  const toggle = app.page.getByRole('switch', { name: `Affiliated to ${groupName}` });
  if ((await toggle.isChecked()) !== on) await toggle.click();
  await app.page.waitForFunction(
    ([name, wanted]) => {
      const input = document.querySelector<HTMLInputElement>(
        `[aria-label="Affiliated to ${name}"]`,
      );
      return input?.checked === wanted && input.disabled !== true;
    },
    [groupName, on] as const,
  );
}

/** Presses and holds the push-to-talk button with the mouse. */
export async function pressTalk(app: AppUser): Promise<void> {
  await app.page.getByRole('button', { name: /Push to talk/ }).hover();
  await app.page.mouse.down();
}

/** Releases the push-to-talk button. */
export async function releaseTalk(app: AppUser): Promise<void> {
  await app.page.mouse.up();
}

/** Waits until the talk panel shows a connected group call. */
export async function waitForGroupCall(app: AppUser, timeoutMs = 20_000): Promise<void> {
  await app.page.getByText(/Group call · connected/).waitFor({ timeout: timeoutMs });
}

/** Sends a short-data message to the open conversation. */
export async function sendShortData(app: AppUser, text: string): Promise<void> {
  await app.page.getByLabel('Short-data message').fill(text);
  await app.page.getByLabel('Short-data message').press('Enter');
}

/** Waits for a chat message with this text. */
export async function waitForMessage(
  app: AppUser,
  text: string,
  timeoutMs = 15_000,
): Promise<void> {
  await app.page.locator('.message-text', { hasText: text }).waitFor({ timeout: timeoutMs });
}

/** Returns the number of RTP packets received on every audio track of the page. */
export function audioPacketsReceived(app: AppUser): Promise<number> {
  return app.page.evaluate(async () => {
    const connections = (window as unknown as { peerConnections: RTCPeerConnection[] })
      .peerConnections;
    let packets = 0;
    for (const connection of connections) {
      const stats = await connection.getStats();
      stats.forEach((report: { type: string; kind?: string; packetsReceived?: number }) => {
        if (report.type === 'inbound-rtp' && report.kind === 'audio') {
          packets += report.packetsReceived ?? 0;
        }
      });
    }
    return packets;
  });
}

/**
 * Returns the number of audio tracks that the page sends with the microphone on, counted over its
 * peer connections that are not closed.
 */
export function microphonesOn(app: AppUser): Promise<number> {
  return app.page.evaluate(() => {
    const connections = (window as unknown as { peerConnections: RTCPeerConnection[] })
      .peerConnections;
    return connections
      .filter((connection) => connection.connectionState !== 'closed')
      .flatMap((connection) => connection.getSenders())
      .filter(
        ({ track }) => track?.kind === 'audio' && track.readyState === 'live' && track.enabled,
      ).length;
  });
}
