/**
 * The console's controls in Chromium, driven through the layout preview page with the scripted
 * client: push-to-talk by mouse, touch and space bar, accessible names, and phone width. These
 * tests send nothing; the demo-stack suite covers the real SDK through Kamailio.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../tools/chromium.js';
import { startPreviewServer } from '../src/preview-page.js';
import type { RunningViteDevServer } from '../src/vite-dev-server.js';

interface FakeAction {
  readonly type: string;
  readonly emergency?: boolean;
}

let vite: RunningViteDevServer;
let browser: Browser;

beforeAll(async () => {
  vite = await startPreviewServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await vite?.stop();
});

async function openPreview(
  width: number,
  options: { touch?: boolean; groupName?: string } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width, height: 800 },
    hasTouch: options.touch === true,
  });
  const page = await context.newPage();
  const query =
    options.groupName === undefined ? '' : `?group=${encodeURIComponent(options.groupName)}`;
  await page.goto(`${vite.url}/test/preview.html${query}`);
  await page.getByRole('button', { name: /Push to talk/ }).waitFor();
  return page;
}

function actions(page: Page): Promise<FakeAction[]> {
  return page.evaluate(() => (window as unknown as { fakeActions: FakeAction[] }).fakeActions);
}

describe('push-to-talk button', () => {
  it('talks while the mouse is held', async () => {
    const page = await openPreview(1280);
    const ptt = page.getByRole('button', { name: /Push to talk/ });
    await ptt.hover();
    await page.mouse.down();
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(async () => page.getByText('You are talking').count()).toBe(1);
    await page.mouse.up();
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('false');
    expect((await actions(page)).map((a) => a.type)).toEqual(['press', 'release']);
    await page.context().close();
  });

  it('talks while the space bar is held', async () => {
    const page = await openPreview(1280);
    await page.keyboard.down('Space');
    await page.keyboard.down('Space');
    await page.keyboard.up('Space');
    expect((await actions(page)).map((a) => a.type)).toEqual(['press', 'release']);
    await page.context().close();
  });

  it('ignores the space bar in the chat field', async () => {
    const page = await openPreview(1280);
    await page.getByLabel('Short-data message').fill('on scene');
    await page.getByLabel('Short-data message').press('Space');
    expect(await actions(page)).toEqual([]);
    await page.context().close();
  });

  // Space on a focused control presses that control, as it does on any web page.
  const focusedControls = [
    { role: 'button', name: 'End group call · Fire Team 1' },
    { role: 'button', name: 'Emergency group call to Fire Team 1' },
    { role: 'button', name: 'Private call to Bob' },
    { role: 'button', name: 'Remove identity' },
    { role: 'switch', name: 'Affiliated to EMS North' },
  ] as const;
  for (const control of focusedControls) {
    it(`leaves the space bar to ${control.name}`, async () => {
      const page = await openPreview(1280);
      await page.getByRole(control.role, { name: control.name }).focus();
      await page.keyboard.down('Space');
      await page.keyboard.up('Space');
      const types = (await actions(page)).map((a) => a.type);
      expect(types).not.toContain('press');
      expect(await page.getByText('You are talking').count()).toBe(0);
      await page.context().close();
    });
  }

  it('leaves the space bar to a security summary', async () => {
    const page = await openPreview(1280);
    const summary = page.locator('.record summary').first();
    await summary.focus();
    await page.keyboard.down('Space');
    await page.keyboard.up('Space');
    expect(await actions(page)).toEqual([]);
    expect(await summary.evaluate((element) => element.parentElement?.hasAttribute('open'))).toBe(
      true,
    );
    await page.context().close();
  });

  it('ignores the space bar under a dialog', async () => {
    const page = await openPreview(1280);
    await ringFromBob(page);
    await page.getByRole('dialog').waitFor();
    // Without a focused control, the keys go to the page body behind the dialog.
    await page.evaluate(() => {
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    });
    await page.keyboard.down('Space');
    await page.keyboard.up('Space');
    expect(await actions(page)).toEqual([]);
    await page.context().close();
  });

  it('talks with the space bar on the focused button', async () => {
    const page = await openPreview(1280);
    await page.getByRole('button', { name: /Push to talk/ }).focus();
    await page.keyboard.down('Space');
    await page.keyboard.up('Space');
    expect((await actions(page)).map((a) => a.type)).toEqual(['press', 'release']);
    await page.context().close();
  });

  it('stops talking when the window loses focus', async () => {
    const page = await openPreview(1280);
    const ptt = page.getByRole('button', { name: /Push to talk/ });
    await page.keyboard.down('Space');
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('true');
    await page.evaluate(() => window.dispatchEvent(new Event('blur')));
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('false');
    await page.keyboard.up('Space');
    expect((await actions(page)).map((a) => a.type)).toEqual(['press', 'release']);
    await page.context().close();
  });

  it('stops talking when the page is hidden', async () => {
    const page = await openPreview(1280);
    const ptt = page.getByRole('button', { name: /Push to talk/ });
    await ptt.hover();
    await page.mouse.down();
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('true');
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('false');
    await page.mouse.up();
    expect((await actions(page)).map((a) => a.type)).toEqual(['press', 'release']);
    await page.context().close();
  });

  it('toggles on Enter', async () => {
    const page = await openPreview(1280);
    const ptt = page.getByRole('button', { name: /Push to talk/ });
    await ptt.focus();
    await page.keyboard.down('Enter');
    // A held key repeats its keydown, which must not toggle the button back.
    await page.keyboard.down('Enter');
    await page.keyboard.up('Enter');
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('true');
    expect(await ptt.innerText()).toContain('press again to stop');
    expect((await actions(page)).map((a) => a.type)).toEqual(['press']);

    await page.keyboard.press('Enter');
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('false');
    expect(await ptt.innerText()).not.toContain('press again to stop');
    expect((await actions(page)).map((a) => a.type)).toEqual(['press', 'release']);
    await page.context().close();
  });

  it('toggles on a screen-reader click', async () => {
    const page = await openPreview(1280);
    const ptt = page.getByRole('button', { name: /Push to talk/ });
    // Screen readers activate a button with a click event whose detail is 0.
    const click = (): Promise<void> =>
      ptt.evaluate((button) => {
        button.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 0 }));
      });
    await click();
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('true');
    await click();
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('false');
    expect((await actions(page)).map((a) => a.type)).toEqual(['press', 'release']);
    await page.context().close();
  });

  it('talks while a finger touches it', async () => {
    const page = await openPreview(375, { touch: true });
    const ptt = page.getByRole('button', { name: /Push to talk/ });
    const box = await ptt.boundingBox();
    if (box === null) throw new Error('push-to-talk button not laid out');
    const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    const cdp = await page.context().newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchEnd', touchPoints: (typeof point)[]) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints });
    await touch('touchStart', [point]);
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('true');
    await touch('touchEnd', []);
    await expect.poll(() => ptt.getAttribute('aria-pressed')).toBe('false');
    expect((await actions(page)).map((a) => a.type)).toEqual(['press', 'release']);
    await page.context().close();
  });
});

describe('console layout', () => {
  it('starts an emergency call from its button', async () => {
    const page = await openPreview(1280);
    await page.getByRole('button', { name: /Emergency group call/ }).click();
    expect(await actions(page)).toEqual([
      { type: 'emergency-call', groupId: 'sip:fire-1@mcptt.example' },
    ]);
    await page.context().close();
  });

  it('names every control', async () => {
    const page = await openPreview(1280);
    const unnamed = await page.evaluate(() =>
      Array.from(document.querySelectorAll('button, input, select, textarea'))
        .filter((element) => {
          const label = element.getAttribute('aria-label') ?? '';
          const text = (element.textContent ?? '').trim();
          const labelled =
            element.id !== '' && document.querySelector(`label[for="${element.id}"]`);
          return label === '' && text === '' && !labelled;
        })
        .map((element) => element.outerHTML.slice(0, 80)),
    );
    expect(unnamed).toEqual([]);
    await page.context().close();
  });

  it('fits a 375 px wide phone', async () => {
    const page = await openPreview(375);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    await page.context().close();
  });
});

/** Reports a registration state through the scripted client, as the SDK client would. */
async function setRegistration(page: Page, state: string, reason?: string): Promise<void> {
  await page.evaluate(
    ({ state, reason }) => {
      const client = (
        window as unknown as {
          fakeClient: { delegate: { onRegistration?: (state: string, reason?: string) => void } };
        }
      ).fakeClient;
      client.delegate.onRegistration?.(state, reason);
    },
    { state, reason },
  );
}

