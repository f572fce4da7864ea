import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemDecode, protectMessage, type SipMessage } from '@mcptt-smime/smime';
import { MEDIA_TYPES, textPart, type BodyPart } from '../src/body-parts.js';
import { buildMcpttInfo } from '../src/mcptt-xml.js';
import { MAX_SIGNATURE_AGE_MS } from '../src/request-guard.js';
import { DOMAIN, McpttTestClient, SERVER_URI, status } from './helpers/mcptt-test-client.js';
import { affiliation } from './helpers/call-setup.js';
import { GROUP_ID, startFixture, type ServerFixture } from './helpers/server-fixture.js';

const DAVE = `sip:dave@${DOMAIN}`;

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
const MCPTT_INFO = textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo({ clientId: 'dave-1' }));

/** Options of {@link protectedPublish}. */
interface PublishOptions {
  /** Value of an Expires header field; none when left out. */
  readonly expires?: string;
  /** Header fields copied into the signed fragment. */
  readonly signed?: readonly string[];
  readonly signedAt?: Date;
}

/** Builds a PUBLISH of `event` from `client`, signed and encrypted for the server. */
function protectedPublish(
  client: McpttTestClient,
  event: string,
  parts: readonly BodyPart[],
  options: PublishOptions = {},
): Promise<SipMessage> {
  const request = client.request('PUBLISH', SERVER_URI, parts, [
    { name: 'Event', value: event },
    ...(options.expires === undefined ? [] : [{ name: 'Expires', value: options.expires }]),
  ]);
  return client.protect(request, undefined, options.signed ?? [], options.signedAt);
}

