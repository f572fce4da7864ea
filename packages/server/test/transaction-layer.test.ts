import { describe, expect, it } from 'vitest';
import { SipMessage } from '@mcptt-smime/smime';
import { createResponse, requestLine } from '../src/sip-builder.js';
import { TransactionLayer, type ServerTransaction } from '../src/transaction-layer.js';

const timers = { t1: 10, t2: 40, transactionTimeout: 50, linger: 200 };

function request(method: string, branch = 'z9hG4bKabc'): SipMessage {
  return SipMessage.create(requestLine(method, 'sip:mcptt-server@mcptt.example'), [
    { name: 'Via', value: `SIP/2.0/WS x.invalid;branch=${branch}` },
    { name: 'From', value: '<sip:alice@mcptt.example>;tag=1' },
    { name: 'To', value: '<sip:mcptt-server@mcptt.example>' },
    { name: 'Call-ID', value: 'call-1' },
    { name: 'CSeq', value: `1 ${method}` },
  ]);
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
});