/** Makes the scripted client hold its requests until {@link settleHeld} settles them. */
async function holdRequests(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { fakeClient: { holdRequests: boolean } }).fakeClient.holdRequests = true;
  });
}

/**
 * Settles the oldest held request of the scripted client: it succeeds, or fails with the final
 * response `failure`, as the SDK's SipRequestFailedError reports it.
 */
async function settleHeld(
  page: Page,
  failure?: { readonly sipStatus: number; readonly reasonPhrase: string },
): Promise<void> {
  await page.evaluate((failure) => {
    const { fakeClient } = window as unknown as {
      fakeClient: { held: { resolve(): void; reject(error: Error): void }[] };
    };
    const request = fakeClient.held.shift();
    if (failure === undefined) {
      request?.resolve();
      return;
    }
    const { sipStatus, reasonPhrase } = failure;
    const message = `request failed with ${String(sipStatus)} ${reasonPhrase}`;
    const error = Object.assign(new Error(message), {
      name: 'SipRequestFailedError',
      sipStatus,
      reasonPhrase,
      code: 'ERR_REQUEST_FAILED',
    });
    request?.reject(error);
  }, failure);
}

/** Reports a call through the scripted client, as the SDK client does on each change. */
async function reportCall(page: Page, call: Record<string, unknown>): Promise<void> {
  await page.evaluate((call) => {
    const client = (
      window as unknown as { fakeClient: { delegate: { onCall?: (call: unknown) => void } } }
    ).fakeClient;
    client.delegate.onCall?.({
      kind: 'private',
      direction: 'outgoing',
      groupId: undefined,
      peerId: undefined,
      emergency: false,
      emergencyCaller: false,
      emergencyAtSetUp: false,
      state: 'confirmed',
      reason: undefined,
      ...call,
    });
  }, call);
}

