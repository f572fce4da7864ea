/**
 * Group-call set-up time in the real demo: from the press of Alice's talk button to the call
 * being confirmed in her app, through Kamailio and the MCPTT server, with Bob and Carol as
 * affiliated members. Two stacks run side by side: one protected, and one with the server's and
 * the SDK's `insecurePlainCalls` measurement switch on, so that calls cross the core in clear while
 * registration and affiliation stay protected. Calls alternate between the two stacks, so that
 * both modes meet the same machine load. The last line of output is one JSON object with the
 * medians in ms.
 *
 * Run inside the loopback-only namespace: `npm run bench -w e2e`.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { affiliate, enrol, openApp, waitForRegistration, type AppUser } from '../src/app-driver.js';
import { launchChromium } from '../../tools/chromium.js';
import { ARTIFACTS, startDemoStack, type DemoStack } from '../src/demo-stack.js';
import { GROUP, USERS } from '../src/demo-users.js';

/** Calls per mode; the first one warms up the code paths and is left out of the median. */
const RUNS = Number(process.env['MCPTT_BENCH_RUNS'] ?? 21);

/** Presses the talk button and returns the ms until the page shows the call confirmed. */
async function measureSetup(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const button = document.querySelector<HTMLButtonElement>('button.ptt');
        const status = document.querySelector('.call-state');
        if (button === null || status === null) {
          reject(new Error('talk button or call status missing'));
          return;
        }
        const start = performance.now();
        const timer = setTimeout(
          () => reject(new Error('group call not confirmed in 10 s')),
          10_000,
        );
        const observer = new MutationObserver(() => {
          if (status.textContent?.includes('connected') === true) {
            clearTimeout(timer);
            observer.disconnect();
            resolve(performance.now() - start);
          }
        });
        observer.observe(status, { childList: true, characterData: true, subtree: true });
        button.dispatchEvent(
          new PointerEvent('pointerdown', { button: 0, pointerId: 1, bubbles: true }),
        );
      }),
  );
}

async function endCalls(app: AppUser): Promise<void> {
  await app.page.mouse.up();
  await app.page.evaluate(() => {
    document
      .querySelector<HTMLButtonElement>('button.ptt')
      ?.dispatchEvent(new PointerEvent('pointerup', { button: 0, pointerId: 1, bubbles: true }));
  });
  for (const button of await app.page.getByRole('button', { name: /^End / }).all()) {
    await button.click();
  }
  await app.page.getByText('Idle. Hold the button').waitFor({ timeout: 10_000 });
}

/** Pause after every party is idle, for the server and the core to finish the last transactions. */
const SETTLE_MS = 250;

/**
 * Waits until every app shows no call and then a little longer. A press right after the previous
 * call would share the CPU with the teardown of that call in the members' apps and the server,
 * and that teardown costs more when it is protected, which would count it as set-up time.
 */
async function settle(apps: readonly AppUser[]): Promise<void> {
  await Promise.all(
    apps.map((app) => app.page.getByText('Idle. Hold the button').waitFor({ timeout: 10_000 })),
  );
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1
      ? (sorted[middle] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return Math.round(value * 10) / 10;
}

type Mode = 'protected' | 'plain';

/** Opens the three users' apps on a stack, enrolled, registered and affiliated. */
async function prepareApps(browser: Browser, stack: DemoStack): Promise<AppUser[]> {
  const users = [USERS.alice, USERS.bob, USERS.carol];
  const apps = await Promise.all(users.map((user) => openApp(browser, stack.appUrl, user)));
  for (const app of apps) {
    await enrol(app);
    await waitForRegistration(app);
    await affiliate(app, GROUP.displayName);
  }
  return apps;
}

/** Times one call set-up, ends the call and waits until every party of the stack is idle. */
async function measureCall(apps: readonly AppUser[]): Promise<number> {
  const [alice] = apps;
  if (alice === undefined) throw new Error('no talker');
  const time = await measureSetup(alice.page);
  await endCalls(alice);
  await settle(apps);
  return time;
}

const modes: readonly Mode[] = ['protected', 'plain'];
const stacks = new Map<Mode, DemoStack>();
const result: Record<string, number | string | null> = {
  runs: RUNS - 1,
  setup_protected_ms: null,
  setup_plain_ms: null,
};
let browser: Browser | undefined;
try {
  for (const mode of modes) {
    const stack = await startDemoStack({
      insecurePlainCalls: mode === 'plain',
      artifacts: mode === 'plain' ? join(ARTIFACTS, 'plain') : ARTIFACTS,
    });
    stacks.set(mode, stack);
  }
  browser = await launchChromium({ media: true });
  const apps = new Map<Mode, AppUser[]>();
  for (const [mode, stack] of stacks) apps.set(mode, await prepareApps(browser, stack));

  const times = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
  for (let run = 0; run < RUNS; run++) {
    // Each round starts with the other mode, so that neither always follows the other.
    const order = run % 2 === 0 ? modes : [...modes].reverse();
    for (const mode of order) {
      const time = await measureCall(apps.get(mode) ?? []);
      if (run > 0) times.get(mode)?.push(time);
      console.log(
        `${mode} run ${String(run)}: ${time.toFixed(1)} ms${run === 0 ? ' (warm-up)' : ''}`,
      );
    }
  }
  for (const mode of modes) result[`setup_${mode}_ms`] = median(times.get(mode) ?? []);
} catch (error) {
  result['error'] = error instanceof Error ? error.message : String(error);
} finally {
  await browser?.close();
  for (const stack of stacks.values()) await stack.stop();
}

const { setup_protected_ms: protectedMs, setup_plain_ms: plainMs } = result;
if (typeof protectedMs === 'number' && typeof plainMs === 'number') {
  result['overhead_ms'] = Math.round((protectedMs - plainMs) * 10) / 10;
}
console.log(JSON.stringify(result));
