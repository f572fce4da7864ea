import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_TYPES, textPart } from '../src/body-parts.js';
import { parseConfig } from '../src/config.js';
import { buildMcpttInfo } from '../src/mcptt-xml.js';
import { PLAIN_CALLS_POLICY } from '../src/plain-calls.js';
import {
  DOMAIN,
  McpttTestClient,
  OFFER_SDP,
  SERVER_URI,
  status,
} from './helpers/mcptt-test-client.js';
import { GROUP_ID, startFixture, type ServerFixture } from './helpers/server-fixture.js';

const BOB = `sip:bob@${DOMAIN}`;
const TEXT = 'plain run text 4410';

const mcpttInfo = (info: Parameters<typeof buildMcpttInfo>[0]) =>
  textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo(info));

describe('insecurePlainCalls switch', () => {
  let fixture: ServerFixture;
  const clients: McpttTestClient[] = [];

  beforeAll(async () => {
    fixture = await startFixture('relay', { insecurePlainCalls: true });
    for (const name of ['alice', 'bob']) {
      const user = await McpttTestClient.connect(fixture.coreUrl, name, fixture.pki, fixture.pki);
      user.policy = PLAIN_CALLS_POLICY;
      expect(await user.bind()).toBe(200);
      const publish = await user.protect(
        user.request(
          'PUBLISH',
          SERVER_URI,
          [mcpttInfo({ clientId: `${name}-1` })],
          [{ name: 'Event', value: 'poc-settings' }],
        ),
      );
      expect(status(await user.send(publish))).toBe(200);
      clients.push(user);
    }
  });

  afterAll(async () => {
    for (const client of clients) {
      client.close();
    }
    await fixture?.stop();
  });

  it('relays an unsigned MESSAGE in clear', async () => {
    const [alice, bob] = clients;
    if (alice === undefined || bob === undefined) throw new Error('clients missing');
    const message = alice.request('MESSAGE', SERVER_URI, [
      mcpttInfo({ requestUri: BOB }),
      textPart('text/plain', TEXT),
    ]);

    const response = await alice.send(message);
    const atBob = await bob.receive((i) => i.raw.method === 'MESSAGE');

    expect(status(response)).toBe(200);
    expect(atBob.error).toBeUndefined();
    expect(new TextDecoder().decode(atBob.raw.body)).toContain(TEXT);
    expect(await fixture.readBodyLog()).toContain(TEXT);
  });

  it('answers a group call in clear', async () => {
    const [alice] = clients;
    if (alice === undefined) throw new Error('clients missing');
    const invite = alice.request('INVITE', SERVER_URI, [
      textPart(MEDIA_TYPES.sdp, OFFER_SDP),
      mcpttInfo({ sessionType: 'prearranged', callingGroupId: GROUP_ID }),
    ]);

    const response = await alice.send(invite);
    const body = new TextDecoder().decode(response.body);

    expect(status(response)).toBe(200);
    expect(body).toContain(GROUP_ID);
    expect(body).not.toContain('application/pkcs7-mime');
  });

  it('still rejects an unsigned service authorisation with 403', async () => {
    const [alice] = clients;
    if (alice === undefined) throw new Error('client missing');
    const publish = alice.request(
      'PUBLISH',
      SERVER_URI,
      [mcpttInfo({ clientId: 'alice-2' })],
      [{ name: 'Event', value: 'poc-settings' }],
    );

    expect(status(await alice.send(publish))).toBe(403);
  });
});

describe('insecurePlainCalls configuration', () => {
  it('rejects a value other than a boolean', () => {
    const config = {
      serverUri: SERVER_URI,
      identity: { key: 'k.pem', certificate: 'c.pem', trustAnchors: ['ca.cert.pem'] },
      users: [],
      groups: [],
      insecurePlainCalls: 'yes',
    };

    expect(() => parseConfig(config, '/tmp')).toThrow(TypeError);
    expect(() => parseConfig(config, '/tmp')).toThrow(/insecurePlainCalls/);
  });
});