/** Reports a private call from Bob that rings, which opens the incoming-call dialog. */
function ringFromBob(page: Page): Promise<void> {
  return reportCall(page, {
    id: 'private-1',
    direction: 'incoming',
    peerId: 'sip:bob@mcptt.example',
    state: 'ringing',
  });
}

describe('talk button in a private chat', () => {
  it('waits for a call with the user', async () => {
    const page = await openPreview(1280);
    await page.getByRole('button', { name: 'Open chat with Bob' }).click();
    const ptt = page.getByRole('button', { name: /Push to talk/ });
    expect(await ptt.isDisabled()).toBe(true);
    expect(await ptt.innerText()).toContain('Call or Auto to talk');
    expect(await page.getByRole('button', { name: /Emergency group call/ }).count()).toBe(0);
    await ptt.dispatchEvent('pointerdown', { button: 0, pointerId: 1 });
    await page.keyboard.down('Space');
    await page.keyboard.up('Space');
    expect(await actions(page)).toEqual([]);
    await page.context().close();
  });

  it('talks in the user call', async () => {
    const page = await openPreview(1280);
    await page.getByRole('button', { name: 'Open chat with Bob' }).click();
    await reportCall(page, {
      id: 'private-1',
      peerId: 'sip:bob@mcptt.example',
      floor: { phase: 'idle' },
    });
    const ptt = page.getByRole('button', { name: /Push to talk/ });
    expect(await ptt.isDisabled()).toBe(false);
    expect(await page.locator('.call-state').innerText()).toBe('Private call · connected');
    expect(await page.locator('.floor').innerText()).toContain('Nobody has the floor.');

    await ptt.hover();
    await page.mouse.down();
    await page.mouse.up();
    expect(await actions(page)).toEqual([
      { type: 'press-in-call', callId: 'private-1' },
      { type: 'release' },
    ]);
    await page.context().close();
  });

  // Otherwise the talk button would stay on the open group and talk to all its members.
  for (const button of ['Private call to Bob', 'Automatic call to Bob']) {
    it(`opens the chat on ${button}`, async () => {
      const page = await openPreview(1280);
      await page.getByRole('button', { name: button }).click();
      const chat = page.getByRole('button', { name: 'Open chat with Bob' });
      await expect.poll(() => chat.getAttribute('aria-pressed')).toBe('true');
      await page.context().close();
    });
  }

  it('opens the chat on accepting', async () => {
    const page = await openPreview(1280);
    await ringFromBob(page);
    await page.getByRole('button', { name: 'Accept call from Bob' }).click();
    const chat = page.getByRole('button', { name: 'Open chat with Bob' });
    await expect.poll(() => chat.getAttribute('aria-pressed')).toBe('true');
    await page.context().close();
  });
});

describe('affiliation switch', () => {
  it('keeps a pending change across redraws', async () => {
    const page = await openPreview(1280);
    await page.evaluate(() => {
      (window as unknown as { fakeClient: { holdRequests: boolean } }).fakeClient.holdRequests =
        true;
    });
    const ems = page.getByRole('switch', { name: 'Affiliated to EMS North' });
    await ems.click();
    // Opening the group changes the state, which redraws the list.
    await page.getByRole('button', { name: 'Open group EMS North' }).click();
    expect(await ems.isChecked()).toBe(true);
    expect(await ems.isDisabled()).toBe(true);

    await page.evaluate(() => {
      const { fakeClient } = window as unknown as {
        fakeClient: { held: { resolve(): void }[] };
      };
      fakeClient.held[0]?.resolve();
    });
    await expect.poll(() => ems.isDisabled()).toBe(false);
    expect(await ems.isChecked()).toBe(true);
    await page.context().close();
  });

  it('ends the call of a group switched off', async () => {
    const page = await openPreview(1280);
    await page.getByRole('switch', { name: 'Affiliated to Fire Team 1' }).click();
    await expect
      .poll(() => actions(page))
      .toEqual([
        { type: 'hang-up', callId: 'a84b4c76e66710@127.0.0.1' },
        { type: 'affiliation', groupId: 'sip:fire-1@mcptt.example', affiliated: false },
      ]);
    await page.context().close();
  });
});

