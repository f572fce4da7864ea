/**
 * A SIP core that challenges the user's registration or PUBLISH (RFC 3261 §22) gets it again
 * with digest credentials.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SipMessage,
  topViaBranch,
  unprotectMessage,
  utf8Decode,
  utf8Encode,
} from '@mcptt-smime/smime';
import { answerDigestChallenge } from '../src/adapter/jssip/jssip-ua.js';
import { McpttClient } from '../src/api/mcptt-client.js';
import type { SdkLogger } from '../src/core/logger.js';
import { FakeSocket } from './helpers/fake-socket.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { responseTo } from './helpers/sip-samples.js';
import { until } from './helpers/until.js';

const PASSWORD = 'c0re-Passw0rd';
const REALM = 'core.example.org';

let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

/** The MCPTT server, which the tests play with bob's identity and certificate. */
const SERVER = 'sip:bob@example.org';

async function setUp(withCredentials = true) {
  const stores = await createKeyStores();
  const socket = new FakeSocket();
  const logged: string[] = [];
  const record = (...args: unknown[]) => logged.push(JSON.stringify(args));
  const logger: SdkLogger = { debug: record, info: record, warn: record, error: record };
  const alice = new McpttClient({
    uri: 'sip:alice@example.org',
    transport: socket,
    crypto: testCrypto,
    keyStore: stores.alice,
    now: stores.now,
    logger,
    ...(withCredentials
      ? { sipCredentials: { username: 'alice-at-core', password: PASSWORD } }
      : {}),
    accessToken: 'access-token-1',
    serverUri: SERVER,
    serverCertificates: [stores.pki.certificate('bob')],
  });
  clients.push(alice);
  await alice.start();
  return { alice, socket, stores, logged };
}

const sentRequests = (socket: FakeSocket, method: string) =>
  socket.sent.filter((frame) => frame.startsWith(`${method} `));

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** Reads the parameters of a Digest credentials or challenge value. */
function digestParameters(value: string): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const match of value.replace(/^Digest\s+/i, '').matchAll(/(\w+)=("([^"]*)"|[^,\s]+)/g)) {
    parameters.set((match[1] as string).toLowerCase(), match[3] ?? (match[2] as string));
  }
  return parameters;
}

/** Returns the digest response (RFC 2617 §3.2.2.1) that `credentials` must carry. */
function expectedResponse(method: string, credentials: Map<string, string>): string {
  const field = (name: string) => credentials.get(name) ?? '';
  const ha1 = md5(`${field('username')}:${field('realm')}:${PASSWORD}`);
  const ha2 = md5(`${method}:${field('uri')}`);
  if (!credentials.has('qop')) return md5([ha1, field('nonce'), ha2].join(':'));
  return md5([ha1, field('nonce'), field('nc'), field('cnonce'), field('qop'), ha2].join(':'));
}

function challenge(
  sent: string,
  status: string,
  header: string,
  nonce: string,
  qop = 'qop="auth", ',
): string {
  const value = `Digest realm="${REALM}", nonce="${nonce}", ${qop}algorithm=MD5`;
  return responseTo(sent, status, [`${header}: ${value}`]);
}