describe('service authorisation', () => {
  let fixture: ServerFixture;
  let dave: McpttTestClient;
  let serverCertificate: Uint8Array;

  /** Sends a PUBLISH of `event` with `parts`, signed at `signedAt`, and returns its status. */
  async function publish(
    event: string,
    parts: readonly BodyPart[],
    signedAt = new Date(),
  ): Promise<number> {
    const request: SipMessage = dave.request('PUBLISH', SERVER_URI, parts, [
      { name: 'Event', value: event },
    ]);
    const publish = await protectMessage(request, {
      crypto,
      signer: dave.identity,
      recipients: [serverCertificate],
      now: () => signedAt,
    });
    return status(await dave.send(publish));
  }

  const authorise = (parts: readonly BodyPart[], signedAt?: Date) =>
    publish('poc-settings', parts, signedAt);

  /** Codes of the rejections of PUBLISH requests that the server logged. */
  function rejectedCodes(): unknown[] {
    return fixture.logLines
      .map((line) => JSON.parse(line) as { msg?: string; code?: string; method?: string })
      .filter((entry) => entry.msg === 'request rejected' && entry.method === 'PUBLISH')
      .map((entry) => entry.code);
  }

  beforeAll(async () => {
    fixture = await startFixture('relay');
    dave = await McpttTestClient.connect(fixture.coreUrl, 'dave', fixture.pki, fixture.pki);
    expect(await dave.bind()).toBe(200);
    const pem = await readFile(join(fixture.pki, 'mcptt-server.cert.pem'), 'utf8');
    [serverCertificate] = pemDecode(pem, 'CERTIFICATE') as [Uint8Array];
  });

  afterAll(async () => {
    dave?.close();
    await fixture?.stop();
  });

  it('rejects a PUBLISH without mcptt-info', async () => {
    const text = textPart('text/plain', 'press');

    expect(await authorise([text])).toBe(403);
    expect(fixture.server.context.registry.isAuthorised(DAVE)).toBe(false);
  });

  it('rejects a signature older than the window', async () => {
    const stale = new Date(Date.now() - MAX_SIGNATURE_AGE_MS - 60_000);

    expect(await authorise([MCPTT_INFO], stale)).toBe(403);
    expect(rejectedCodes()).toContain('ERR_SIGNATURE_INVALID');
    expect(fixture.server.context.registry.isAuthorised(DAVE)).toBe(false);
  });

  it('rejects a signature dated ahead of the window', async () => {
    const ahead = new Date(Date.now() + MAX_SIGNATURE_AGE_MS + 60_000);

    expect(await authorise([MCPTT_INFO], ahead)).toBe(403);
    expect(fixture.server.context.registry.isAuthorised(DAVE)).toBe(false);
  });

  it('accepts a fresh signature within clock skew', async () => {
    const skewed = new Date(Date.now() - 60_000);

    expect(await authorise([MCPTT_INFO], skewed)).toBe(200);
    expect(fixture.server.context.registry.isAuthorised(DAVE)).toBe(true);
  });

  it('rejects an affiliation signed before the window', async () => {
    const stale = new Date(Date.now() - MAX_SIGNATURE_AGE_MS - 60_000);
    const before = rejectedCodes().length;

    expect(await publish('presence', [affiliation([GROUP_ID])], stale)).toBe(403);
    expect(rejectedCodes().slice(before)).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('accepts a fresh affiliation', async () => {
    expect(await publish('presence', [affiliation([GROUP_ID])])).toBe(200);
  });

  /** Codes and reasons of the rejections that the server logged since `before` lines. */
  function rejections(before: number): { code?: string; reason?: string }[] {
    return fixture.logLines
      .slice(before)
      .map((line) => JSON.parse(line) as { msg?: string; code?: string; reason?: string })
      .filter((entry) => entry.msg === 'request rejected')
      .map(({ code, reason }) => ({ ...(code ? { code } : {}), ...(reason ? { reason } : {}) }));
  }

  describe('the lifetime fields', () => {
    /** Sends a PUBLISH of `event` with an Expires of `expires`, signed copies of `signed`. */
    async function publishExpires(event: string, parts: readonly BodyPart[], signed: string[]) {
      const before = fixture.logLines.length;
      const sent = await protectedPublish(dave, event, parts, {
        expires: '0',
        signed: ['Call-ID', 'CSeq', ...signed],
      });
      return { status: status(await dave.send(sent)), rejections: rejections(before) };
    }

    it('rejects an unsigned Expires', async () => {
      expect(await authorise([MCPTT_INFO])).toBe(200);

      const result = await publishExpires('poc-settings', [MCPTT_INFO], []);
      expect(result.status).toBe(403);
      expect(result.rejections).toEqual([{ reason: 'Expires header field is not signed' }]);
      expect(fixture.server.context.registry.isAuthorised(DAVE)).toBe(true);
    });

    it('rejects an unsigned Expires of an affiliation', async () => {
      const result = await publishExpires('presence', [affiliation([GROUP_ID])], []);

      expect(result.status).toBe(403);
      expect(result.rejections).toEqual([{ reason: 'Expires header field is not signed' }]);
    });

    it('accepts a signed Expires', async () => {
      expect(await authorise([MCPTT_INFO])).toBe(200);

      expect((await publishExpires('poc-settings', [MCPTT_INFO], ['Expires'])).status).toBe(200);
      expect(fixture.server.context.registry.isAuthorised(DAVE)).toBe(false);
    });

    it('rejects a signed Expires changed on the path', async () => {
      const sent = await protectedPublish(dave, 'poc-settings', [MCPTT_INFO], {
        expires: '0',
        signed: ['Call-ID', 'CSeq', 'Expires'],
      });
      const before = fixture.logLines.length;

      expect(status(await dave.send(sent.withHeader('Expires', '3600')))).toBe(403);
      expect(rejections(before)).toEqual([{ code: 'ERR_HEADER_MISMATCH' }]);
    });
  });

  it('rejects a REGISTER to the registrar domain', async () => {
    // The core routes a REGISTER to the domain to its own registrar, so only a core that wants
    // to pass it on delivers it: the test hands it to the server as such a core would.
    const request = dave.request('REGISTER', `sip:${DOMAIN}`, [MCPTT_INFO]);
    const sent = await dave.protect(request, undefined, ['Call-ID', 'CSeq']);
    const before = fixture.logLines.length;
    fixture.server.receive(sent.toBytes());

    await until(() => rejections(before).length > 0);
    expect(rejections(before)).toEqual([{ reason: 'REGISTER not addressed to the server' }]);
    expect(fixture.server.context.registry.isAuthorised(DAVE)).toBe(false);
  });

  it('rejects a MESSAGE once the authorisation is withdrawn', async () => {
    expect(await authorise([MCPTT_INFO])).toBe(200);
    const withdraw = await protectedPublish(dave, 'poc-settings', [MCPTT_INFO], {
      expires: '0',
      signed: ['Expires'],
    });
    expect(status(await dave.send(withdraw))).toBe(200);
    const message = dave.request('MESSAGE', SERVER_URI, [
      textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo({ calledPartyId: `sip:bob@${DOMAIN}` })),
      textPart('text/plain', 'meet at the north gate'),
    ]);
    const before = fixture.logLines.length;

    const response = await dave.send(await dave.protect(message));
    expect(status(response)).toBe(403);
    // The application of the client receives the reason phrase, so it names the next step.
    expect(response.startLine).toMatchObject({
      reasonPhrase: 'Forbidden, not authorised: register first',
    });
    expect(rejections(before)).toEqual([{ reason: 'user is not authorised for the service' }]);
  });

  describe('a publication held back by the core', () => {
    const CAROL = `sip:carol@${DOMAIN}`;
    let carol: McpttTestClient;

    beforeAll(async () => {
      carol = await McpttTestClient.connect(fixture.coreUrl, 'carol', fixture.pki, fixture.pki);
      expect(await carol.bind()).toBe(200);
    });

    afterAll(() => carol?.close());

    /** Signs a PUBLISH of `event` at `offset` ms from now, with a signed Expires when given. */
    const signedPublish = (
      event: string,
      parts: readonly BodyPart[],
      offset: number,
      expires?: string,
    ) =>
      protectedPublish(carol, event, parts, {
        ...(expires === undefined ? {} : { expires }),
        signed: ['Call-ID', 'CSeq', 'Expires'],
        signedAt: new Date(Date.now() + offset),
      });
    const send = async (message: SipMessage) => status(await carol.send(message));
    const carolInfo = textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo({ clientId: 'carol-1' }));

    it('applies a later publication after an earlier one', async () => {
      const first = await signedPublish('poc-settings', [carolInfo], -2000);
      const second = await signedPublish('poc-settings', [carolInfo], -1000);

      expect(await send(first)).toBe(200);
      expect(await send(second)).toBe(200);
      expect(fixture.server.context.registry.isAuthorised(CAROL)).toBe(true);
    });

    it('cannot undo a later leave', async () => {
      const group = fixture.server.context.registry.group(GROUP_ID)!;
      const join = await signedPublish('presence', [affiliation([GROUP_ID])], -60_000);
      const leave = await signedPublish('presence', [affiliation([])], 0, '0');

      expect(await send(leave)).toBe(200);
      const before = fixture.logLines.length;
      expect(await send(join)).toBe(403);
      expect(rejections(before)).toEqual([
        { reason: 'publication signed before one already applied' },
      ]);
      expect(fixture.server.context.registry.isAffiliated(CAROL, group)).toBe(false);
    });

    it('cannot undo a later withdrawal', async () => {
      const refresh = await signedPublish('poc-settings', [carolInfo], -60_000);
      const join = await signedPublish('presence', [affiliation([GROUP_ID])], -30_000);
      const withdraw = await signedPublish('poc-settings', [carolInfo], 1000, '0');

      expect(await send(withdraw)).toBe(200);
      expect(await send(refresh)).toBe(403);
      // The withdrawal dropped the affiliations too, so an older affiliation cannot return.
      expect(await send(join)).toBe(403);
      expect(fixture.server.context.registry.isAuthorised(CAROL)).toBe(false);
    });
  });

  it('rejects a PUBLISH bound by its Call-ID only', async () => {
    const sent = await protectedPublish(dave, 'poc-settings', [MCPTT_INFO], {
      signed: ['Call-ID'],
    });
    const before = fixture.logLines.length;

    expect(status(await dave.send(sent))).toBe(403);
    expect(rejections(before)).toEqual([{ code: 'ERR_HEADER_MISMATCH' }]);
  });

  describe('a PUBLISH bound to its Call-ID and CSeq', () => {
    /** Builds an authorisation PUBLISH with signed copies of its Call-ID and CSeq. */
    async function boundAuthorisation(): Promise<SipMessage> {
      const request = dave.request(
        'PUBLISH',
        SERVER_URI,
        [MCPTT_INFO],
        [{ name: 'Event', value: 'poc-settings' }],
      );
      return protectMessage(request, {
        crypto,
        signer: dave.identity,
        recipients: [serverCertificate],
        protectHeaders: ['Call-ID', 'CSeq'],
      });
    }
    /** Sends `message` again as the core would: the same request in a new transaction. */
    const resent = (message: SipMessage) =>
      message.withHeader(
        'Via',
        `SIP/2.0/WS replay.invalid;branch=z9hG4bKreplay${String(Date.now())}`,
      );

    it('rejects the same request sent again', async () => {
      const publish = await boundAuthorisation();
      expect(status(await dave.send(publish))).toBe(200);
      const before = rejectedCodes().length;

      expect(status(await dave.send(resent(publish)))).toBe(403);
      expect(rejectedCodes().slice(before)).toEqual(['ERR_REPLAYED']);
    });

    it('remembers no request of a sender who is not a user', async () => {
      const zoe = await McpttTestClient.connect(fixture.coreUrl, 'zoe', fixture.pki, fixture.pki);
      try {
        const request = zoe.request('MESSAGE', SERVER_URI, [MCPTT_INFO]);
        const bound = await zoe.protect(request, undefined, ['Call-ID', 'CSeq']);
        const before = fixture.server.context.replayGuard.size;

        expect(status(await zoe.send(bound))).toBe(403);
        expect(fixture.server.context.replayGuard.size).toBe(before);
      } finally {
        zoe.close();
      }
    });

    it('rejects its body in another Call-ID', async () => {
      const publish = await boundAuthorisation();
      const before = rejectedCodes().length;

      expect(status(await dave.send(resent(publish).withHeader('Call-ID', 'moved-1')))).toBe(403);
      expect(rejectedCodes().slice(before)).toEqual(['ERR_HEADER_MISMATCH']);
    });
  });
});