describe('short data', () => {
  /** Settles the oldest held request of the scripted client, with an error message or without. */
  async function settle(page: Page, error?: string): Promise<void> {
    await page.evaluate((error) => {
      const { fakeClient } = window as unknown as {
        fakeClient: { held: { resolve(): void; reject(error: Error): void }[] };
      };
      const request = fakeClient.held.shift();
      if (error === undefined) request?.resolve();
      else request?.reject(new Error(error));
    }, error);
  }

  it('keeps the text until sent', async () => {
    const page = await openPreview(1280);
    await page.evaluate(() => {
      (window as unknown as { fakeClient: { holdRequests: boolean } }).fakeClient.holdRequests =
        true;
    });
    const input = page.getByLabel('Short-data message');
    await input.fill('Smoke on level 3');
    await input.press('Enter');
    expect(await input.inputValue()).toBe('Smoke on level 3');
    expect(await input.isDisabled()).toBe(true);
    expect(await page.locator('.chat-status').innerText()).toBe('Sending…');

    await settle(page, 'request failed with 408 Request Timeout');
    await expect.poll(() => input.isDisabled()).toBe(false);
    expect(await input.inputValue()).toBe('Smoke on level 3');
    expect(await page.locator('.chat-status').innerText()).toMatch(/^Not sent: /);

    await input.press('Enter');
    await settle(page);
    await expect.poll(() => input.inputValue()).toBe('');
    expect(await page.locator('.chat-status').isHidden()).toBe(true);
    const sent = (await actions(page)).filter((action) => action.type === 'short-data');
    expect(sent).toHaveLength(2);
    await page.context().close();
  });
});

describe('incoming-call dialog', () => {
  it('answers on Enter', async () => {
    const page = await openPreview(1280);
    await ringFromBob(page);
    const accept = page.getByRole('button', { name: 'Accept call from Bob' });
    await expect
      .poll(() => accept.evaluate((button) => button === document.activeElement))
      .toBe(true);
    await page.keyboard.press('Enter');
    expect(await actions(page)).toEqual([{ type: 'answer', callId: 'private-1' }]);
    await page.context().close();
  });
});

describe('call list', () => {
  it('keeps its rows across changes', async () => {
    const page = await openPreview(1280);
    const end = page.getByRole('button', { name: 'End group call · Fire Team 1' });
    await end.evaluate((button) => {
      button.dataset['marked'] = 'yes';
    });
    await page.getByRole('button', { name: 'Open group EMS North' }).click();
    await reportCall(page, { id: 'private-1', peerId: 'sip:bob@mcptt.example' });
    expect(await end.getAttribute('data-marked')).toBe('yes');
    expect(await page.locator('.call-label').allInnerTexts()).toEqual([
      'Group call · Fire Team 1',
      'Private call · Bob',
    ]);

    await end.click();
    expect(await actions(page)).toEqual([{ type: 'hang-up', callId: 'a84b4c76e66710@127.0.0.1' }]);
    await page.context().close();
  });
});

describe('emergency group call', () => {
  const groupCall = {
    id: 'a84b4c76e66710@127.0.0.1',
    kind: 'group',
    groupId: 'sip:fire-1@mcptt.example',
    emergency: true,
    emergencyAtSetUp: true,
  };

  it('names who started it', async () => {
    const page = await openPreview(1280);
    await reportCall(page, {
      ...groupCall,
      direction: 'incoming',
      peerId: 'sip:bob@mcptt.example',
    });
    expect(await page.locator('.call-state').innerText()).toBe(
      'Emergency group call · connected · started by Bob',
    );
    expect(await page.locator('.call-label').allTextContents()).toEqual([
      'Emergency group call · Fire Team 1 · started by Bob',
    ]);
    const button = page.getByRole('button', {
      name: 'Emergency group call to Fire Team 1 in progress',
    });
    expect(await button.innerText()).toBe('EMERGENCY');
    expect(await button.getAttribute('class')).toBe('emergency');
    expect(await button.getAttribute('aria-pressed')).toBeNull();
    await page.context().close();
  });

  /** The caller's own emergency call, as the SDK client reports it. */
  const own = { ...groupCall, direction: 'outgoing', emergencyCaller: true };
  const endName = 'End emergency, keep the group call to Fire Team 1';

  it('lets its caller end the emergency', async () => {
    const page = await openPreview(1280);
    await holdRequests(page);
    await reportCall(page, own);
    const end = page.getByRole('button', { name: endName });
    expect(await end.innerText()).toBe('END EMERGENCY');
    expect(await end.getAttribute('class')).toBe('emergency active');
    // WCAG AA requires 4.5:1 for text under 18.66 px bold.
    expect(await contrast(end)).toBeGreaterThanOrEqual(4.5);
    await end.click();
    expect(await actions(page)).toEqual([{ type: 'cancel-emergency', callId: groupCall.id }]);
    const ending = page.getByRole('button', {
      name: 'End emergency, keep the group call to Fire Team 1 (waiting for the server)',
    });
    expect(await ending.isDisabled()).toBe(true);

    // The SDK client reports the ordinary call before the request resolves.
    await reportCall(page, { ...own, emergency: false });
    await settleHeld(page);
    await expectOrdinaryCall(page);
    expect(await actions(page)).toEqual([{ type: 'cancel-emergency', callId: groupCall.id }]);
    await page.context().close();
  });

  it('reports a rejected emergency end', async () => {
    const page = await openPreview(1280);
    await holdRequests(page);
    await reportCall(page, own);
    await page.getByRole('button', { name: endName }).click();
    await settleHeld(page, { sipStatus: 403, reasonPhrase: 'Forbidden' });
    await page.locator('.notice').waitFor();
    expect(await page.locator('.notice-text').innerText()).toBe(
      'End of the emergency failed: The server rejected the request. (403 Forbidden)',
    );
    const end = page.getByRole('button', { name: endName });
    await expect.poll(() => end.isDisabled()).toBe(false);
    expect(await page.locator('.call.emergency-call').count()).toBe(1);

    await end.click();
    await settleHeld(page);
    await expect.poll(() => page.locator('.notice').isHidden()).toBe(true);
    await page.context().close();
  });
});

