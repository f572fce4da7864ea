import { describe, expect, it } from 'vitest';
import { SipMessage } from '@mcptt-smime/smime';
import { createResponse, requestLine } from '../src/sip-builder.js';
import { TransactionLayer, type ServerTransaction } from '../src/transaction-layer.js';

const timers = { t1: 10, t2: 40, transactionTimeout: 50, linger: 200 };

function request(method: string, branch = 'z9hG4bKabc', callId = 'call-1'): SipMessage {
  return SipMessage.create(requestLine(method, 'sip:mcptt-server@mcptt.example'), [
    { name: 'Via', value: `SIP/2.0/WS x.invalid;branch=${branch}` },
    { name: 'From', value: '<sip:alice@mcptt.example>;tag=1' },
    { name: 'To', value: '<sip:mcptt-server@mcptt.example>' },
    { name: 'Call-ID', value: callId },
    { name: 'CSeq', value: `1 ${method}` },
  ]);
}

/** Returns `response` with its Call-ID or CSeq replaced, as the SIP core could send it. */
function withHeader(response: SipMessage, name: 'Call-ID' | 'CSeq', value: string): SipMessage {
  return SipMessage.create(
    response.startLine,
    response.headers.map((field) => (field.name === name ? { name, value } : field)),
  );
}

