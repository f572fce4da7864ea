import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { inCi } from '../../../tools/required-tool.js';
import {
  findKamailio,
  parseBodyLog,
  startKamailio,
  type RunningKamailio,
} from '@mcptt-smime/sip-core';
import { McpttClient } from '../src/api/mcptt-client.js';
import type { IncomingCallEvent, ShortDataEvent } from '../src/api/events.js';
import { ManualTimers } from './helpers/manual-timers.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { RawPeer } from './helpers/raw-peer.js';
import { installWebRtcShims } from './helpers/webrtc-shims.js';

const ALICE = 'sip:alice@example.org';
const SERVER = 'sip:mcptt-server@example.org';
const GROUP = 'sip:group-kamailio-41@example.org';
const CALLEE = 'sip:callee-kamailio-77@example.org';
const ACCESS_TOKEN = 'access-token-kamailio-5f2e';
const TEXT_TO_SERVER = 'short data kamailio alpha';
const TEXT_TO_ALICE = 'short data kamailio bravo';
/** Plaintext that must never appear in a body that crossed the core. */
const SECRETS = [GROUP, CALLEE, ACCESS_TOKEN, TEXT_TO_SERVER, TEXT_TO_ALICE, 'mcptt-Params'];

const kamailio = findKamailio();
// In CI a missing Kamailio is a failure, so that the integration test cannot vanish silently.

describe.runIf(inCi && kamailio === undefined)('Kamailio integration prerequisites', () => {
  it('finds the kamailio binary', () => {
    expect(kamailio).toBeDefined();
  });
});