describe('emergency elsewhere', () => {
  const fromBob = {
    id: 'a84b4c76e66710@127.0.0.1',
    kind: 'group',
    groupId: 'sip:fire-1@mcptt.example',
    direction: 'incoming',
    peerId: 'sip:bob@mcptt.example',
    emergency: true,
    emergencyAtSetUp: true,
  };

  it('marks the group in the list', async () => {
    const page = await openPreview(1280);
    await reportCall(page, fromBob);
    const row = page.locator('.row', { has: page.getByRole('button', { name: /Fire Team 1/ }) });
    expect(await row.locator('.row-sub').innerText()).toBe('EMERGENCY');
    expect(await row.locator('.emergency-badge').count()).toBe(1);
    expect(await row.getByText('In call').count()).toBe(0);
    expect(await row.getByRole('button').first().getAttribute('aria-label')).toBe(
      'Open group Fire Team 1, emergency call',
    );
    expect(await contrast(row.locator('.emergency-badge'))).toBeGreaterThanOrEqual(4.5);
    await page.context().close();
  });

  it('alerts with another group open', async () => {
    const page = await openPreview(1280);
    const alerts = page.locator('.emergency-alert');
    await reportCall(page, fromBob);
    // The open group shows its own emergency, so the banner leaves it out.
    expect(await alerts.count()).toBe(0);

    await page.getByRole('button', { name: 'Open group EMS North' }).click();
    await expect.poll(() => alerts.count()).toBe(1);
    expect(await alerts.getAttribute('role')).toBe('alert');
    expect(await contrast(alerts)).toBeGreaterThanOrEqual(4.5);
    expect(await alerts.innerText()).toContain(
      'Emergency group call · Fire Team 1 · started by Bob',
    );
    await page
      .getByRole('button', { name: 'Open the emergency group call of Fire Team 1' })
      .click();
    await expect.poll(() => page.locator('#talk-heading').innerText()).toBe('Fire Team 1');
    expect(await alerts.count()).toBe(0);
    await page.context().close();
  });

  it('clears its alert when the emergency ends', async () => {
    const page = await openPreview(1280);
    await page.getByRole('button', { name: 'Open group EMS North' }).click();
    await reportCall(page, fromBob);
    const alerts = page.locator('.emergency-alert');
    await expect.poll(() => alerts.count()).toBe(1);
    await reportCall(page, { ...fromBob, emergency: false });
    await expect.poll(() => alerts.count()).toBe(0);
    await page.context().close();
  });

  it('marks the incoming-call dialog', async () => {
    const page = await openPreview(1280);
    await reportCall(page, {
      id: 'private-1',
      direction: 'incoming',
      peerId: 'sip:bob@mcptt.example',
      state: 'ringing',
      emergency: true,
    });
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.getAttribute('class')).toBe('incoming emergency');
    const border = await dialog.evaluate((element) => getComputedStyle(element).borderTopColor);
    expect(border).toBe('rgb(255, 77, 79)');

    await reportCall(page, { id: 'private-1', peerId: 'sip:bob@mcptt.example', emergency: true });
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.locator('dialog.incoming').getAttribute('class')).toBe('incoming');
    await page.context().close();
  });

  it('leaves an ordinary dialog alone', async () => {
    const page = await openPreview(1280);
    await ringFromBob(page);
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.getAttribute('class')).toBe('incoming');
    await page.context().close();
  });
});