describe('digest credentials', () => {
  it('answers a 401 to REGISTER', async () => {
    const { alice, socket, stores } = await setUp();
    const done = alice.register();
    await until(() => sentRequests(socket, 'REGISTER').length === 1);
    const first = sentRequests(socket, 'REGISTER')[0] as string;

    socket.receive(challenge(first, '401 Unauthorized', 'WWW-Authenticate', 'n401'));
    await until(() => sentRequests(socket, 'REGISTER').length === 2);
    const second = SipMessage.parse(utf8Encode(sentRequests(socket, 'REGISTER')[1] as string));
    const credentials = digestParameters(second.getHeader('Authorization') ?? '');

    expect(credentials.get('username')).toBe('alice-at-core');
    expect(credentials.get('realm')).toBe(REALM);
    expect(credentials.get('nonce')).toBe('n401');
    expect(credentials.get('response')).toBe(expectedResponse('REGISTER', credentials));
    expect(second.cseq.sequence).toBeGreaterThan(SipMessage.parse(utf8Encode(first)).cseq.sequence);
    // The new REGISTER carries mcptt-info protected afresh, with its own CSeq signed.
    const opened = await unprotectMessage(second, {
      crypto: testCrypto,
      identity: await stores.pki.identity('bob'),
      trustAnchors: [stores.pki.caCertificate],
      now: stores.now,
    });
    const signedCseq = opened.security.protectedHeaders.find((header) => header.name === 'CSeq');
    expect(signedCseq?.value).toBe(second.getHeader('CSeq'));
    expect(second.body).not.toEqual(SipMessage.parse(utf8Encode(first)).body);

    const contact = second.getHeader('Contact') ?? '';
    socket.receive(
      responseTo(sentRequests(socket, 'REGISTER')[1] as string, '200 OK', [
        `Contact: ${contact};expires=600`,
      ]),
    );
    await until(() => sentRequests(socket, 'PUBLISH').length === 1);
    socket.receive(
      responseTo(sentRequests(socket, 'PUBLISH')[0] as string, '200 OK', [
        'SIP-ETag: e1',
        'Expires: 3600',
      ]),
    );
    await expect(done).resolves.toBeUndefined();
  });

  it('never sends or logs the password', async () => {
    const { alice, socket, logged } = await setUp();
    const done = alice.register();
    await until(() => sentRequests(socket, 'REGISTER').length === 1);
    const first = sentRequests(socket, 'REGISTER')[0] as string;
    socket.receive(challenge(first, '401 Unauthorized', 'WWW-Authenticate', 'n1'));
    await until(() => sentRequests(socket, 'REGISTER').length === 2);
    socket.receive(
      challenge(sentRequests(socket, 'REGISTER')[1] as string, '403 Forbidden', 'X-Reason', 'n2'),
    );
    await done.catch(() => undefined);

    expect(socket.sent.join('\n')).not.toContain(PASSWORD);
    expect(logged.join('\n')).not.toContain(PASSWORD);
  });

  it.each([
    [{ password: '' }, 'sipCredentials.password must be a non-empty string'],
    [{ password: 1 }, 'sipCredentials.password must be a non-empty string'],
    [{ password: 'x', username: '' }, 'sipCredentials.username must be a non-empty string'],
    [{ password: 'x', realm: 7 }, 'sipCredentials.realm must be a string'],
    ['secret', 'sipCredentials must be an object with a password'],
  ])('rejects sipCredentials %j', async (sipCredentials, message) => {
    const stores = await createKeyStores();

    expect(
      () =>
        new McpttClient({
          uri: 'sip:alice@example.org',
          transport: new FakeSocket(),
          crypto: testCrypto,
          keyStore: stores.alice,
          sipCredentials: sipCredentials as never,
        }),
    ).toThrow(new TypeError(message));
  });
});

/** Registers `alice` at the fake core and returns the service authorisation PUBLISH. */
async function registerUntilPublish(socket: FakeSocket): Promise<string> {
  await until(() => sentRequests(socket, 'REGISTER').length === 1);
  const register = sentRequests(socket, 'REGISTER')[0] as string;
  const contact = SipMessage.parse(utf8Encode(register)).getHeader('Contact') ?? '';
  socket.receive(responseTo(register, '200 OK', [`Contact: ${contact};expires=600`]));
  await until(() => sentRequests(socket, 'PUBLISH').length === 1);
  return sentRequests(socket, 'PUBLISH')[0] as string;
}

/** Waits for PUBLISH number `count` and returns it parsed. */
async function nthPublish(socket: FakeSocket, count: number): Promise<SipMessage> {
  await until(() => sentRequests(socket, 'PUBLISH').length === count);
  return SipMessage.parse(utf8Encode(sentRequests(socket, 'PUBLISH')[count - 1] as string));
}

const accepted = (sent: SipMessage) =>
  responseTo(utf8Decode(sent.toBytes()), '200 OK', ['SIP-ETag: e1', 'Expires: 3600']);

