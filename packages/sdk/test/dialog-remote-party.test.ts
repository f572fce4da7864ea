/**
 * Messages of a call whose far end is not the call's remote party never reach JsSIP. The SIP
 * core relays Call-ID and tags in clear, and any holder of a certificate from the same CA can
 * sign a message in its own name, so without this check JsSIP would take an answer or a
 * re-INVITE from another user, with the DTLS fingerprint of that user's media.
 */
import { describe, expect, it } from 'vitest';
import type { SipMessage } from '@mcptt-smime/smime';
import { utf8Encode } from '@mcptt-smime/smime';

import type { McpttCall } from '../src/api/mcptt-call.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { until } from './helpers/until.js';
import {
  MALLORY,
  MALLORY_FINGERPRINT,
  SERVER,
  SERVER_FINGERPRINT,
  answer,
  requestInDialog,
  establishedCall as establishedCallWith,
  sdpWith,
  sent,
  startCall as startCallWith,
} from './helpers/group-call.js';

const stops = useCallHooks();
const startCall = () => startCallWith(stops);
const establishedCall = () => establishedCallWith(stops);

/** Builds a re-INVITE of the dialog of `invite` from `uri`, keeping the dialog's tags. */
function reInvite(invite: SipMessage, uri: string, fingerprint: string): SipMessage {
  return requestInDialog(invite, uri, 'INVITE', 7).withBody(utf8Encode(sdpWith(fingerprint, 2)), {
    contentType: 'application/sdp',
  });
}

/**
 * Builds mallory's 200 OK of another Call-ID whose top Via puts `decoy` before the branch of the
 * INVITE, so that a reader who takes the first branch-like text finds another transaction.
 */
function decoyAnswer(invite: SipMessage, decoy: string): SipMessage {
  const other = answer(invite, MALLORY, MALLORY_FINGERPRINT, { callId: 'another-call' });
  const [top = '', ...rest] = other.getHeaders('Via');
  const disguised = top.replace(';branch=', `${decoy};branch=`);
  return other.withHeader('Via', [disguised, ...rest].join(', '));
}

function remoteFingerprint(call: McpttCall): string | undefined {
  const connection = call.session.connection as unknown as {
    remoteDescription: { sdp: string } | null;
  };
  return /a=fingerprint:sha-256 (\S+)/.exec(connection.remoteDescription?.sdp ?? '')?.[1];
}

describe('an answer from another user', () => {
  it('fails the call with 403', async () => {
    const { socket, failures, call, invite, sign } = await startCall();

    socket.receive(await sign('mallory', answer(invite, MALLORY, MALLORY_FINGERPRINT)));

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 403 });
    expect(failures.map((failure) => failure.code)).toEqual(['ERR_IDENTITY_MISMATCH']);
    expect(failures[0]?.sipStatus).toBe(403);
    expect(remoteFingerprint(call)).toBeUndefined();
  });

  it('passes from the remote party', async () => {
    const { socket, failures, call, invite, sign } = await startCall();

    socket.receive(await sign('bob', answer(invite, SERVER, SERVER_FINGERPRINT)));

    await call.established();
    expect(failures).toEqual([]);
    expect(remoteFingerprint(call)?.startsWith(SERVER_FINGERPRINT)).toBe(true);
  });
});

describe('a response of another dialog on the INVITE branch', () => {
  it('fails the call with 403', async () => {
    const { socket, failures, call, invite, sign } = await startCall();
    const other = answer(invite, MALLORY, MALLORY_FINGERPRINT, { callId: 'another-call' });

    socket.receive(await sign('mallory', other));

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 403 });
    expect(failures.map((failure) => failure.code)).toEqual(['ERR_IDENTITY_MISMATCH']);
    expect(remoteFingerprint(call)).toBeUndefined();
  });

  it('fails the call when a quoted Via parameter names another branch', async () => {
    const { socket, failures, call, invite, sign } = await startCall();

    socket.receive(await sign('mallory', decoyAnswer(invite, ';x="q;branch=z9hG4bKdecoy"')));

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 403 });
    expect(failures.map((failure) => failure.code)).toEqual(['ERR_IDENTITY_MISMATCH']);
    expect(remoteFingerprint(call)).toBeUndefined();
  });

  it('drops a response whose Via repeats the branch', async () => {
    const { socket, failures, call, invite, sign } = await startCall();

    socket.receive(await sign('mallory', decoyAnswer(invite, ';branch=z9hG4bKdecoy')));

    await until(() => failures.length === 1);
    expect(failures[0]).toMatchObject({ code: 'ERR_SIP_MALFORMED', sipStatus: 400 });
    expect(remoteFingerprint(call)).toBeUndefined();
    expect(call.state).not.toBe('established');
  });

  it('sets no early media from a provisional response', async () => {
    const { socket, failures, call, invite, sign } = await startCall();
    const early = answer(invite, MALLORY, MALLORY_FINGERPRINT, { status: 183, callId: 'x' });

    socket.receive(await sign('mallory', early));

    await until(() => failures.length === 1);
    expect(failures[0]?.code).toBe('ERR_IDENTITY_MISMATCH');
    expect(remoteFingerprint(call)).toBeUndefined();
    expect(call.state).not.toBe('established');
  });
});

describe('a re-INVITE from another user', () => {
  it('gets 403 and changes no media', async () => {
    const { socket, failures, call, invite, sign } = await establishedCall();

    socket.receive(await sign('mallory', reInvite(invite, MALLORY, MALLORY_FINGERPRINT)));

    await until(() => sent(socket, 'SIP/2.0 ').length > 0);
    expect(sent(socket, 'SIP/2.0 ')[0]?.split('\r\n')[0]).toBe('SIP/2.0 403 Forbidden');
    expect(failures.map((failure) => failure.code)).toEqual(['ERR_IDENTITY_MISMATCH']);
    expect(remoteFingerprint(call)?.startsWith(SERVER_FINGERPRINT)).toBe(true);
  });

  it('stores no certificate of its signer', async () => {
    const { socket, failures, invite, sign, stores } = await establishedCall();

    socket.receive(await sign('mallory', reInvite(invite, MALLORY, MALLORY_FINGERPRINT)));

    await until(() => failures.length === 1);
    expect(failures[0]?.code).toBe('ERR_IDENTITY_MISMATCH');
    expect(await stores.alice.getPeerCertificate(MALLORY)).toBeUndefined();
  });

  it('passes from the remote party', async () => {
    const { socket, failures, call, invite, sign } = await establishedCall();

    socket.receive(await sign('bob', reInvite(invite, SERVER, MALLORY_FINGERPRINT)));

    await until(() => sent(socket, 'SIP/2.0 200').length > 0);
    expect(failures).toEqual([]);
    expect(remoteFingerprint(call)?.startsWith(MALLORY_FINGERPRINT)).toBe(true);
  });
});
