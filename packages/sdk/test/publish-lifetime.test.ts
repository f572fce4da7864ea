/**
 * The lifetimes of the client's publications: the values it accepts from the application, and
 * the Expires of a 2xx. That header crosses the SIP core in clear, so it can neither stop the
 * refreshes nor make them come faster than every 30 s.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SipMessage, utf8Encode } from '@mcptt-smime/smime';
import { McpttClient } from '../src/api/mcptt-client.js';
import type { AffiliationOptions } from '../src/api/publish-affiliation.js';
import type { RefreshFailedEvent } from '../src/api/events.js';
import { FakeSocket } from './helpers/fake-socket.js';
import { MAX_TIMER_DELAY_MS } from '../src/api/publication-refresh.js';
import { createSocketClient } from './helpers/socket-client.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { until } from './helpers/until.js';

const SERVER = 'sip:mcptt-server@example.org';
const GROUP = 'sip:fire-north@example.org';
let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

async function setUp() {
  const failures: RefreshFailedEvent[] = [];
  const {
    client: alice,
    socket,
    timers,
  } = await createSocketClient({
    delegate: { onRefreshFailed: (event) => failures.push(event) },
  });
  clients.push(alice);
  await alice.start();
  return { alice, socket, timers, failures };
}

/** Waits for PUBLISH number `count` and returns its Expires header. */
async function publishSent(socket: FakeSocket, count: number): Promise<string | undefined> {
  await until(() => socket.sent.filter((frame) => frame.startsWith('PUBLISH ')).length >= count);
  return SipMessage.parse(utf8Encode(socket.sent.at(-1) ?? '')).getHeader('Expires');
}

/** Sends a 200 OK to the last PUBLISH, with `fields` after its CSeq and `body`. */
function answerWith(socket: FakeSocket, fields: readonly string[], body = ''): void {
  const publish = SipMessage.parse(utf8Encode(socket.sent.at(-1) ?? ''));
  socket.receive(
    [
      'SIP/2.0 200 OK',
      `Via: ${publish.getHeader('Via') ?? ''}`,
      `From: ${publish.getHeader('From') ?? ''}`,
      `To: ${publish.getHeader('To') ?? ''};tag=srv`,
      `Call-ID: ${publish.callId}`,
      'CSeq: 1 PUBLISH',
      ...fields,
      `Content-Length: ${utf8Encode(body).length}`,
      '',
      body,
    ].join('\r\n'),
  );
}

/** Sends a 200 OK to the last PUBLISH with `Expires: expires`, as the core may rewrite it. */
function answer(socket: FakeSocket, expires: string): void {
  answerWith(socket, ['SIP-ETag: e1', `Expires: ${expires}`]);
}

describe('the Expires of a 2xx to PUBLISH', () => {
  it.each(['0', '1'])('refreshes every 30 s after Expires: %s', async (expires) => {
    const { alice, socket, timers, failures } = await setUp();
    const affiliated = alice.setAffiliation({ target: SERVER, groups: [GROUP] });
    expect(await publishSent(socket, 1)).toBe('3600');
    answer(socket, expires);
    await affiliated;

    expect(timers.active).toEqual([30_000]);
    timers.fire();
    expect(await publishSent(socket, 2)).toBe('3600');
    answer(socket, expires);
    await until(() => timers.active.length === 1);

    expect(timers.active).toEqual([30_000]);
    expect(failures).toEqual([]);
  });

  it('takes a longer granted lifetime', async () => {
    const { alice, socket, timers } = await setUp();
    const affiliated = alice.setAffiliation({ target: SERVER, groups: [GROUP] });
    await publishSent(socket, 1);
    answer(socket, '600');
    await affiliated;

    expect(timers.active).toEqual([536_000]);
  });
});

describe('a 2xx to PUBLISH that fails unprotection', () => {
  it('rejects the PUBLISH at once', async () => {
    const { alice, socket } = await setUp();
    const affiliated = alice.setAffiliation({ target: SERVER, groups: [GROUP] });
    await publishSent(socket, 1);
    answerWith(
      socket,
      ['Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data'],
      'not a CMS structure',
    );

    // No timer fires here, so before the fix the PUBLISH waited for good.
    await expect(affiliated).rejects.toMatchObject({ sipStatus: 400 });
  });
});

