import { afterAll, beforeAll, expect } from 'vitest';
import { MEDIA_TYPES, readParts, textPart, type BodyPart } from '../../src/body-parts.js';
import { buildMcpttInfo, parseMcpttInfo, type McpttInfo } from '../../src/mcptt-xml.js';
import {
  McpttTestClient,
  OFFER_SDP,
  SERVER_URI,
  status,
  textOf,
  type Incoming,
} from './mcptt-test-client.js';
import {
  GROUP_ID,
  startFixture,
  type FixtureOptions,
  type ServerFixture,
} from './server-fixture.js';

/** Builds an mcptt-info body part. */
export function mcpttInfo(info: McpttInfo): BodyPart {
  return textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo(info));
}

/** Builds an affiliation pidf body part for `groups`. */
export function affiliation(groups: readonly string[]): BodyPart {
  const elements = groups.map((group) => `<m:affiliation group="${group}"/>`).join('');
  return textPart(
    MEDIA_TYPES.pidf,
    `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:m="urn:3gpp:ns:mcpttPresInfo:1.0" entity="x"><tuple id="c1"><status>${elements}</status></tuple></presence>`,
  );
}

/** True for an INVITE from the server. */
export const isInvite = (incoming: Incoming): boolean => incoming.raw.method === 'INVITE';

/** Reads the mcptt-info of a request from the server. */
export function infoOf(incoming: Incoming): McpttInfo {
  return parseMcpttInfo(textOf(incoming.parts, MEDIA_TYPES.mcpttInfo) ?? '');
}

/** Sends a signed and encrypted PUBLISH with `Event: event` and expects 200. */
export async function publish(user: McpttTestClient, event: string, part: BodyPart) {
  const request = await user.protect(
    user.request('PUBLISH', SERVER_URI, [part], [{ name: 'Event', value: event }]),
  );
  expect(status(await user.send(request))).toBe(200);
}

/**
 * Connects `names` to the fixture's core, binds their contacts and authorises them with a
 * PUBLISH of `poc-settings`.
 */
export async function connectAuthorised(
  fixture: ServerFixture,
  names: readonly string[],
): Promise<Record<string, McpttTestClient>> {
  const clients: Record<string, McpttTestClient> = {};
  for (const name of names) {
    const user = await McpttTestClient.connect(fixture.coreUrl, name, fixture.pki, fixture.pki);
    clients[name] = user;
    expect(await user.bind()).toBe(200);
    await publish(user, 'poc-settings', mcpttInfo({ clientId: `${name}-1` }));
  }
  return clients;
}

/** Builds a call INVITE from `user` with the test offer and `info`, signed and encrypted. */
export async function callInvite(
  user: McpttTestClient,
  info: McpttInfo,
  headers: readonly { name: string; value: string }[] = [],
) {
  return user.protect(
    user.request(
      'INVITE',
      SERVER_URI,
      [textPart(MEDIA_TYPES.sdp, OFFER_SDP), mcpttInfo(info)],
      headers,
    ),
  );
}

/** Opens the server's protected 200 OK to `user` and reads its mcptt-info. */
export async function answerInfo(
  user: McpttTestClient,
  response: Parameters<McpttTestClient['open']>[0],
) {
  const opened = await user.open(response);
  return parseMcpttInfo(textOf(readParts(opened), MEDIA_TYPES.mcpttInfo) ?? '');
}

/**
 * Starts a server on the relay core for the tests of the calling file, with the users `names`
 * connected and authorised and `affiliated` affiliated to the test group, and stops it after
 * them.
 */
export function useRelayGroup(
  names: readonly string[],
  affiliated: readonly string[],
  options: FixtureOptions = {},
) {
  const state: { fixture?: ServerFixture; clients: Record<string, McpttTestClient> } = {
    clients: {},
  };
  beforeAll(async () => {
    state.fixture = await startFixture('relay', options);
    state.clients = await connectAuthorised(state.fixture, names);
    for (const name of affiliated) {
      await publish(state.clients[name] as McpttTestClient, 'presence', affiliation([GROUP_ID]));
    }
  });
  afterAll(async () => {
    await state.fixture?.stop();
    for (const user of Object.values(state.clients)) user.close();
  });
  return {
    fixture: () => state.fixture as ServerFixture,
    client: (name: string) => state.clients[name] as McpttTestClient,
  };
}
