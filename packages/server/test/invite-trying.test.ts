import { describe, expect, it } from 'vitest';
import { SipMessage, type SipHeader } from '@mcptt-smime/smime';
import { createResponse, requestLine, tagOf } from '../src/sip-builder.js';
import { TransactionLayer, type ServerTransaction } from '../src/transaction-layer.js';

const timers = { t1: 10, t2: 40, transactionTimeout: 50, linger: 200 };

function request(method: string, extra: readonly SipHeader[] = []): SipMessage {
  return SipMessage.create(requestLine(method, 'sip:mcptt-server@mcptt.example'), [
    { name: 'Via', value: 'SIP/2.0/WS x.invalid;branch=z9hG4bKtrying' },
    { name: 'From', value: '<sip:alice@mcptt.example>;tag=1' },
    { name: 'To', value: '<sip:mcptt-server@mcptt.example>' },
    { name: 'Call-ID', value: 'call-trying' },
    { name: 'CSeq', value: `1 ${method}` },
    ...extra,
  ]);
}

const statusOf = (message: SipMessage | undefined) =>
  message?.startLine.type === 'response' ? message.startLine.status : undefined;

/** Creates a transaction layer that records what it sends and what it hands up. */
function recordingLayer() {
  const sent: SipMessage[] = [];
  const received: ServerTransaction[] = [];
  const sentBeforeHandler: number[] = [];
  const layer = new TransactionLayer(
    (message) => sent.push(message),
    {
      onRequest: (transaction) => {
        // The number of messages sent before the application saw the request.
        sentBeforeHandler.push(sent.length);
        received.push(transaction);
      },
    },
    timers,
  );
  return { layer, sent, received, sentBeforeHandler };
}

describe('100 Trying', () => {
  it('answers a new INVITE before the handler', () => {
    const { layer, sent, received, sentBeforeHandler } = recordingLayer();

    layer.receive(request('INVITE', [{ name: 'Timestamp', value: '54' }]));
    layer.close();

    expect(received).toHaveLength(1);
    expect(sentBeforeHandler).toEqual([1]);
    expect(statusOf(sent[0])).toBe(100);
    expect(sent[0]?.callId).toBe('call-trying');
    expect(sent[0]?.getHeader('Via')).toBe('SIP/2.0/WS x.invalid;branch=z9hG4bKtrying');
    expect(tagOf(sent[0]?.getHeader('To'))).toBeUndefined();
    expect(sent[0]?.getHeader('Timestamp')).toBe('54');
  });

  it('resends the last response to a repeat', () => {
    const { layer, sent, received } = recordingLayer();

    layer.receive(request('INVITE'));
    layer.receive(request('INVITE'));
    received[0]?.respond(createResponse(request('INVITE'), 180, { toTag: 't' }));
    layer.receive(request('INVITE'));
    layer.close();

    expect(received).toHaveLength(1);
    expect(sent.map(statusOf)).toEqual([100, 100, 180, 180]);
  });

  it('sends none for other methods', () => {
    const { layer, sent, received } = recordingLayer();

    layer.receive(request('MESSAGE'));
    layer.receive(request('BYE'));
    layer.close();

    expect(received).toHaveLength(2);
    expect(sent).toHaveLength(0);
  });
});
