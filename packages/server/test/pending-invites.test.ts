import { describe, expect, it } from 'vitest';
import { SipMessage } from '@mcptt-smime/smime';
import { PendingInvites } from '../src/pending-invites.js';
import { createResponse, requestLine } from '../src/sip-builder.js';
import type { ServerTransaction } from '../src/transaction-layer.js';

function request(method: string, branch = 'z9hG4bKinvite', callId = 'call-1'): SipMessage {
  return SipMessage.create(requestLine(method, 'sip:mcptt-server@mcptt.example'), [
    { name: 'Via', value: `SIP/2.0/WS x.invalid;branch=${branch}` },
    { name: 'From', value: '<sip:alice@mcptt.example>;tag=1' },
    { name: 'To', value: '<sip:mcptt-server@mcptt.example>' },
    { name: 'Call-ID', value: callId },
    { name: 'CSeq', value: `1 ${method}` },
  ]);
}

function transaction(message: SipMessage): ServerTransaction & { responses: SipMessage[] } {
  const responses: SipMessage[] = [];
  return {
    request: message,
    responses,
    get completed() {
      return responses.some((response) => response.startLine.type === 'response');
    },
    respond: (response) => responses.push(response),
  };
}

const statusOf = (message: SipMessage | undefined) =>
  message?.startLine.type === 'response' ? message.startLine.status : undefined;

describe('pending invites', () => {
  it('ends a cancelled INVITE with 487', () => {
    const pending = new PendingInvites();
    const invite = transaction(request('INVITE'));
    const signal = pending.add(invite);

    const matched = pending.cancel(request('CANCEL'));

    expect(matched).toBe(true);
    expect(statusOf(invite.responses[0])).toBe(487);
    expect(invite.responses[0]?.getHeader('To')).toMatch(/;tag=/);
    expect(signal.aborted).toBe(true);
  });

  it('leaves an answered INVITE alone', () => {
    const pending = new PendingInvites();
    const invite = transaction(request('INVITE'));
    const signal = pending.add(invite);
    invite.respond(createResponse(invite.request, 200, { toTag: 'answered' }));

    const matched = pending.cancel(request('CANCEL'));

    expect(matched).toBe(true);
    expect(invite.responses).toHaveLength(1);
    expect(signal.aborted).toBe(false);
  });

  it('matches on branch and Call-ID', () => {
    const pending = new PendingInvites();
    const invite = transaction(request('INVITE'));
    pending.add(invite);

    expect(pending.cancel(request('CANCEL', 'z9hG4bKother'))).toBe(false);
    expect(pending.cancel(request('CANCEL', 'z9hG4bKinvite', 'call-2'))).toBe(false);
    expect(invite.responses).toHaveLength(0);
  });

  it('forgets a finished INVITE', () => {
    const pending = new PendingInvites();
    const invite = transaction(request('INVITE'));
    pending.add(invite);
    pending.delete(invite);

    expect(pending.cancel(request('CANCEL'))).toBe(false);
  });

  it('counts the unanswered INVITEs of a caller', () => {
    const pending = new PendingInvites();
    const first = transaction(request('INVITE', 'z9hG4bKfirst', 'call-1'));
    const second = transaction(request('INVITE', 'z9hG4bKsecond', 'call-2'));
    const unchecked = transaction(request('INVITE', 'z9hG4bKthird', 'call-3'));
    for (const invite of [first, second, unchecked]) pending.add(invite);
    pending.setCaller(first, 'sip:alice@mcptt.example');
    pending.setCaller(second, 'sip:alice@mcptt.example');

    expect(pending.pendingFrom('sip:alice@mcptt.example')).toBe(2);
    expect(pending.pendingFrom('sip:bob@mcptt.example')).toBe(0);

    second.respond(createResponse(second.request, 200, { toTag: 'answered' }));
    expect(pending.pendingFrom('sip:alice@mcptt.example')).toBe(1);

    pending.delete(first);
    expect(pending.pendingFrom('sip:alice@mcptt.example')).toBe(0);
  });
});