describe('digest challenges to PUBLISH', () => {
  it('retries a 407 authorisation PUBLISH protected afresh', async () => {
    const { alice, socket, stores } = await setUp();
    const done = alice.register();
    const first = await registerUntilPublish(socket);

    socket.receive(
      challenge(first, '407 Proxy Authentication Required', 'Proxy-Authenticate', 'p1'),
    );
    const second = await nthPublish(socket, 2);
    const credentials = digestParameters(second.getHeader('Proxy-Authorization') ?? '');
    const firstMessage = SipMessage.parse(utf8Encode(first));

    expect(second.getHeader('Authorization')).toBeUndefined();
    expect(credentials.get('username')).toBe('alice-at-core');
    expect(credentials.get('realm')).toBe(REALM);
    expect(credentials.get('nonce')).toBe('p1');
    expect(credentials.get('uri')).toBe(SERVER);
    expect(credentials.get('qop')).toBe('auth');
    expect(credentials.get('response')).toBe(expectedResponse('PUBLISH', credentials));
    expect(second.callId).toBe(firstMessage.callId);
    expect(second.getHeader('From')).toBe(firstMessage.getHeader('From'));
    expect(second.cseq.sequence).toBe(firstMessage.cseq.sequence + 1);
    expect(topViaBranch(second)).not.toBe(topViaBranch(firstMessage));
    const opened = await unprotectMessage(second, {
      crypto: testCrypto,
      identity: await stores.pki.identity('bob'),
      trustAnchors: [stores.pki.caCertificate],
      now: stores.now,
    });
    const signedCseq = opened.security.protectedHeaders.find((header) => header.name === 'CSeq');
    expect(signedCseq?.value).toBe(`${String(second.cseq.sequence)} PUBLISH`);
    expect(utf8Decode(opened.message.body)).toContain('access-token-1');

    socket.receive(accepted(second));
    await expect(done).resolves.toBeUndefined();
  });

  it('retries a 401 affiliation without qop', async () => {
    const { alice, socket } = await setUp();
    const registered = alice.register();
    socket.receive(accepted(SipMessage.parse(utf8Encode(await registerUntilPublish(socket)))));
    await registered;

    const done = alice.setAffiliation({ target: SERVER, groups: ['sip:g1@example.org'] });
    const first = await nthPublish(socket, 2);
    socket.receive(
      challenge(utf8Decode(first.toBytes()), '401 Unauthorized', 'WWW-Authenticate', 'w1', ''),
    );
    const second = await nthPublish(socket, 3);
    const credentials = digestParameters(second.getHeader('Authorization') ?? '');

    expect(second.getHeader('Event')).toBe('presence');
    expect(credentials.has('qop')).toBe(false);
    expect(credentials.get('response')).toBe(expectedResponse('PUBLISH', credentials));
    socket.receive(accepted(second));
    await expect(done).resolves.toBeUndefined();
  });

  it('fails register() on a second 407', async () => {
    const { alice, socket } = await setUp();
    const done = alice.register();
    const first = await registerUntilPublish(socket);
    const reason = '407 Proxy Authentication Required';

    socket.receive(challenge(first, reason, 'Proxy-Authenticate', 'p1'));
    const second = await nthPublish(socket, 2);
    socket.receive(challenge(utf8Decode(second.toBytes()), reason, 'Proxy-Authenticate', 'p2'));

    await expect(done).rejects.toMatchObject({
      name: 'SipRequestFailedError',
      code: 'ERR_REQUEST_FAILED',
      sipStatus: 407,
      message: 'request failed with 407 Proxy Authentication Required',
    });
    expect(sentRequests(socket, 'PUBLISH')).toHaveLength(2);
  });

  it.each([
    ['401 Unauthorized', 'WWW-Authenticate', 401],
    ['407 Proxy Authentication Required', 'Proxy-Authenticate', 407],
  ])('fails register() on %s without credentials', async (status, header, sipStatus) => {
    const { alice, socket } = await setUp(false);
    const done = alice.register();
    const first = await registerUntilPublish(socket);

    socket.receive(challenge(first, status, header, 'n1'));

    await expect(done).rejects.toMatchObject({
      name: 'SipRequestFailedError',
      code: 'ERR_REQUEST_FAILED',
      sipStatus,
      message: `request failed with ${status}`,
    });
    expect(sentRequests(socket, 'PUBLISH')).toHaveLength(1);
  });

  it('picks qop=auth over auth-int', async () => {
    const { alice, socket } = await setUp();
    const done = alice.register();
    const first = await registerUntilPublish(socket);

    const offer = 'qop="auth-int,auth", ';
    socket.receive(challenge(first, '401 Unauthorized', 'WWW-Authenticate', 'w2', offer));
    const second = await nthPublish(socket, 2);
    const credentials = digestParameters(second.getHeader('Authorization') ?? '');

    expect(credentials.get('qop')).toBe('auth');
    expect(credentials.get('response')).toBe(expectedResponse('PUBLISH', credentials));
    socket.receive(accepted(second));
    await expect(done).resolves.toBeUndefined();
  });

  it('answers a REGISTER challenge with auth', async () => {
    // JsSIP picks auth-int when offered, and its digest would cover the plaintext body.
    const { alice, socket } = await setUp();
    void alice.register().catch(() => undefined);
    await until(() => sentRequests(socket, 'REGISTER').length === 1);
    const first = sentRequests(socket, 'REGISTER')[0] as string;

    const offer = 'qop="auth-int,auth", ';
    socket.receive(challenge(first, '401 Unauthorized', 'WWW-Authenticate', 'r2', offer));
    await until(() => sentRequests(socket, 'REGISTER').length === 2);
    const second = SipMessage.parse(utf8Encode(sentRequests(socket, 'REGISTER')[1] as string));
    const credentials = digestParameters(second.getHeader('Authorization') ?? '');

    expect(credentials.get('qop')).toBe('auth');
    expect(credentials.get('response')).toBe(expectedResponse('REGISTER', credentials));
  });

  it('answers a 407 to MESSAGE with auth', async () => {
    const { alice, socket } = await setUp();
    const registered = alice.register();
    await registerUntilPublish(socket);
    socket.receive(accepted(await nthPublish(socket, 1)));
    await registered;
    void alice.sendShortData('sip:carol@example.org', 'message text').catch(() => undefined);
    await until(() => sentRequests(socket, 'MESSAGE').length === 1);
    const first = sentRequests(socket, 'MESSAGE')[0] as string;

    const offer = 'qop="auth,auth-int", ';
    socket.receive(
      challenge(first, '407 Proxy Authentication Required', 'Proxy-Authenticate', 'm2', offer),
    );
    await until(() => sentRequests(socket, 'MESSAGE').length === 2);
    const second = SipMessage.parse(utf8Encode(sentRequests(socket, 'MESSAGE')[1] as string));
    const credentials = digestParameters(second.getHeader('Proxy-Authorization') ?? '');

    expect(credentials.get('qop')).toBe('auth');
    expect(credentials.get('response')).toBe(expectedResponse('MESSAGE', credentials));
  });

  it('rejects an auth-int-only challenge', async () => {
    const { alice, socket } = await setUp();
    const done = alice.register();
    const first = await registerUntilPublish(socket);

    const offer = 'qop="auth-int", ';
    socket.receive(challenge(first, '401 Unauthorized', 'WWW-Authenticate', 'w3', offer));

    await expect(done).rejects.toMatchObject({
      name: 'SipRequestFailedError',
      code: 'ERR_NOT_SUPPORTED',
      sipStatus: 401,
      message: 'request failed with 401 Unauthorized',
    });
    expect(sentRequests(socket, 'PUBLISH')).toHaveLength(1);
  });

  it('keeps the password out of a PUBLISH retry', async () => {
    const { alice, socket, logged } = await setUp();
    const done = alice.register();
    const first = await registerUntilPublish(socket);

    socket.receive(
      challenge(first, '407 Proxy Authentication Required', 'Proxy-Authenticate', 'p1'),
    );
    socket.receive(accepted(await nthPublish(socket, 2)));
    await done;

    expect(logged.join('\n')).toContain('PUBLISH challenged');
    expect(socket.sent.join('\n')).not.toContain(PASSWORD);
    expect(logged.join('\n')).not.toContain(PASSWORD);
  });
});

describe('answerDigestChallenge with a realm', () => {
  it('answers another realm too', () => {
    const challenge = `Digest realm="${REALM}", nonce="n1", qop="auth", algorithm=MD5`;

    const answer = answerDigestChallenge(
      401,
      [challenge],
      { method: 'PUBLISH', uri: SERVER },
      { password: PASSWORD, realm: 'other.example.org' },
      'sip:alice@example.org',
    );

    // As JsSIP with a password: the realm option limits nothing, as its doc states.
    expect(answer.outcome).toBe('answered');
  });
});