describe.skipIf(kamailio === undefined)('SDK through Kamailio', () => {
  let core: RunningKamailio | undefined;
  let folder = '';
  let alice: McpttClient;
  let server: RawPeer;
  let restore: () => void = () => undefined;
  let aliceCertificate: Uint8Array = new Uint8Array();
  const shortData: ShortDataEvent[] = [];
  const calls: IncomingCallEvent[] = [];
  const timers = new ManualTimers();

  /** Waits until the server has received `count` PUBLISH requests of `event`. */
  async function publishesOf(event: string, count: number) {
    const matching = () =>
      server.received.filter(
        (r) => r.method === 'PUBLISH' && new RegExp(`^Event: ${event}\r$`, 'm').test(r.plaintext),
      );
    for (let waited = 0; matching().length < count && waited < 10_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return matching();
  }

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sdk-kamailio-'));
    core = await startKamailio({
      bodyLogFile: join(folder, 'bodies.log'),
      logFile: join(folder, 'kamailio.log'),
    });
    restore = installWebRtcShims({ WebSocket });
    const stores = await createKeyStores();
    aliceCertificate = stores.pki.certificate('alice');
    server = await RawPeer.connect({
      url: core.url,
      identity: await stores.pki.identity('server'),
      trustAnchors: [stores.pki.caCertificate],
      now: stores.now,
    });
    alice = new McpttClient({
      uri: ALICE,
      url: core.url,
      crypto: testCrypto,
      keyStore: stores.alice,
      now: stores.now,
      serverUri: SERVER,
      serverCertificates: [stores.pki.certificate('server')],
      clientId: 'urn:uuid:00000000-0000-4000-8000-00000000a11c',
      accessToken: ACCESS_TOKEN,
      schedule: timers.schedule,
      delegate: {
        onShortData: (event) => shortData.push(event),
        onIncomingCall: (event) => calls.push(event),
      },
    });
    await alice.start();
    expect(await server.register('sip:example.org')).toBe(200);
  }, 30_000);

  afterAll(async () => {
    alice?.stop();
    server?.close();
    restore();
    await core?.stop();
    await rm(folder, { recursive: true, force: true });
  }, 30_000);

  it('registers, then authorises the service with a protected PUBLISH', async () => {
    await alice.register();

    const publish = server.received.find((r) => r.method === 'PUBLISH');
    expect(publish?.plaintext).toMatch(/^Event: poc-settings\r$/m);
    expect(publish?.plaintext).toContain(ACCESS_TOKEN);
    expect(publish?.security.signerUri).toBe(ALICE);
    expect(publish?.security.encrypted).toBe(true);
    expect(timers.active).toEqual([3_536_000]);
  });

  it('refreshes the service authorisation before it lapses', async () => {
    timers.fire();
    const publishes = await publishesOf('poc-settings', 2);

    expect(publishes).toHaveLength(2);
    expect(publishes[1]?.plaintext).toContain(ACCESS_TOKEN);
    expect(publishes[1]?.security.signerUri).toBe(ALICE);
    expect(publishes[1]?.security.encrypted).toBe(true);
    expect(publishes[1]?.callId).not.toBe(publishes[0]?.callId);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(timers.active).toEqual([3_536_000]);
  });

  it('refreshes only the latest affiliation', async () => {
    await alice.setAffiliation({ target: SERVER, groups: ['sip:left@example.org'], expires: 600 });
    await alice.setAffiliation({ target: SERVER, groups: [GROUP], expires: 600 });
    expect(timers.active).toEqual([3_536_000, 536_000]);

    timers.fire();
    const publishes = await publishesOf('presence', 3);
    await publishesOf('poc-settings', 3);

    expect(publishes).toHaveLength(3);
    expect(publishes[2]?.plaintext).toContain(GROUP);
    expect(publishes[2]?.plaintext).not.toContain('sip:left@example.org');
    expect(publishes[2]?.security.signerUri).toBe(ALICE);
    expect(publishes[2]?.security.encrypted).toBe(true);
  });

  it('exchanges protected short data both ways', async () => {
    const callId = await alice.sendShortData(CALLEE, TEXT_TO_SERVER);
    const status = await server.sendProtectedMessage(ALICE, aliceCertificate, TEXT_TO_ALICE);

    const atServer = server.received.find((r) => r.method === 'MESSAGE');
    expect(status).toBe(200);
    expect(atServer?.callId).toBe(callId);
    expect(atServer?.plaintext).toContain(TEXT_TO_SERVER);
    expect(atServer?.plaintext).toContain(`<mcpttURI>${CALLEE}</mcpttURI>`);
    expect(atServer?.security.signerUri).toBe(ALICE);
    expect(atServer?.security.encrypted).toBe(true);
    expect(shortData[0]?.text).toBe(TEXT_TO_ALICE);
    expect(shortData[0]?.from).toBe(SERVER);
    expect(shortData[0]?.callId).toMatch(/\S/);
    expect(shortData[0]?.security.signerUri).toBe(SERVER);
    expect(shortData[0]?.security.encrypted).toBe(true);
  });

  it('sets up a protected group call', async () => {
    const call = alice.startGroupCall({ groupId: GROUP, emergency: true });
    await call.established();
    call.hangUp();

    const invite = server.received.find((r) => r.method === 'INVITE' && r.callId === call.callId);
    expect(invite?.plaintext).toContain(GROUP);
    expect(invite?.plaintext).toContain('<emergency-ind');
    expect(invite?.security.signerUri).toBe(ALICE);
    expect(invite?.security.encrypted).toBe(true);
  });

  it('sets up a protected private call', async () => {
    const call = alice.startPrivateCall({ calleeId: CALLEE, commencement: 'automatic' });
    await call.established();
    call.hangUp();

    const invite = server.received.find((r) => r.method === 'INVITE' && r.callId === call.callId);
    expect(invite?.plaintext).toContain(CALLEE);
    expect(invite?.plaintext).toContain('recipient-list');
    expect(invite?.security.signerUri).toBe(ALICE);
    // The INVITE is signed when it leaves, so its CSeq is bound as well as its Call-ID and To.
    expect(invite?.security.protectedHeaders).toEqual([
      { name: 'Answer-Mode', value: 'Auto' },
      { name: 'Call-ID', value: call.callId },
      { name: 'CSeq', value: expect.stringMatching(/^\d+ INVITE$/) as unknown },
      { name: 'To', value: `<${SERVER}>` },
    ]);
    expect(invite?.security.sdpBound).toBe(true);
  });

  it('shows only ciphertext in the core body log', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    await core?.stop();
    core = undefined;
    const records = parseBodyLog(await readFile(join(folder, 'bodies.log'), 'utf8'));
    const methods = new Set(records.map((r) => `${r.kind} ${r.method}`));

    expect(methods).toContain('request REGISTER');
    expect(methods).toContain('request MESSAGE');
    expect(methods).toContain('request INVITE');
    expect(records.filter((r) => r.kind === 'request' && r.method === 'INVITE')).toHaveLength(2);
    expect(records.filter((r) => r.kind === 'request' && r.method === 'MESSAGE')).toHaveLength(2);
    for (const record of records) {
      for (const secret of SECRETS) expect(record.body).not.toContain(secret);
    }
    // A whole protected body is the base64 of the CMS; an INVITE keeps its SDP in clear beside it.
    for (const record of records.filter((r) => r.kind === 'request')) {
      if (record.method === 'INVITE') expect(record.body).toContain('application/pkcs7-mime');
      else expect(record.body.trim()).toMatch(/^[A-Za-z0-9+/=\r\n]+$/);
    }
  });
});
