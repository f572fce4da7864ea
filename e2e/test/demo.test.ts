/**
 * The demo end to end: three users in separate Chromium contexts enrol, affiliate, set up group,
 * private and emergency calls and exchange short data through Kamailio and the MCPTT server. The
 * core's body log then has to be free of every sensitive value that the users and the server saw.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  affiliate,
  audioPacketsReceived,
  enrol,
  importPkcs12,
  leaveGroup,
  openApp,
  pressTalk,
  registrationStatus,
  releaseTalk,
  sendShortData,
  waitForGroupCall,
  waitForMessage,
  waitForRegistration,
  type AppUser,
} from '../src/app-driver.js';
import { launchChromium } from '../../tools/chromium.js';
import {
  BODY_LOG,
  FOREIGN_PKCS12_PASSWORD,
  startDemoStack,
  type DemoStack,
} from '../src/demo-stack.js';
import { GROUP, SERVER_NAME, USERS } from '../src/demo-users.js';
import { ENVELOPE_MESSAGE_TYPE, pemDecode } from '../../packages/smime/src/index.js';
import { MEDIA_TYPES, textPart } from '../../packages/server/src/body-parts.js';
import { buildMcpttInfo } from '../../packages/server/src/mcptt-xml.js';
import { McpttTestClient, status } from '../../packages/server/test/helpers/mcptt-test-client.js';

const GROUP_TEXT = 'Hydrant 14 is dry, move to Elm Street';
const PRIVATE_TEXT = 'Bring the thermal camera to sector B';

let stack: DemoStack;
let browser: Browser;
let alice: AppUser;
let bob: AppUser;
let carol: AppUser;

beforeAll(async () => {
  stack = await startDemoStack();
  browser = await launchChromium({ media: true });
  alice = await openApp(browser, stack.appUrl, USERS.alice);
  bob = await openApp(browser, stack.appUrl, USERS.bob);
  carol = await openApp(browser, stack.appUrl, USERS.carol);
});

afterEach((context) => {
  if (context.task.result?.state !== 'fail') return;
  for (const app of [alice, bob, carol]) {
    console.log(`--- ${app.user.name}'s page console ---\n${app.logs.join('\n')}`);
  }
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('demo through Kamailio', () => {
  it('enrols and registers three users', async () => {
    await Promise.all([alice, bob, carol].map(enrol));
    await Promise.all([alice, bob, carol].map((app) => waitForRegistration(app)));
    for (const app of [alice, bob, carol]) {
      expect(await registrationStatus(app)).toBe('Registered · protected');
    }
  });

  // The app makes the key agreement of its messages in a worker. Without it, protect still works,
  // so this test requests envelopes from the worker directly, as the page's pool does.
  it('makes envelopes in the app worker', async () => {
    const worker = alice.page.workers().find((found) => found.url().includes('envelope-worker'));
    if (worker === undefined) throw new Error('the app started no envelope worker');
    const pem = await readFile(join(stack.pkiFolder, `${SERVER_NAME}.cert.pem`), 'utf8');
    const [certificate] = pemDecode(pem, 'CERTIFICATE');
    if (certificate === undefined) throw new Error('server certificate missing');

    const reply = await worker.evaluate(
      ({ type, recipient }) => {
        const scope = self as unknown as {
          postMessage: (message: unknown) => void;
          dispatchEvent: (event: Event) => boolean;
        };
        const post = scope.postMessage.bind(scope);
        return new Promise<{ error?: string; keys: string[]; infoBytes: number[] }>((resolve) => {
          scope.postMessage = (message) => {
            const data = message as {
              channel: string;
              error?: string;
              envelopes?: { contentKey: unknown; recipientInfos: Uint8Array[] }[];
            };
            if (data.channel !== 'demo-test') return post(message);
            scope.postMessage = post;
            resolve({
              ...(data.error === undefined ? {} : { error: data.error }),
              keys: (data.envelopes ?? []).map((envelope) =>
                envelope.contentKey instanceof CryptoKey ? envelope.contentKey.type : 'none',
              ),
              infoBytes: (data.envelopes ?? []).map(
                (envelope) => envelope.recipientInfos[0]?.length ?? 0,
              ),
            });
          };
          const data = {
            type,
            channel: 'demo-test',
            id: 1,
            recipients: [new Uint8Array(recipient)],
            algorithm: 'aes-256-gcm',
            count: 2,
          };
          scope.dispatchEvent(new MessageEvent('message', { data }));
        });
      },
      { type: ENVELOPE_MESSAGE_TYPE, recipient: [...certificate] },
    );

    expect(reply.error).toBeUndefined();
    expect(reply.keys).toEqual(['secret', 'secret']);
    for (const length of reply.infoBytes) expect(length).toBeGreaterThan(100);
  });

  it('affiliates the users to the group', async () => {
    await Promise.all([alice, bob, carol].map((app) => affiliate(app, GROUP.displayName)));
    const { registry } = stack.server.context;
    const group = registry.group(GROUP.id);
    expect(group).toBeDefined();
    for (const user of [USERS.alice, USERS.bob, USERS.carol]) {
      if (group !== undefined) {
        await expect.poll(() => registry.isAffiliated(user.uri, group)).toBe(true);
      }
    }
  });

  it('invites a member who affiliates during a call', async () => {
    await leaveGroup(carol, GROUP.displayName);
    await pressTalk(alice);
    await Promise.all([alice, bob].map((app) => waitForGroupCall(app)));
    await releaseTalk(alice);

    await affiliate(carol, GROUP.displayName);

    await waitForGroupCall(carol);
  });

  it('confirms a group call for every member', async () => {
    await pressTalk(alice);
    await Promise.all([alice, bob, carol].map((app) => waitForGroupCall(app)));
    await releaseTalk(alice);
  });

  // The server relays the talker's RTP to the other legs of the call.
  it('carries the talker audio to the listeners', async () => {
    await pressTalk(alice);
    await expect.poll(() => audioPacketsReceived(bob), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => audioPacketsReceived(carol), { timeout: 10_000 }).toBeGreaterThan(0);
    await releaseTalk(alice);
  });

  it('delivers group short data to the members', async () => {
    await sendShortData(alice, GROUP_TEXT);
    await waitForMessage(bob, GROUP_TEXT);
    await waitForMessage(carol, GROUP_TEXT);
  });

  it('delivers private short data to one user', async () => {
    await bob.page
      .getByRole('button', { name: `Open chat with ${USERS.carol.displayName}` })
      .click();
    await sendShortData(bob, PRIVATE_TEXT);
    await waitForMessage(carol, PRIVATE_TEXT);
    expect(await alice.page.getByText(PRIVATE_TEXT).count()).toBe(0);
  });

  it('sets up a private call that the callee accepts', async () => {
    await alice.page
      .getByRole('button', { name: `Private call to ${USERS.bob.displayName}` })
      .click();
    const accept = bob.page.getByRole('button', {
      name: `Accept call from ${USERS.alice.displayName}`,
    });
    await accept.click();
    await alice.page.locator('.call[data-state="confirmed"]', { hasText: 'private' }).waitFor();
    await bob.page.locator('.call[data-state="confirmed"]', { hasText: 'private' }).waitFor();
  });

  // The caller signs a copy of Answer-Mode, and the server signs its own for the called party,
  // so the core, which can read and change the header field, cannot start a call by itself.
  it('starts an automatic private call without the called user', async () => {
    await carol.page
      .getByRole('button', { name: `Automatic call to ${USERS.alice.displayName}` })
      .click();
    const confirmed = (app: AppUser, peer: AppUser) =>
      app.page
        .locator('.call[data-state="confirmed"]', {
          hasText: `private call · ${peer.user.name}`,
        })
        .waitFor();
    await confirmed(alice, carol);
    await confirmed(carol, alice);
    expect(
      await alice.page
        .getByRole('button', { name: `Accept call from ${USERS.carol.displayName}` })
        .count(),
    ).toBe(0);
  });

  it('makes the group call an emergency call', async () => {
    // Bob's private text opened his chat on Carol's page, and emergency calls are for groups.
    await carol.page.getByRole('button', { name: `Open group ${GROUP.displayName}` }).click();
    await carol.page.getByRole('button', { name: /Emergency group call/ }).click();
    for (const app of [alice, bob, carol]) {
      await app.page.locator('.call.emergency-call[data-state="confirmed"]').waitFor();
    }
  });

  it('keeps every sensitive value out of the core body log', async () => {
    const log = await readFile(BODY_LOG, 'utf8');
    expect(log).toContain('--- sip-core body begin: request INVITE');
    const sensitive = [
      GROUP.id,
      USERS.alice.uri,
      USERS.bob.uri,
      USERS.carol.uri,
      GROUP_TEXT,
      PRIVATE_TEXT,
      'mcptt-info',
      'calling-group-id',
    ];
    for (const value of sensitive) {
      expect(log, `the core saw ${value}`).not.toContain(value);
    }
  });
});

describe('rejections', () => {
  it('names a peer, not the user it claims', async () => {
    // Bob, with a valid key, sends Carol a MESSAGE through the core that claims in its
    // mcptt-info to come from Alice in the group: only the server may make those claims.
    const bob = await McpttTestClient.connect(
      stack.coreUrl,
      'bob',
      stack.pkiFolder,
      stack.pkiFolder,
    );
    const carolCertificate = stack.server.context.registry.certificate(USERS.carol.uri);
    if (carolCertificate === undefined) throw new Error('carol has no certificate');
    const info = buildMcpttInfo({ callingUserId: USERS.alice.uri, callingGroupId: GROUP.id });
    const request = bob.request('MESSAGE', USERS.carol.uri, [
      textPart(MEDIA_TYPES.mcpttInfo, info),
      textPart('text/plain;charset=utf-8', 'Claimed to come from Alice'),
    ]);
    const answer = await bob.send(await bob.protect(request, [carolCertificate]));
    bob.close();

    const record = carol.page.locator(`li[data-call-id="${request.callId}"]`);
    await record.waitFor({ state: 'attached' });
    expect(status(answer)).toBe(200);
    expect(await record.textContent()).toContain(`Short data from ${USERS.bob.uri}`);
    expect(await record.textContent()).not.toContain(GROUP.id);
  });

  it('rejects a message tampered with in the core', async () => {
    const text = 'Evacuate the east wing now';
    // The route stands for a core that flips one byte of each protected body it relays to Carol.
    await carol.page.routeWebSocket(/.*/, (socket) => {
      const core = socket.connectToServer();
      socket.onMessage((frame) => core.send(frame));
      core.onMessage((frame) => socket.send(typeof frame === 'string' ? tamper(frame) : frame));
    });
    await carol.page.reload();
    await waitForRegistration(carol);
    // Alice's private call to Bob opened his chat, and the text goes to the group with Carol.
    await alice.page.getByRole('button', { name: `Open group ${GROUP.displayName}` }).click();
    await sendShortData(alice, text);
    await carol.page.getByText(/Rejected/).waitFor();
    expect(await carol.page.getByText(text).count()).toBe(0);
  });

  it('shows why an enrolment code was rejected', async () => {
    const mallory = await openApp(browser, stack.appUrl, USERS.mallory);
    await mallory.page.getByLabel('MCPTT ID', { exact: true }).fill(USERS.mallory.uri);
    await mallory.page.getByLabel('One-time code', { exact: true }).fill('WRONG-CODE');
    await mallory.page.getByRole('button', { name: 'Enrol' }).click();

    const status = mallory.page.locator('.status-line.error');
    await status.waitFor();
    // A sentence for the user, then the endpoint's reason and status in smaller print.
    expect(await status.innerText()).toBe(
      'Enrolment failed: The MCPTT ID or the one-time code is wrong, or the code was used ' +
        'already. (HTTP 403: unknown user or wrong code)',
    );
    await mallory.context.close();
  });

  it('refuses a user whose certificate the server does not trust', async () => {
    const mallory = await openApp(browser, stack.appUrl, USERS.mallory);
    await importPkcs12(mallory, stack.foreignPkcs12, FOREIGN_PKCS12_PASSWORD);
    await mallory.page
      .getByText(
        'Import failed: The certificate was not issued by an authority that this app trusts.',
      )
      .waitFor();

    // A device provisioned with the foreign CA as well imports the file, and the server rejects it.
    await mallory.context.route('**/demo-config.json', async (route) => {
      const response = await route.fetch();
      const config = (await response.json()) as { trustAnchors: string[] };
      const trustAnchors = [...config.trustAnchors, stack.foreignTrustAnchor];
      await route.fulfill({ response, json: { ...config, trustAnchors } });
    });
    await mallory.page.reload();
    await importPkcs12(mallory, stack.foreignPkcs12, FOREIGN_PKCS12_PASSWORD);
    await expect.poll(() => registrationStatus(mallory), { timeout: 20_000 }).toMatch(/failed/);
    expect(stack.server.context.registry.isAuthorised(USERS.mallory.uri)).toBe(false);
    await mallory.context.close();
  });
});

/** Flips one base64 character inside the S/MIME body of a MESSAGE, leaving the framing intact. */
function tamper(frame: string): string {
  if (!frame.startsWith('MESSAGE ') || !frame.includes('application/pkcs7-mime')) return frame;
  const bodyStart = frame.indexOf('\r\n\r\n') + 4;
  const position = bodyStart + Math.floor((frame.length - bodyStart) / 2);
  const original = frame[position];
  const replacement = original === 'A' ? 'B' : 'A';
  return frame.slice(0, position) + replacement + frame.slice(position + 1);
}