/** Returns the WCAG contrast ratio of two opaque CSS colours in the `rgb(r, g, b)` form. */
function contrastRatio(first: string, second: string): number {
  const luminance = (colour: string): number => {
    const channels = (colour.match(/[\d.]+/g) ?? []).slice(0, 3).map((value) => {
      const c = Number(value) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const [r = 0, g = 0, b = 0] = channels;
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light = 0, dark = 0] = [luminance(first), luminance(second)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}

/** Returns the contrast ratio of an element's computed text colour on its own background colour. */
async function contrast(element: ReturnType<Page['locator']>): Promise<number> {
  const { color, backgroundColor } = await element.evaluate((node) => {
    const style = getComputedStyle(node);
    return { color: style.color, backgroundColor: style.backgroundColor };
  });
  return contrastRatio(color, backgroundColor);
}

/** Returns a computed style property of an element, such as `borderTopColor`. */
function styleOf(
  element: ReturnType<Page['locator']>,
  property: 'borderTopColor' | 'backgroundColor' | 'outlineColor' | 'opacity',
): Promise<string> {
  return element.evaluate((node, name) => getComputedStyle(node)[name], property);
}

/** Checks that the panel shows the open group's call as an ordinary, connected group call. */
async function expectOrdinaryCall(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: 'Emergency group call to Fire Team 1' });
  await expect.poll(() => button.innerText()).toBe('EMERGENCY');
  expect(await button.getAttribute('class')).toBe('emergency');
  expect(await button.isDisabled()).toBe(false);
  expect(await page.locator('.call-state').innerText()).toBe('Group call · connected');
  expect(await page.locator('.call-label').allTextContents()).toEqual(['Group call · Fire Team 1']);
  expect(await page.locator('.call.emergency-call').count()).toBe(0);
}

describe('notice bar', () => {
  /**
   * Makes the scripted client hold its requests, and fails the first affiliation change with a
   * timeout, as the SDK's SipRequestFailedError reports it.
   */
  async function failAffiliation(page: Page): Promise<void> {
    await holdRequests(page);
    await page.getByRole('switch', { name: 'Affiliated to EMS North' }).click();
    await settleHeld(page, { sipStatus: 408, reasonPhrase: 'Request Timeout' });
    await page.locator('.notice').waitFor();
  }

  it('words a SIP failure for people', async () => {
    const page = await openPreview(1280);
    await failAffiliation(page);
    expect(await page.locator('.notice-text').innerText()).toBe(
      'Affiliation to EMS North failed: The server did not answer in time. (408 Request Timeout)',
    );
    await page.context().close();
  });

  it('clears once the action succeeds', async () => {
    const page = await openPreview(1280);
    await failAffiliation(page);
    expect(await page.locator('.notice').innerText()).toContain('Affiliation to EMS North failed');

    const ems = page.getByRole('switch', { name: 'Affiliated to EMS North' });
    await expect.poll(() => ems.isDisabled()).toBe(false);
    await ems.click();
    await settleHeld(page);
    await expect.poll(() => page.locator('.notice').isHidden()).toBe(true);
    await page.context().close();
  });

  it('closes with its dismiss button', async () => {
    const page = await openPreview(1280);
    await failAffiliation(page);
    await page.getByRole('button', { name: 'Dismiss the notice' }).click();
    expect(await page.locator('.notice').isHidden()).toBe(true);
    await page.context().close();
  });
});

describe('identity removal', () => {
  function forgetRequests(page: Page): Promise<number> {
    return page.evaluate(() => (window as unknown as { forgetRequests: number }).forgetRequests);
  }

  it('asks before removing the identity', async () => {
    const page = await openPreview(1280);
    await page.getByRole('button', { name: 'Remove identity' }).click();
    const question = page.getByRole('group', {
      name:
        'Remove Alice (Dispatch) (sip:alice@mcptt.example) from this browser? Its private key ' +
        'is deleted, and enrolling again needs a new one-time code.',
    });
    await question.waitFor();
    expect(await forgetRequests(page)).toBe(0);

    await question.getByRole('button', { name: 'Cancel' }).click();
    expect(await question.isHidden()).toBe(true);
    expect(await forgetRequests(page)).toBe(0);

    await page.getByRole('button', { name: 'Remove identity' }).click();
    await question.getByRole('button', { name: 'Remove', exact: true }).click();
    expect(await forgetRequests(page)).toBe(1);
    await page.context().close();
  });
});

describe('control colours', () => {
  it('keeps the held ring under the pointer', async () => {
    const page = await openPreview(1280);
    // A call without floor control lets the held button turn green at once.
    await reportCall(page, {
      id: 'a84b4c76e66710@127.0.0.1',
      kind: 'group',
      groupId: 'sip:fire-1@mcptt.example',
    });
    const ptt = page.getByRole('button', { name: /Push to talk/ });
    await ptt.hover();
    await page.mouse.down();
    await expect.poll(() => ptt.getAttribute('class')).toBe('ptt pressed');
    expect(await styleOf(ptt, 'borderTopColor')).toBe('rgb(184, 255, 214)');
    await page.mouse.up();
    await page.context().close();
  });

  it('rings the waiting button in white', async () => {
    const page = await openPreview(1280);
    const ptt = page.getByRole('button', { name: /Push to talk/ });
    await page.keyboard.press('Tab');
    await ptt.focus();
    await page.keyboard.down('Space');
    await expect.poll(() => ptt.getAttribute('class')).toBe('ptt pressed waiting');
    expect(await ptt.evaluate((button) => button.matches(':focus-visible'))).toBe(true);
    expect(await styleOf(ptt, 'outlineColor')).toBe('rgb(255, 255, 255)');
    await page.keyboard.up('Space');
    await page.context().close();
  });

  it('outlines fields and switches at 3:1', async () => {
    const page = await openPreview(1280);
    const field = page.getByLabel('Short-data message');
    const panel = page.locator('.chat');
    expect(
      contrastRatio(
        await styleOf(field, 'borderTopColor'),
        await styleOf(panel, 'backgroundColor'),
      ),
    ).toBeGreaterThanOrEqual(3);
    const off = page.getByRole('switch', { name: 'Affiliated to EMS North' });
    const row = page.locator('.row', { has: off });
    expect(
      contrastRatio(await styleOf(off, 'borderTopColor'), await styleOf(row, 'backgroundColor')),
    ).toBeGreaterThanOrEqual(3);
    await page.context().close();
  });

  it('dims a disabled switch', async () => {
    const page = await openPreview(1280);
    await setRegistration(page, 'reconnecting');
    const off = page.getByRole('switch', { name: 'Affiliated to EMS North' });
    await expect.poll(() => off.isDisabled()).toBe(true);
    expect(await styleOf(off, 'opacity')).toBe('0.45');
    await page.context().close();
  });
});

describe('long group name', () => {
  const groupName = 'Metropolitan Fire and Rescue Hazmat-Decontamination-Sector-North-Unit-12';

  it('fits a 320 px wide phone', async () => {
    const page = await openPreview(320, { groupName });
    await expect.poll(() => page.locator('#talk-heading').innerText()).toBe(groupName);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    const emergency = await page
      .getByRole('button', { name: /Emergency group call/ })
      .boundingBox();
    expect(emergency).not.toBeNull();
    expect((emergency?.x ?? 0) + (emergency?.width ?? 0)).toBeLessThanOrEqual(320);
    await page.context().close();
  });
});

describe('users list', () => {
  for (const width of [1280, 1100]) {
    it(`wraps names between words at ${String(width)} px`, async () => {
      const page = await openPreview(width);
      const layout = await page.evaluate(() => {
        const titles = Array.from(document.querySelectorAll('.row-title'));
        // A word broken over two lines has two boxes.
        const broken = titles.flatMap((title) => {
          const text = title.firstChild;
          if (text === null) return [];
          return Array.from((text.textContent ?? '').matchAll(/\S+/g))
            .filter((word) => {
              const range = document.createRange();
              range.setStart(text, word.index);
              range.setEnd(text, word.index + word[0].length);
              return range.getClientRects().length > 1;
            })
            .map((word) => word[0]);
        });
        const overflowing = titles
          .filter((title) => {
            const row = title.closest('.row-main')?.getBoundingClientRect();
            const range = document.createRange();
            range.selectNodeContents(title);
            return row !== undefined && range.getBoundingClientRect().right > row.right + 0.5;
          })
          .map((title) => title.textContent);
        return { broken, overflowing };
      });
      expect(layout.broken).toEqual([]);
      expect(layout.overflowing).toEqual([]);
      await page.context().close();
    });
  }
});

describe('lost connection', () => {
  /** Returns the controls that need a registration, found by accessible name. */
  function registeredControls(page: Page): ReturnType<Page['locator']>[] {
    return [
      page.getByRole('button', { name: /Push to talk/ }),
      page.getByRole('button', { name: /Emergency group call/ }),
      page.getByRole('button', { name: 'Private call to Bob' }),
      page.getByRole('button', { name: 'Automatic call to Bob' }),
      page.getByRole('switch', { name: 'Affiliated to Fire Team 1' }),
      page.getByLabel('Short-data message'),
    ];
  }

  it('disables controls while reconnecting', async () => {
    const page = await openPreview(1280);
    await setRegistration(page, 'reconnecting');
    expect(await page.locator('.registration').innerText()).toBe('Connection lost · reconnecting…');
    for (const control of registeredControls(page)) {
      expect(await control.isDisabled(), String(control)).toBe(true);
    }

    await setRegistration(page, 'registered');
    expect(await page.locator('.registration').innerText()).toBe('Registered · protected');
    for (const control of registeredControls(page)) {
      expect(await control.isDisabled(), String(control)).toBe(false);
    }
    await page.context().close();
  });

  it('shows a failed new registration', async () => {
    const page = await openPreview(1280);
    await setRegistration(page, 'reconnecting');
    await setRegistration(page, 'failed', 'Request Timeout');
    expect(await page.locator('.registration').innerText()).toBe(
      'Registration failed: The SIP core did not answer in time. (Request Timeout)',
    );
    for (const control of registeredControls(page)) {
      expect(await control.isDisabled(), String(control)).toBe(true);
    }
    await page.context().close();
  });
});

describe('registration failure', () => {
  it('says failed once for an unknown cause', async () => {
    const page = await openPreview(1280);
    await setRegistration(page, 'failed', 'Service Unavailable');
    expect(await page.locator('.registration').innerText()).toBe(
      'Registration failed (Service Unavailable)',
    );
    await setRegistration(page, 'failed');
    expect(await page.locator('.registration').innerText()).toBe('Registration failed');
    await page.context().close();
  });
});

describe('security panel', () => {
  /** Adds security records through the scripted client, as the SDK would report messages. */
  async function addRecords(page: Page, first: number, count: number): Promise<void> {
    await page.evaluate(
      ({ first, count }) => {
        const client = (
          window as unknown as {
            fakeClient: { delegate: { onSecurityRecord?: (record: unknown) => void } };
          }
        ).fakeClient;
        for (let n = first; n < first + count; n++) {
          client.delegate.onSecurityRecord?.({
            id: `added-${String(n)}`,
            direction: 'in',
            method: 'MESSAGE',
            callId: `call-${String(n)}`,
            summary: `Record ${String(n)}`,
            plaintext: 'text',
            security: undefined,
            at: new Date('2026-01-01T10:00:00Z'),
          });
        }
      },
      { first, count },
    );
  }

  function summaries(page: Page): Promise<string[]> {
    return page.evaluate(() =>
      Array.from(document.querySelectorAll('.security-list .record-summary')).map(
        (element) => element.textContent ?? '',
      ),
    );
  }

  it('lists the newest record first', async () => {
    const page = await openPreview(1280);
    await addRecords(page, 0, 3);
    expect((await summaries(page)).slice(0, 4)).toEqual([
      'Record 2',
      'Record 1',
      'Record 0',
      'Short data from bob',
    ]);
    await page.context().close();
  });

  it('keeps at most 200 rows', async () => {
    const page = await openPreview(1280);
    await addRecords(page, 0, 205);
    const listed = await summaries(page);
    expect(listed).toHaveLength(200);
    expect(listed[0]).toBe('Record 204');
    expect(listed.at(-1)).toBe('Record 5');
    await page.context().close();
  });

  it('names the algorithms in words', async () => {
    const page = await openPreview(1280);
    const row = page.locator('.record', { hasText: 'Short data from bob' });
    await row.locator('summary').click();
    expect(await row.locator('.record-facts dt').allTextContents()).toEqual([
      'Time',
      'Call-ID',
      'Signed',
      'Encrypted',
      'Signer',
      'S/MIME type',
      'Content encryption',
      'Key management',
      'Signature',
      'Digest',
    ]);
    await page.context().close();
  });

  it('marks a sent request that failed', async () => {
    const page = await openPreview(1280);
    const publish = {
      id: 'publish-1',
      direction: 'out',
      method: 'PUBLISH',
      callId: 'publish-call',
      summary: 'Affiliation',
      plaintext: 'Affiliated groups:',
      security: undefined,
      at: new Date('2026-01-01T10:00:00Z'),
    };
    const report = (record: Record<string, unknown>): Promise<void> =>
      page.evaluate((record) => {
        const { fakeClient } = window as unknown as {
          fakeClient: { delegate: { onSecurityRecord?: (record: unknown) => void } };
        };
        fakeClient.delegate.onSecurityRecord?.(record);
      }, record);
    await report(publish);
    const badge = page.locator('.record', { hasText: 'Affiliation' }).locator('.badge');
    expect(await badge.innerText()).toBe('SENT · S/MIME');

    await report({ ...publish, failure: '408 Request Timeout' });
    expect(await badge.innerText()).toBe('FAILED · 408');
    expect(await page.locator('.record', { hasText: 'Affiliation' }).count()).toBe(1);
    await page.context().close();
  });

  it('leaves its rows alone on other changes', async () => {
    const page = await openPreview(1280);
    await addRecords(page, 0, 2);
    await page.evaluate(() => {
      const list = document.querySelector('.security-list');
      const row = list?.querySelector<HTMLDetailsElement>('details');
      if (list === null || list === undefined || row === null || row === undefined) {
        throw new Error('no security row');
      }
      row.open = true;
      row.dataset['marked'] = 'yes';
      const observed = window as unknown as { listChanges: number };
      observed.listChanges = 0;
      new MutationObserver((records) => {
        observed.listChanges += records.length;
      }).observe(list, { childList: true });
    });

    // A group selection changes the state but not the records.
    await page.getByRole('button', { name: 'Open group EMS North' }).click();
    await page.waitForFunction(
      () => document.getElementById('talk-heading')?.textContent === 'EMS North',
    );
    const changesAfterSelection = await page.evaluate(
      () => (window as unknown as { listChanges: number }).listChanges,
    );
    await addRecords(page, 2, 1);

    const marked = await page.evaluate(() => {
      const rows = Array.from(
        document.querySelectorAll<HTMLDetailsElement>('.security-list details'),
      );
      const row = rows.find((element) => element.dataset['marked'] === 'yes');
      return { index: row === undefined ? -1 : rows.indexOf(row), open: row?.open ?? false };
    });
    expect(changesAfterSelection).toBe(0);
    expect(marked).toEqual({ index: 1, open: true });
    await page.context().close();
  });
});
