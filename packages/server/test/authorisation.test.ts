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
const MCPTT_INFO = textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo({ clientId: 'dave-1' }));

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