describe('publication lifetimes from the application', () => {
  it.each([1.5, -5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '60'])(
    'rejects affiliation expires %s',
    async (expires) => {
      const { alice, socket } = await setUp();
      const options = { target: SERVER, groups: [GROUP], expires } as unknown as AffiliationOptions;

      await expect(alice.setAffiliation(options)).rejects.toThrow(TypeError);
      await expect(alice.setAffiliation(options)).rejects.toThrow('expires');
      expect(socket.sent).toEqual([]);
    },
  );

  it.each([
    [['sip:g@example.org'], 'affiliation options must be an object with target and groups'],
    [{ groups: [GROUP] }, 'target must be a sip: or sips: URI'],
    [{ target: SERVER, groups: GROUP }, 'groups must be an array of group URIs'],
    [{ target: SERVER, groups: [GROUP, 'fire-north'] }, 'groups[1] must be a sip: or sips: URI'],
    [{ target: SERVER, groups: [], mcpttId: 42 }, 'mcpttId must be a sip: or sips: URI'],
    [{ target: SERVER, groups: [], clientId: 7 }, 'clientId must be a string'],
    [{ target: SERVER, groups: [], timeoutMs: 0 }, 'timeoutMs must be a positive number'],
    // setTimeout fires at once for a longer delay, so the PUBLISH would time out at once.
    [{ target: SERVER, groups: [], timeoutMs: 2 ** 31 }, 'timeoutMs must be a positive number'],
  ])('rejects affiliation options %j', async (options, message) => {
    const { alice, socket } = await setUp();

    const affiliated = alice.setAffiliation(options as unknown as AffiliationOptions);

    await expect(affiliated).rejects.toThrow(TypeError);
    await expect(affiliated).rejects.toThrow(message);
    expect(socket.sent).toEqual([]);
  });

  it('withdraws with expires 0', async () => {
    const { alice, socket, timers } = await setUp();
    const withdrawn = alice.setAffiliation({ target: SERVER, groups: [], expires: 0 });
    expect(await publishSent(socket, 1)).toBe('0');
    answer(socket, '0');
    await withdrawn;

    expect(timers.active).toEqual([]);
  });

  it('sends the largest lifetime', async () => {
    const { alice, socket } = await setUp();
    void alice.setAffiliation({ target: SERVER, groups: [GROUP], expires: 2 ** 31 - 1 });

    expect(await publishSent(socket, 1)).toBe('2147483647');
  });

  it.each([0, 1.5, -5, Number.NaN, 2 ** 31, '3600'])(
    'rejects authorisationExpires %s',
    async (authorisationExpires) => {
      const stores = await createKeyStores();
      const create = () =>
        new McpttClient({
          uri: 'sip:alice@example.org',
          transport: new FakeSocket(),
          crypto: testCrypto,
          keyStore: stores.alice,
          serverUri: SERVER,
          authorisationExpires: authorisationExpires as number,
        });

      expect(create).toThrow(TypeError);
      expect(create).toThrow('authorisationExpires');
    },
  );
});

describe('stop() and the refreshes', () => {
  it('arms nothing for a PUBLISH answered after stop()', async () => {
    const { alice, socket, timers } = await setUp();
    const affiliated = alice.setAffiliation({ target: SERVER, groups: [GROUP] });
    await publishSent(socket, 1);
    alice.stop();
    answer(socket, '3600');
    await affiliated;

    expect(timers.active).toEqual([]);
  });

  it('keeps the longest lifetime within the timer range', async () => {
    const { alice, socket, timers } = await setUp();
    const longest = 2 ** 31 - 1;
    const affiliated = alice.setAffiliation({ target: SERVER, groups: [GROUP], expires: longest });
    await publishSent(socket, 1);
    answer(socket, String(longest));
    await affiliated;

    expect(timers.active).toEqual([MAX_TIMER_DELAY_MS]);
  });
});