describe('transaction layer', () => {
  it('absorbs a repeated request', () => {
    const sent: SipMessage[] = [];
    const received: ServerTransaction[] = [];
    const layer = new TransactionLayer(
      (m) => sent.push(m),
      { onRequest: (t) => received.push(t) },
      timers,
    );

    layer.receive(request('MESSAGE'));
    received[0]?.respond(createResponse(request('MESSAGE'), 200, { toTag: 't' }));
    layer.receive(request('MESSAGE'));
    layer.close();

    expect(received).toHaveLength(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.toBytes()).toEqual(sent[0]?.toBytes());
  });

  it('times a request out with 408', async () => {
    const layer = new TransactionLayer(() => undefined, { onRequest: () => undefined }, timers);

    const response = await layer.sendRequest(request('MESSAGE'));

    expect(response.startLine.type === 'response' && response.startLine.status).toBe(408);
  });

  it('lost transport fails a pending request', async () => {
    const sent: SipMessage[] = [];
    // The timeout is far away, so that only the lost transport can end the request.
    const slow = { ...timers, transactionTimeout: 60_000 };
    const layer = new TransactionLayer((m) => sent.push(m), { onRequest: () => undefined }, slow);

    const pending = layer.sendRequest(request('MESSAGE'));
    layer.transportLost();
    const response = await pending;
    layer.close();

    expect(sent).toHaveLength(1);
    expect(response.startLine).toMatchObject({ type: 'response', status: 503 });
    expect(response.callId).toBe('call-1');
  });

  it('lost transport fails a new request', async () => {
    const sent: SipMessage[] = [];
    const layer = new TransactionLayer((m) => sent.push(m), { onRequest: () => undefined }, timers);

    layer.transportLost();
    const response = await layer.sendRequest(request('MESSAGE'));

    expect(sent).toEqual([]);
    expect(response.startLine).toMatchObject({ type: 'response', status: 503 });
  });

  it('restored transport sends requests', () => {
    const sent: SipMessage[] = [];
    const layer = new TransactionLayer((m) => sent.push(m), { onRequest: () => undefined }, timers);

    layer.transportLost();
    layer.transportRestored();
    void layer.sendRequest(request('MESSAGE'));
    layer.close();

    expect(sent).toHaveLength(1);
  });

  it('acknowledges a failed INVITE', async () => {
    const sent: SipMessage[] = [];
    const layer = new TransactionLayer((m) => sent.push(m), { onRequest: () => undefined }, timers);

    const pending = layer.sendRequest(request('INVITE'));
    layer.receive(createResponse(sent[0]!, 486, { toTag: 'busy' }));
    const response = await pending;
    layer.close();

    expect(response.startLine.type === 'response' && response.startLine.status).toBe(486);
    expect(sent[1]?.method).toBe('ACK');
    expect(sent[1]?.getHeader('Via')).toBe(sent[0]?.getHeader('Via'));
  });

  it('repeats a 2xx to an INVITE until the ACK', async () => {
    const sent: SipMessage[] = [];
    const received: ServerTransaction[] = [];
    const layer = new TransactionLayer(
      (m) => sent.push(m),
      { onRequest: (t) => received.push(t) },
      timers,
    );

    layer.receive(request('INVITE'));
    received[0]?.respond(createResponse(request('INVITE'), 200, { toTag: 't' }));
    await new Promise((resolve) => setTimeout(resolve, 35));
    const repeats = sent.length;
    layer.receive(request('ACK', 'z9hG4bKack'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    layer.close();

    expect(repeats).toBeGreaterThan(1);
    expect(sent.length).toBe(repeats);
    expect(received[1]?.request.method).toBe('ACK');
  });

  /** Returns a layer that records its requests and the INVITEs it reports without ACK. */
  function ackWatchingLayer() {
    const unacknowledged: [SipMessage, SipMessage][] = [];
    const received: ServerTransaction[] = [];
    const layer = new TransactionLayer(
      () => undefined,
      {
        onRequest: (t) => received.push(t),
        onAckTimeout: (invite, response) => unacknowledged.push([invite, response]),
      },
      timers,
    );
    return { layer, received, unacknowledged };
  }

  const afterLinger = () => new Promise((resolve) => setTimeout(resolve, timers.linger + 50));

  it('reports a 2xx that no ACK confirmed', async () => {
    const { layer, received, unacknowledged } = ackWatchingLayer();

    layer.receive(request('INVITE'));
    received[0]?.respond(createResponse(request('INVITE'), 200, { toTag: 't' }));
    await afterLinger();
    layer.close();

    expect(unacknowledged).toHaveLength(1);
    expect(unacknowledged[0]?.[0].callId).toBe('call-1');
    expect(unacknowledged[0]?.[1].getHeader('To')).toMatch(/;tag=t$/);
  });

  it('reports no acknowledged or failed INVITE', async () => {
    const { layer, received, unacknowledged } = ackWatchingLayer();
    const failed = request('INVITE', 'z9hG4bKother', 'call-2');

    layer.receive(request('INVITE'));
    received[0]?.respond(createResponse(request('INVITE'), 200, { toTag: 't' }));
    layer.receive(request('ACK', 'z9hG4bKack'));
    layer.receive(failed);
    received[2]?.respond(createResponse(failed, 486));
    await afterLinger();
    layer.close();

    expect(received[1]?.request.method).toBe('ACK');
    expect(unacknowledged).toHaveLength(0);
  });

  it('reports nothing once closed', async () => {
    const { layer, received, unacknowledged } = ackWatchingLayer();

    layer.receive(request('INVITE'));
    received[0]?.respond(createResponse(request('INVITE'), 200, { toTag: 't' }));
    layer.close();
    await afterLinger();

    expect(unacknowledged).toHaveLength(0);
  });

  /**
   * Sends an INVITE, responds to it with the 200 OK that `alter` returns, and returns the final
   * response and the responses that matched no transaction.
   */
  async function answerWith(alter: (answer: SipMessage, sentVia: string) => SipMessage) {
    const sent: SipMessage[] = [];
    const stray: SipMessage[] = [];
    const layer = new TransactionLayer(
      (m) => sent.push(m),
      { onRequest: () => undefined, onStrayResponse: (response) => stray.push(response) },
      timers,
    );
    const pending = layer.sendRequest(request('INVITE'));
    const answer = createResponse(sent[0]!, 200, { toTag: 'other' });
    layer.receive(alter(answer, sent[0]?.getHeader('Via') ?? ''));
    const response = await pending;
    layer.close();
    const status = response.startLine.type === 'response' ? response.startLine.status : 0;
    return { status, stray };
  }

  it.each([
    ['Call-ID', 'call-of-another-dialog'],
    ['CSeq', '2 INVITE'],
  ] as const)('drops a response with another %s', async (name, value) => {
    const { status, stray } = await answerWith((answer) => withHeader(answer, name, value));

    expect(stray).toHaveLength(1);
    expect(status).toBe(408);
  });

  it('reads the branch parameter, not a quoted value that contains one', async () => {
    const { status, stray } = await answerWith((answer, sentVia) => {
      const branch = /;branch=(\S+)$/.exec(sentVia)?.[1] ?? '';
      const via = `SIP/2.0/WS x.invalid;x="q;branch=${branch};y";branch=z9hG4bKother`;
      return answer.withHeader('Via', via);
    });

    expect(stray).toHaveLength(1);
    expect(status).toBe(408);
  });

  it('passes the answer of the INVITE', async () => {
    const { status, stray } = await answerWith((answer) => answer);

    expect(stray).toEqual([]);
    expect(status).toBe(200);
  });

  it('ends the repeats of the 2xx whose ACK arrives', async () => {
    const sent: SipMessage[] = [];
    const received: ServerTransaction[] = [];
    const layer = new TransactionLayer(
      (m) => sent.push(m),
      { onRequest: (t) => received.push(t) },
      timers,
    );

    layer.receive(request('INVITE', 'z9hG4bK1', 'call-1'));
    layer.receive(request('INVITE', 'z9hG4bK2', 'call-2'));
    received[0]?.respond(createResponse(request('INVITE', 'z9hG4bK1', 'call-1'), 200));
    received[1]?.respond(createResponse(request('INVITE', 'z9hG4bK2', 'call-2'), 200));
    layer.receive(request('ACK', 'z9hG4bKack', 'call-2'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    layer.close();

    const repeats = (callId: string) =>
      sent.filter((m) => m.callId === callId && m.startLine.type === 'response').length;
    expect(repeats('call-1')).toBeGreaterThan(2);
    expect(repeats('call-2')).toBe(2);
  });

  it('ends the repeats of both INVITEs of one Call-ID and CSeq', async () => {
    const sent: SipMessage[] = [];
    const received: ServerTransaction[] = [];
    const layer = new TransactionLayer(
      (m) => sent.push(m),
      { onRequest: (t) => received.push(t) },
      timers,
    );

    // A proxy may send the same INVITE again on another branch (RFC 3261 §8.2.2.2).
    layer.receive(request('INVITE', 'z9hG4bKfirst'));
    layer.receive(request('INVITE', 'z9hG4bKsecond'));
    for (const transaction of received) {
      transaction.respond(createResponse(transaction.request, 200, { toTag: 't' }));
    }
    layer.receive(request('ACK', 'z9hG4bKack'));
    const afterAck = sent.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    layer.close();

    expect(sent.slice(afterAck)).toEqual([]);
  });
});
